"""A double click never gives a server error: every form that creates a row with a unique key
(or switches one on), and the links that do, are sent N times at the same instant by N threads
sharing one browser session, against the real database. No answer may be a 5xx, exactly one
row may exist, and every answer is what one more submit would have got."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.digest.models import DigestDelivery, DigestRun, ThreadMute
from app.extensions import db
from app.filters.models import Category, FilterGroup, FilterValue
from app.moderation.models import Report
from app.organisations.models import Organisation
from app.items.models import Item, Star, item_filter_value
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType
from tests.factories import (FilterGroupFactory, FilterValueFactory, OrganisationFactory,
                             ItemFactory, ThemeFactory, UserFactory, member)
from tests.helpers import Client, page_text

N = 4  # identical requests released together


def one_browser(app, n=N, email=None) -> list[Client]:
    """N clients sharing one browser session (logged in as `email`, if given): the tabs or
    the double click of one person. The form token is made once, as a page would show it."""
    first = Client(app)
    if email:
        first.login(email)
    first.csrf_token()
    session = first.http.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        twin = Client(app, lang=None)
        twin.http.set_cookie("session", session.value)
        clients.append(twin)
    return clients


def at_once(clients: list[Client], url: str, data: dict | None = None, headers=None,
            csrf=True, method="post") -> list:
    """POST `data` (with the session's form token) from every client at the same instant (or
    GET `url`: a link clicked twice), each request in a thread of its own with its own app
    context and database session."""
    kwargs = {"headers": headers or {}}
    if method == "post":
        kwargs["data"] = {"csrf_token": clients[0].csrf_token(), **(data or {})} if csrf \
            else (data or {})
    db.session.commit()  # the test's own session holds nothing while the requests run
    barrier = threading.Barrier(len(clients), timeout=60)
    answers: list = [None] * len(clients)

    def send(i, client):
        barrier.wait()
        try:
            answers[i] = getattr(client.http, method)(url, **kwargs)
        except BaseException as exc:  # an exception escaping the app is a failure too
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    db.session.expire_all()
    for answer in answers:
        assert not isinstance(answer, BaseException), repr(answer)
    codes = [a.status_code for a in answers]
    assert all(code < 500 for code in codes), codes
    return answers


def count(model, *where) -> int:
    table = model if hasattr(model, "c") else model.__table__
    return db.session.scalar(select(func.count()).select_from(table).where(*where))


def redirects(answers) -> list[str]:
    return [a.headers.get("Location") for a in answers if a.status_code == 302]


def refused(answers, status=422) -> list[str]:
    """The visible text of the answers that showed the form again."""
    return [page_text(a) for a in answers if a.status_code == status]


# ------------------------------------------------------------------ named creates

def test_platform_owner_creates_a_theme_once(app):
    owner = UserFactory(is_platform_owner=True)
    clients = one_browser(app, email=owner.email)
    answers = at_once(clients, "/platform/themes", {
        "name": "Klimaat", "slug": "klimaat", "workgroup_type": "half_open", "parent": "",
        "description": "Samen aan de slag"})
    assert count(Theme, Theme.slug == "klimaat") == 1
    assert redirects(answers) == ["/platform/themes"]
    for text in refused(answers):
        assert "The address klimaat is already taken." in text
    for answer in answers:
        if answer.status_code == 422:  # what was typed is kept
            html = answer.get_data(as_text=True)
            assert 'value="Klimaat"' in html and "Samen aan de slag" in html
    assert len(answers) == len(redirects(answers)) + len(refused(answers))


def test_platform_owner_creates_a_theme_with_its_owner_once(app, mailbox):
    boss = UserFactory(is_platform_owner=True)
    chosen = UserFactory(email="eigenaar@example.org")
    clients = one_browser(app, email=boss.email)
    at_once(clients, "/platform/themes", {
        "name": "Water", "slug": "water", "workgroup_type": "closed", "parent": "",
        "owner_email": "eigenaar@example.org"})
    theme = db.session.scalar(select(Theme).where(Theme.slug == "water"))
    assert count(Theme, Theme.slug == "water") == 1
    assert count(Membership, Membership.theme_id == theme.id) == 1
    assert count(Membership, Membership.theme_id == theme.id, Membership.user_id == chosen.id,
                 Membership.role == Role.OWNER) == 1


def test_owner_creates_a_subtheme_once(app):
    parent = ThemeFactory(slug="zorg")
    owner = member(parent, role=Role.OWNER)
    clients = one_browser(app, email=owner.email)
    answers = at_once(clients, "/t/zorg/subthemes/new", {
        "name": "Mantelzorg", "slug": "mantelzorg", "workgroup_type": "mixed"})
    assert count(Theme, Theme.slug == "mantelzorg") == 1
    assert redirects(answers) == ["/t/mantelzorg"]
    for text in refused(answers):
        assert "The address mantelzorg is already taken." in text
    assert len(answers) == len(redirects(answers)) + len(refused(answers))


def test_admin_adds_an_organisation_once(app):
    theme = ThemeFactory(slug="energie")
    admin = member(theme, role=Role.ADMIN)
    clients = one_browser(app, email=admin.email)
    answers = at_once(clients, "/t/energie/organisations", {
        "name": "Buurtkracht", "description": "Zonnepanelen op elk dak"})
    assert count(Organisation, Organisation.theme_id == theme.id) == 1
    assert redirects(answers) == ["/t/energie/organisations"]
    for answer in answers:
        if answer.status_code == 422:
            assert "Buurtkracht is already on the list." in page_text(answer)
            assert "Zonnepanelen op elk dak" in answer.get_data(as_text=True)
    assert len(answers) == len(redirects(answers)) + len(refused(answers))


@pytest.mark.parametrize("kind, model", [("category", Category), ("group", FilterGroup)])
def test_admin_adds_a_category_or_filter_once(app, kind, model):
    theme = ThemeFactory(slug="mobiliteit")
    admin = member(theme, role=Role.ADMIN)
    clients = one_browser(app, email=admin.email)
    answers = at_once(clients, "/t/mobiliteit/settings/filters", {"kind": kind, "name": "Fiets"})
    assert count(model, model.theme_id == theme.id, model.name == "Fiets") == 1
    assert redirects(answers) == ["/t/mobiliteit/settings/filters"]
    for answer in answers:
        if answer.status_code == 422:  # the problem next to the field, what was typed kept
            html = answer.get_data(as_text=True)
            assert f'id="name-{kind}" name="name" maxlength="60" required value="Fiets" ' \
                   f'aria-invalid="true"' in html
            assert "Fiets already exists." in page_text(answer)
    assert len(answers) == len(redirects(answers)) + len(refused(answers))


def test_admin_adds_a_filter_value_once(app):
    theme = ThemeFactory(slug="regio")
    admin = member(theme, role=Role.ADMIN)
    group = FilterGroupFactory(theme_id=theme.id, name="Provincie")
    clients = one_browser(app, email=admin.email)
    answers = at_once(clients, "/t/regio/settings/filters",
                      {"kind": "value", "group": str(group.id), "name": "Limburg"})
    assert count(FilterValue, FilterValue.group_id == group.id) == 1
    assert redirects(answers) == ["/t/regio/settings/filters"]
    for answer in answers:
        if answer.status_code == 422:
            assert f'id="name-value{group.id}" name="name" maxlength="60" required ' \
                   f'value="Limburg"' in answer.get_data(as_text=True)
            assert "Limburg already exists." in page_text(answer)
    assert len(answers) == len(redirects(answers)) + len(refused(answers))


# ------------------------------------------------------------------ toggles and idempotent adds

def test_star_given_with_a_double_click_is_one_star(app):
    theme = ThemeFactory()
    post = ItemFactory(theme=theme)
    fan = member(theme)
    clients = one_browser(app, email=fan.email)
    answers = at_once(clients, f"/posts/{post.id}/star", {"star": "1"})
    assert redirects(answers) == [f"/posts/{post.id}"] * N
    assert count(Star, Star.item_id == post.id) == 1
    assert db.session.get(Item, post.id).star_count == 1
    page = clients[0].get(f"/posts/{post.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and 'name="star" value="0"' in page  # the next click removes it

    answers = at_once(clients, f"/posts/{post.id}/star", {"star": "0"},
                      headers={"Accept": "application/json"})
    assert [a.get_json() for a in answers] == [
        {"starred": False, "count": 0, "label": "Give a star"}] * N
    assert count(Star, Star.item_id == post.id) == 0
    assert db.session.get(Item, post.id).star_count == 0


def test_muting_a_post_with_a_double_click_mutes_it_once(app):
    theme = ThemeFactory()
    post = ItemFactory(theme=theme)
    reader = member(theme)
    clients = one_browser(app, email=reader.email)
    answers = at_once(clients, f"/posts/{post.id}/mute", {"muted": "1"})
    assert redirects(answers) == [f"/posts/{post.id}"] * N
    assert count(ThreadMute, ThreadMute.item_id == post.id, ThreadMute.user_id == reader.id) == 1
    assert "You get no more mails about new replies to this post." in page_text(
        clients[1].get(f"/posts/{post.id}"))

    answers = at_once(clients, f"/posts/{post.id}/mute", {"muted": "0"})
    assert redirects(answers) == [f"/posts/{post.id}"] * N
    assert count(ThreadMute, ThreadMute.item_id == post.id) == 0


def test_one_click_unsubscribe_sent_several_times_mutes_once(app):
    from app.mail.notifications import unsubscribe_url

    theme = ThemeFactory()
    post = ItemFactory(theme=theme)
    reader = member(theme)
    with app.test_request_context():
        url = unsubscribe_url(reader, "replies", post.id).split("localhost", 1)[1]
    mail_programs = [Client(app, lang=None) for _ in range(N)]  # no session, no form (RFC 8058)
    answers = at_once(mail_programs, url, csrf=False)
    assert [a.status_code for a in answers] == [200] * N
    assert count(ThreadMute, ThreadMute.item_id == post.id, ThreadMute.user_id == reader.id) == 1


def test_joining_with_a_double_click_is_one_membership(app, mailbox):
    theme = ThemeFactory(slug="veiligheid", name="Veiligheid", workgroup_type=WorkgroupType.HALF_OPEN)
    person = UserFactory()
    clients = one_browser(app, email=person.email)
    answers = at_once(clients, "/t/veiligheid/join")
    assert redirects(answers) == ["/t/veiligheid"] * N
    assert count(Membership, Membership.theme_id == theme.id, Membership.user_id == person.id) == 1
    assert "You are a member." in page_text(clients[0].get("/t/veiligheid"))


def test_asking_to_join_a_closed_theme_twice_at_once_is_one_request_and_one_mail(app, mailbox):
    theme = ThemeFactory(slug="gesloten", workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    person = UserFactory(username="Dubbelklikker")
    clients = one_browser(app, email=person.email)
    answers = at_once(clients, "/t/gesloten/join")
    assert redirects(answers) == ["/t/gesloten"] * N
    assert count(Membership, Membership.theme_id == theme.id, Membership.user_id == person.id,
                 Membership.status == MembershipStatus.PENDING) == 1
    mails = mailbox.wait_for(admin.email)
    assert len(mails) == 1 and "Dubbelklikker asks to join" in mails[0].text


def test_reporting_with_a_double_click_is_one_report_and_one_mail(app, mailbox):
    theme = ThemeFactory()
    admin = member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme)
    reader = member(theme)
    clients = one_browser(app, email=reader.email)
    answers = at_once(clients, f"/posts/{post.id}/report", {"reason": "spam"})
    assert count(Report, Report.item_id == post.id) == 1
    assert redirects(answers) == [f"/posts/{post.id}"]
    for text in refused(answers):
        assert "You already reported this; the admins will look at it." in text
    assert len(mailbox.wait_for(admin.email)) == 1


def test_registering_with_a_double_click_makes_one_account_and_sends_one_link(app, mailbox):
    theme = ThemeFactory(slug="nieuw")
    clients = one_browser(app)
    answers = at_once(clients, "/register/nieuw", {
        "email": "dubbel@example.org", "username": "Dubbel", "password": "een-lange-zin-als-wachtwoord",
        "password_confirm": "een-lange-zin-als-wachtwoord"})
    assert count(User, User.email == "dubbel@example.org") == 1
    user = db.session.scalar(select(User).where(User.email == "dubbel@example.org"))
    assert count(Membership, Membership.user_id == user.id, Membership.theme_id == theme.id) == 1
    # "Check your mail", or the form again naming the address: as for one more submit.
    assert all(a.status_code in (200, 422) for a in answers)
    assert all("dubbel@example.org" in a.get_data(as_text=True) for a in answers)
    links = [m for m in mailbox.wait_for("dubbel@example.org") if "/confirm/" in m.text]
    assert len(links) == 1


def test_appointing_an_owner_with_a_double_click_makes_one_owner(app):
    boss = UserFactory(is_platform_owner=True)
    theme = ThemeFactory(slug="nog-zonder-eigenaar")
    chosen = UserFactory(email="baas@example.org")
    clients = one_browser(app, email=boss.email)
    answers = at_once(clients, "/platform/themes/nog-zonder-eigenaar/owner",
                      {"email": "baas@example.org"})
    assert redirects(answers) == ["/platform/themes"] * N
    assert count(Membership, Membership.theme_id == theme.id) == 1
    assert count(Membership, Membership.theme_id == theme.id, Membership.user_id == chosen.id,
                 Membership.role == Role.OWNER) == 1


def test_transferring_ownership_with_a_double_click_leaves_one_owner(app):
    theme = ThemeFactory(slug="overdracht")
    owner = member(theme, role=Role.OWNER)
    heir = member(theme)
    heir_membership = db.session.scalar(select(Membership.id).where(Membership.user_id == heir.id))
    clients = one_browser(app, email=owner.email)
    answers = at_once(clients, "/t/overdracht/transfer", {"member": str(heir_membership)})
    assert all(a.status_code in (302, 403) for a in answers)  # the later ones: no longer owner
    owners = db.session.scalars(select(Membership.user_id).where(
        Membership.theme_id == theme.id, Membership.role == Role.OWNER)).all()
    assert owners == [heir.id]


def test_sending_a_digest_with_a_double_click_sends_it_once(app, mailbox):
    theme = ThemeFactory(slug="nieuwsbrief", workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    readers = [member(theme) for _ in range(3)]
    post = ItemFactory(theme=theme, title="Nieuw deze week")
    clients = one_browser(app, email=admin.email)
    answers = at_once(clients, "/t/nieuwsbrief/digest", {
        "intro": "Hallo", "post": str(post.id), "digest_frequency": "weekly", "action": "send"})
    assert redirects(answers) == ["/t/nieuwsbrief/digest"] * N
    assert count(DigestRun, DigestRun.theme_id == theme.id) == 1
    assert count(DigestDelivery) == len(readers) + 1
    for person in readers + [admin]:
        assert len(mailbox.wait_for(person.email)) == 1


# ------------------------------------------------------------------ the same key twice in one form

def test_a_post_naming_the_same_filter_value_twice_is_tagged_once(app):
    theme = ThemeFactory(slug="dubbel-filter")
    writer = member(theme, role=Role.ADMIN)
    value = FilterValueFactory(group=FilterGroupFactory(theme_id=theme.id))
    client = Client(app)
    client.login(writer.email)
    resp = client.post("/t/dubbel-filter/posts/new", {
        "title": "Twee keer hetzelfde", "body": "Tekst", "filters": [str(value.id), str(value.id)]})
    assert resp.status_code == 302
    item_id = db.session.scalar(select(Item.id).where(Item.title == "Twee keer hetzelfde"))
    assert count(item_filter_value, item_filter_value.c.item_id == item_id) == 1


def test_a_refused_registration_leaves_no_account_behind(app):
    """The account is inserted before the membership is checked; the refusal undoes both."""
    theme = ThemeFactory(slug="met-organisaties")
    elsewhere = OrganisationFactory(theme=ThemeFactory())
    client = Client(app)
    resp = client.post("/register/met-organisaties", {
        "email": "half@example.org", "username": "Half", "password": "een-lange-zin-als-wachtwoord",
        "password_confirm": "een-lange-zin-als-wachtwoord", "organisation": str(elsewhere.id)})
    assert resp.status_code == 422
    assert "Choose an organisation from this theme's list." in page_text(resp)
    assert count(User, User.email == "half@example.org") == 0
    assert count(Membership, Membership.theme_id == theme.id) == 0


def test_only_a_unique_key_counts_as_stored_already(app):
    """Any other broken rule is a bug to see, not a double click to answer politely."""
    from sqlalchemy.exc import IntegrityError

    from app.transactions import insert_once

    ThemeFactory(slug="bestaat")
    assert insert_once(Theme(name="Tweede", slug="bestaat", workgroup_type=WorkgroupType.CLOSED)) \
        is False
    with pytest.raises(IntegrityError):
        insert_once(Theme(name=None, slug="zonder-naam", workgroup_type=WorkgroupType.CLOSED))
    db.session.rollback()
    assert count(Theme) == 1


def test_confirming_with_a_double_click_tells_the_admins_once(app, mailbox):
    theme = ThemeFactory(slug="dicht", workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    Client(app).post("/register/dicht", {
        "email": "nieuw@example.org", "username": "Nieuw", "password": "een-lange-zin-als-wachtwoord",
        "password_confirm": "een-lange-zin-als-wachtwoord"})
    link = mailbox.wait_for("nieuw@example.org")[0].link("/confirm/").split("localhost", 1)[1]
    clients = one_browser(app)
    answers = at_once(clients, link, method="get")
    # The click that confirms logs in; the link is spent for the others (they log in).
    assert sorted(a.headers.get("Location") for a in answers) == (
        ["/login?theme=dicht"] * (N - 1) + ["/t/dicht"])
    mails = mailbox.wait_for(admin.email)
    assert len(mails) == 1 and "Nieuw asks to join" in mails[0].text
