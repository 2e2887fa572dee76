"""Regressions found in review: private replies through side doors, odd numbers in URLs and
forms, the member list for people who are not members yet, titles in reporters' mails."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.items.models import Part, ItemState
from app.themes.models import MembershipStatus, Role, WorkgroupType
from tests.factories import (MembershipFactory, OrganisationFactory, ItemFactory, CommentFactory,
                             ThemeFactory, UserFactory, member)
from tests.helpers import Client, page_text


def test_a_pending_or_hidden_reply_is_not_readable_through_the_report_page(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme)
    pending = CommentFactory(item=post, body="nog-niet-vrijgegeven", state=ItemState.PENDING)
    hidden = CommentFactory(item=post, body="verborgen-tekst", state=ItemState.HIDDEN)
    client = Client(app)
    client.login(member(theme).email)
    for reply in (pending, hidden):
        resp = client.get(f"/replies/{reply.id}/report")
        assert resp.status_code == 404
        assert "nog-niet-vrijgegeven" not in resp.get_data(as_text=True)
        assert client.post(f"/replies/{reply.id}/delete").status_code == 404
        assert client.post(f"/replies/{reply.id}/report", {"reason": "spam"}).status_code == 404


@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999", "-1", "0", "1e3", " 7"])
def test_odd_numbers_in_the_address_never_give_a_500(app, value):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme)
    admin = member(theme, role=Role.ADMIN)
    visitor, admin_client = Client(app), Client(app)
    admin_client.login(admin.email)
    for url in (f"/t/{theme.slug}?page={value}", f"/t/{theme.slug}?category={value}",
                f"/t/{theme.slug}?f={value}", f"/search?q=post&page={value}",
                f"/t/{theme.slug}/moderation?theme={value}"):
        client = admin_client if "moderation" in url else visitor
        assert client.get(url).status_code == 200, url
    assert visitor.get("/posts/99999999999999999999").status_code == 404
    assert visitor.get("/attachments/99999999999999999999/x.pdf").status_code == 404
    resp = admin_client.post(f"/t/{theme.slug}/moderation/decide",
                             {"target": f"item:{value}", "action": "approve"})
    assert resp.status_code in (400, 404)


def test_registration_with_an_organisation_of_another_theme_is_named(app):
    theme = ThemeFactory()
    foreign = OrganisationFactory(theme=ThemeFactory())
    resp = Client(app).post(f"/register/{theme.slug}", {
        "email": "org@example.org", "username": "Orgie", "organisation": str(foreign.id),
        "password": "een-lange-zin-als-wachtwoord", "password_confirm": "een-lange-zin-als-wachtwoord"})
    assert resp.status_code == 422 and "this theme's list" in page_text(resp)


def test_someone_not_yet_accepted_does_not_see_the_member_list_in_the_post_form(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    member(theme, username="Geheime Naam")
    waiting = UserFactory()
    MembershipFactory(user=waiting, theme=theme, status=MembershipStatus.PENDING)
    client = Client(app)
    client.login(waiting.email)
    form = client.get(f"/t/{theme.slug}/posts/new")
    assert form.status_code == 200 and "Geheime Naam" not in form.get_data(as_text=True)
    other = member(theme)
    resp = client.post(f"/t/{theme.slug}/posts/new", {"title": "x", "body": "y", "part": "public",
                                                       "audience": str(other.id)})
    assert resp.status_code == 422 and "Only accepted members" in page_text(resp)


def test_a_reporter_who_can_no_longer_see_the_post_is_not_told_its_title(app, mailbox):
    from app.moderation import services as moderation
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    reporter = member(theme)
    post = ItemFactory(theme=theme, part=Part.CLOSED, title="Geheime titel")
    client = Client(app)
    client.login(reporter.email)
    client.post(f"/posts/{post.id}/report", {"reason": "spam"})
    from sqlalchemy import delete
    from app.extensions import db
    from app.themes.models import Membership
    db.session.execute(delete(Membership).where(Membership.user_id == reporter.id))
    db.session.commit()
    mailbox.clear()
    moderation.dismiss_reports(admin, f"item:{post.id}")
    db.session.commit()
    (mail,) = mailbox.wait_for(reporter.email)
    assert "Geheime titel" not in mail.text and "Thank you for your report" in mail.text
