"""A closed subtheme (and the closed part of a mixed one) below a half-open theme, seen from
the outside by a visitor, someone who only registered for the half-open theme (accepted
automatically), a member accepted in the closed subtheme, an admin of the half-open theme and
the platform owner: its pages, counts, post page, joining, member list, digest and mails."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.digest import services as digest
from app.extensions import db
from app.items.models import Part
from app.themes.models import Membership, MembershipStatus, Role, WorkgroupType
from app.timeutil import utcnow
from tests.factories import ItemFactory, CommentFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, listed_titles, page_text

VIEWERS = ["visitor", "half-open-member", "accepted", "parent-admin", "platform-owner"]
# who may read the members-only posts below the half-open theme
INSIDE = {"accepted", "parent-admin", "platform-owner"}


@pytest.fixture
def region():
    last_week = utcnow() - timedelta(days=7)
    _key, start, _end = digest.period_of("weekly", last_week)
    at = start + timedelta(days=2)
    noord = ThemeFactory(name="Zorgregio Noord", workgroup_type=WorkgroupType.HALF_OPEN)
    ouderen = ThemeFactory(name="Ouderenzorg", workgroup_type=WorkgroupType.CLOSED, parent=noord)
    wijk = ThemeFactory(name="Wijkteams", workgroup_type=WorkgroupType.MIXED, parent=noord)
    people = {
        "half-open-member": member(noord, username="Aangemeld"),
        "accepted": member(ouderen, username="Toegelaten"),
        "parent-admin": member(noord, role=Role.ADMIN, username="Beheerder"),
        "platform-owner": UserFactory(is_platform_owner=True),
    }
    # The accepted member is a member of the half-open theme too (and of Wijkteams' closed part).
    from tests.factories import MembershipFactory
    MembershipFactory(user=people["accepted"], theme=noord)
    MembershipFactory(user=people["accepted"], theme=wijk)
    posts = {
        "closed": ItemFactory(theme=ouderen, part=Part.CLOSED, title="Zorgplan ouderen",
                              created_at=at, star_count=5, author=people["accepted"]),
        "mixed-closed": ItemFactory(theme=wijk, part=Part.CLOSED, title="Intern wijkoverleg",
                                    created_at=at, star_count=4, author=people["accepted"]),
        "public": ItemFactory(theme=noord, title="Open idee", created_at=at, star_count=3),
    }
    return noord, ouderen, wijk, people, posts


def client_for(app, people, who):
    c = Client(app)
    if who != "visitor":
        c.login(people[who].email)
    return c


@pytest.mark.parametrize("who", VIEWERS)
def test_members_only_content_below_a_half_open_theme(app, region, who):
    noord, ouderen, wijk, people, posts = region
    c = client_for(app, people, who)
    inside = who in INSIDE
    board = c.get(f"/t/{ouderen.slug}")
    assert board.status_code == 200
    assert ("Zorgplan ouderen" in listed_titles(board)) is inside
    assert ("This workgroup is closed" in page_text(board)) is (not inside)
    assert c.get(f"/posts/{posts['closed'].id}").status_code == (200 if inside else 404)
    mixed = c.get(f"/t/{wijk.slug}")
    assert ("Intern wijkoverleg" in listed_titles(mixed)) is inside
    assert c.get(f"/posts/{posts['mixed-closed'].id}").status_code == (200 if inside else 404)
    # The board's count says as much as its list.
    assert (re.search(r"\b1 post\b", page_text(mixed)) is not None) is inside
    assert (re.search(r"\b1 post\b", page_text(board)) is not None) is inside


def test_a_half_open_member_may_ask_to_join_the_closed_subtheme(app, region, mailbox):
    noord, ouderen, wijk, people, posts = region
    c = client_for(app, people, "half-open-member")
    page = page_text(c.get(f"/t/{ouderen.slug}"))
    assert "Request membership" in page and "You are a member" not in page
    assert "Ouderenzorg" in page_text(c.get("/account")).split("Join another theme", 1)[1]
    # Neither the closed subtheme's posting form nor its member list is open yet.
    assert c.get(f"/t/{ouderen.slug}/posts/new").status_code == 403
    assert c.get(f"/t/{ouderen.slug}/members").status_code == 403
    c.post(f"/t/{ouderen.slug}/join")
    request = db.session.scalar(select(Membership).where(
        Membership.user_id == people["half-open-member"].id, Membership.theme_id == ouderen.id))
    assert request.status == MembershipStatus.PENDING
    assert "waits for an admin" in page_text(c.get(f"/t/{ouderen.slug}"))
    assert len(mailbox.wait_for(people["parent-admin"].email)) == 1  # the request is mailed
    # In the mixed subtheme: the public part is open, the closed part is not.
    form = c.get(f"/t/{wijk.slug}/posts/new")
    assert form.status_code == 200
    assert re.search(r'value="closed"[^>]*disabled|disabled[^>]*value="closed"',
                     form.get_data(as_text=True))


def test_member_list_and_audience_of_the_closed_subtheme(app, region):
    noord, ouderen, wijk, people, posts = region
    c = client_for(app, people, "accepted")
    page = page_text(c.get(f"/t/{ouderen.slug}/members"))
    assert "Toegelaten" in page and "Beheerder" in page
    assert "Aangemeld" not in page  # accepted automatically in the parent only
    form = c.get(f"/t/{ouderen.slug}/posts/new").get_data(as_text=True)
    assert "Beheerder" in form and "Aangemeld" not in form
    resp = c.post(f"/t/{ouderen.slug}/posts/new", {
        "title": "Voor een buitenstaander", "body": "Tekst", "part": "closed",
        "audience": str(people["half-open-member"].id)})
    assert resp.status_code == 422
    assert "member list" in page_text(resp)


def test_digest_and_reply_mails_below_a_half_open_theme(app, region, mailbox):
    noord, ouderen, wijk, people, posts = region
    outsider = people["half-open-member"]
    CommentFactory(item=posts["closed"], author=outsider)  # replied once, when they had access
    assert digest.send_due_digests() >= 3
    titles = {who: set(re.findall(r"^- (.+?) \(", mailbox.wait_for(people[who].email)[0].text,
                                  flags=re.M)) for who in ("half-open-member", "accepted",
                                                           "parent-admin")}
    assert titles["half-open-member"] == {"Open idee"}
    assert titles["accepted"] == titles["parent-admin"] == {
        "Open idee", "Zorgplan ouderen", "Intern wijkoverleg"}
    mailbox.clear()
    c = client_for(app, people, "parent-admin")
    c.post(f"/items/{posts['closed'].id}/comments", {"body": "Goed plan."})
    assert len(mailbox.wait_for(people["accepted"].email)) == 1
    assert mailbox.to(outsider.email) == []


def test_overview_of_a_half_open_member_holds_the_public_posts_only(app, region, mailbox):
    noord, ouderen, wijk, people, posts = region
    reader = people["half-open-member"]
    reader.overview_frequency = "daily"
    db.session.commit()
    for theme, title, part in ((noord, "Nieuw open idee", Part.PUBLIC),
                               (ouderen, "Nieuw zorgplan", Part.CLOSED),
                               (wijk, "Nieuw wijkoverleg", Part.CLOSED)):
        ItemFactory(theme=theme, title=title, part=part, created_at=utcnow() - timedelta(hours=3))
    digest.send_overviews()
    (mail,) = mailbox.wait_for(reader.email)
    assert "Nieuw open idee" in mail.text
    assert "Nieuw zorgplan" not in mail.text and "Nieuw wijkoverleg" not in mail.text
