"""Roles (P13): owner, admins and members each do what their role allows and nothing more;
the member list names who owns the theme; deleting a theme (recoverable by the platform
owner, then purged); invitations by e-mail that work once."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.items.models import Item, ItemState
from app.themes.models import Invitation, Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, listed_titles, page_text
from tests.test_route_sweep import _changes, _snapshot


@pytest.fixture
def roles_world(app):
    theme = ThemeFactory(name="Zorgregio Noord", slug="zorgregio-noord",
                         workgroup_type=WorkgroupType.CLOSED)
    people = {"owner": member(theme, role=Role.OWNER, username="Olga Eigenaar"),
              "admin": member(theme, role=Role.ADMIN, username="Adam Beheerder"),
              "member": member(theme, username="Mia Lid")}
    return theme, people


def _client(app, user):
    c = Client(app)
    c.login(user.email)
    return c


def _membership(user, theme):
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                      Membership.theme_id == theme.id))


# ------------------------------------------------------------------ member list

def test_the_member_list_labels_owner_admins_and_members_owner_first(app, roles_world):
    theme, people = roles_world
    page = page_text(_client(app, people["member"]).get(f"/t/{theme.slug}/members"))
    assert "3 members" in page
    assert re.search(r"Olga Eigenaar .*owner.*Adam Beheerder .*admin.*Mia Lid .*member", page)


def test_the_member_list_is_paginated_with_bounded_queries(app, roles_world):
    theme, people = roles_world
    for i in range(12):
        member(theme, username=f"Lid {i:02d}")
    client = _client(app, people["member"])
    app.config["MEMBERS_PER_PAGE"] = 5
    try:
        with counted_queries() as first:
            one = page_text(client.get(f"/t/{theme.slug}/members"))
        three = page_text(client.get(f"/t/{theme.slug}/members?page=3"))
        app.config["MEMBERS_PER_PAGE"] = 50
        with counted_queries() as all_of_them:
            client.get(f"/t/{theme.slug}/members")
    finally:
        app.config["MEMBERS_PER_PAGE"] = 50
    assert "15 members" in one and "Page 1 of 3" in one
    assert "Olga Eigenaar" in one and "Lid 11" not in one
    assert "Lid 11" in three and "Olga Eigenaar" not in three
    assert len(all_of_them) == len(first)  # the number of members does not add queries


# ------------------------------------------------------------------ who may do what

def test_an_admin_may_not_use_the_owners_powers_and_nothing_changes(app, roles_world):
    theme, people = roles_world
    admin = _client(app, people["admin"])
    target = _membership(people["member"], theme)
    before = _snapshot()
    refused = [
        admin.get(f"/t/{theme.slug}/delete"),
        admin.post(f"/t/{theme.slug}/delete", {"confirmation": theme.name}),
        admin.post(f"/t/{theme.slug}/members/{target.id}/role", {"role": "admin"}),
        admin.post(f"/t/{theme.slug}/transfer", {"member": target.id}),
        admin.post(f"/t/{theme.slug}/members/{_membership(people['owner'], theme).id}/remove",
                   {"reason": "weg"}),
    ]
    assert [r.status_code for r in refused[:4]] == [403, 403, 403, 403]
    assert _changes(before) == []
    page = page_text(admin.get(f"/t/{theme.slug}/members"))
    assert "Delete this theme" not in page and "Make admin" not in page
    assert "Invite people by e-mail" in page


def test_a_member_may_not_invite_nor_remove_and_nothing_changes(app, roles_world):
    theme, people = roles_world
    plain = _client(app, people["member"])
    other = member(theme, username="Nina Nieuw")
    before = _snapshot()
    assert plain.get(f"/t/{theme.slug}/invitations").status_code == 403
    assert plain.post(f"/t/{theme.slug}/invitations", {"email": "x@example.org"}).status_code == 403
    assert plain.post(f"/t/{theme.slug}/members/{_membership(other, theme).id}/remove",
                      {"reason": "weg"}).status_code == 403
    assert plain.post(f"/t/{theme.slug}/delete", {"confirmation": theme.name}).status_code == 403
    assert _changes(before) == []
    page = page_text(plain.get(f"/t/{theme.slug}/members"))
    assert "Invite people" not in page and "Remove" not in page


def test_the_owner_appoints_and_removes_admins_and_admins_remove_members(app, roles_world):
    theme, people = roles_world
    owner = _client(app, people["owner"])
    m = _membership(people["member"], theme)
    owner.post(f"/t/{theme.slug}/members/{m.id}/role", {"role": "admin"})
    assert _membership(people["member"], theme).role == Role.ADMIN
    owner.post(f"/t/{theme.slug}/members/{m.id}/role", {"role": "member"})
    assert _membership(people["member"], theme).role == Role.MEMBER
    admin = _client(app, people["admin"])
    resp = admin.post(f"/t/{theme.slug}/members/{m.id}/remove", {"reason": "Vertrokken"})
    assert resp.status_code == 302
    assert _membership(people["member"], theme) is None


# ------------------------------------------------------------------ deleting a theme

def test_deleting_needs_the_exact_name_typed(app, roles_world):
    theme, people = roles_world
    owner = _client(app, people["owner"])
    resp = owner.post(f"/t/{theme.slug}/delete", {"confirmation": "zorgregio"})
    assert resp.status_code == 422
    assert "Type the theme's name exactly" in page_text(resp)
    assert 'value="zorgregio"' in resp.get_data(as_text=True)
    assert db.session.get(Theme, theme.id).deleted_at is None


def _waiting(client) -> int:
    """The moderation badge in the header."""
    m = re.search(r'Moderation <span class="count-badge">(\d+)', client.get("/search").get_data(
        as_text=True))
    return int(m.group(1)) if m else 0


def test_a_deleted_theme_is_gone_everywhere_until_the_platform_owner_restores_it(app):
    top = ThemeFactory(name="Dijken", slug="dijken", workgroup_type=WorkgroupType.HALF_OPEN)
    sub = ThemeFactory(name="Kades", slug="kades", parent=top,
                       workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(top, role=Role.OWNER)
    reader = member(top)
    post = ItemFactory(theme=top, title="Kadeherstel boven")
    subpost = ItemFactory(theme=sub, title="Kadeherstel onder")
    ItemFactory(theme=sub, title="Wacht op vrijgeven", state=ItemState.PENDING)
    owner_client, reader_client, visitor = _client(app, owner), _client(app, reader), Client(app)
    boss = _client(app, UserFactory(is_platform_owner=True))
    assert listed_titles(visitor.get("/search?q=kadeherstel")) == {"Kadeherstel boven",
                                                                   "Kadeherstel onder"}

    assert _waiting(boss) == 1 and _waiting(owner_client) == 1

    resp = owner_client.post("/t/dijken/delete", {"confirmation": "Dijken"})
    assert resp.status_code == 302
    assert _waiting(boss) == 0 and _waiting(owner_client) == 0
    assert owner_client.get("/moderation").status_code == 403  # administers no theme now

    for client in (visitor, reader_client, owner_client, boss):
        assert client.get("/t/dijken").status_code == 404
        assert client.get("/t/kades").status_code == 404
        assert client.get(f"/posts/{post.id}").status_code == 404
        assert client.get(f"/posts/{subpost.id}").status_code == 404
        assert listed_titles(client.get("/search?q=kadeherstel")) == set()
        assert "Dijken" not in page_text(client.get("/"))
    assert "Dijken" not in page_text(boss.get("/platform/themes"))
    deleted_page = page_text(boss.get("/platform/deleted-themes"))
    assert "Dijken" in deleted_page
    assert reader_client.get("/platform/deleted-themes").status_code == 403
    assert reader_client.post(f"/platform/deleted-themes/{top.id}/restore").status_code == 403
    assert db.session.get(Theme, top.id).deleted_at is not None

    boss.post(f"/platform/deleted-themes/{top.id}/restore")
    assert visitor.get("/t/dijken").status_code == 200
    assert visitor.get(f"/posts/{subpost.id}").status_code == 200
    assert listed_titles(visitor.get("/search?q=kadeherstel")) == {"Kadeherstel boven",
                                                                   "Kadeherstel onder"}


def test_the_purge_removes_a_theme_deleted_long_enough_ago_and_nothing_else(app):
    from app.scheduler import purge_unconfirmed

    old = ThemeFactory(name="Oud", deleted_at=utcnow() - timedelta(days=31))
    oldsub = ThemeFactory(name="Oud onder", parent=old)
    recent = ThemeFactory(name="Recent", deleted_at=utcnow() - timedelta(days=29))
    alive = ThemeFactory(name="Levend")
    for t in (old, oldsub, recent, alive):
        ItemFactory(theme=t)
        member(t)
    purge_unconfirmed(app)
    db.session.expire_all()
    assert {t.name for t in db.session.scalars(select(Theme))} == {"Recent", "Levend"}
    assert db.session.scalar(select(func.count(Item.id))) == 2
    assert db.session.scalar(select(func.count(Membership.id))) == 2


# ------------------------------------------------------------------ invitations

def _invite(app, admin, theme, email, mailbox):
    resp = _client(app, admin).post(f"/t/{theme.slug}/invitations", {"email": email})
    assert resp.status_code == 302, page_text(resp)
    (mail,) = mailbox.wait_for(email)
    assert f"invites you to join {theme.name}" in mail.text
    return urlsplit(mail.link("/invite/")).path


def test_an_invitation_joins_once_and_only_once(app, roles_world, mailbox):
    theme, people = roles_world
    guest = UserFactory(username="Gijs Gast")
    link = (_invite(app, people["admin"], theme, guest.email, mailbox))
    guest_client = _client(app, guest)
    assert "Accept and join" in page_text(guest_client.get(link))
    resp = guest_client.post(link)
    assert resp.status_code == 302
    assert _membership(guest, theme).status == MembershipStatus.ACTIVE
    assert guest_client.get(f"/t/{theme.slug}/members").status_code == 200
    # the link is spent: for the guest and for anyone else who finds it
    other = _client(app, UserFactory())
    before = _snapshot()
    resp = other.post(link)
    assert resp.status_code == 404 and "used, revoked or expired" in page_text(resp)
    assert other.get(link).status_code == 404
    assert _changes(before) == []


def test_a_revoked_or_expired_invitation_does_not_work(app, roles_world, mailbox):
    theme, people = roles_world
    admin = _client(app, people["admin"])
    link = (_invite(app, people["admin"], theme, "later@example.org", mailbox))
    invitation = db.session.scalar(select(Invitation))
    assert "later@example.org" in page_text(admin.get(f"/t/{theme.slug}/invitations"))
    admin.post(f"/t/{theme.slug}/invitations/{invitation.id}/revoke")
    stranger = _client(app, UserFactory())
    assert stranger.post(link).status_code == 404
    assert "No invitations are open." in page_text(admin.get(f"/t/{theme.slug}/invitations"))

    link = (_invite(app, people["admin"], theme, "late@example.org", mailbox))
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "late@example.org"))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert stranger.post(link).status_code == 404
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.theme_id == theme.id)) == 3


def test_a_new_address_registers_through_the_invitation_and_joins(app, roles_world, mailbox):
    theme, people = roles_world
    link = (_invite(app, people["admin"], theme, "nieuw@example.org", mailbox))
    visitor = Client(app)
    assert "Create an account and join" in page_text(visitor.get(link))
    resp = visitor.post(link + "/register", {"username": "Nora Nieuw", "password": "kort",
                                             "password_confirm": "kort"})
    assert resp.status_code == 422 and 'value="Nora Nieuw"' in resp.get_data(as_text=True)
    password = "Een-lang-wachtwoord-42"
    resp = visitor.post(link + "/register", {"username": "Nora Nieuw", "password": password,
                                             "password_confirm": password})
    assert resp.status_code == 302
    assert "Mia Lid" in page_text(visitor.get(f"/t/{theme.slug}/members"))
    assert visitor.get(link + "/register").status_code == 404  # spent
    Client(app).login("nieuw@example.org", password)


def test_an_invited_person_with_an_account_finds_it_in_the_notification_list(app, roles_world,
                                                                             mailbox):
    theme, people = roles_world
    guest = UserFactory()
    _invite(app, people["owner"], theme, guest.email, mailbox)
    page = page_text(_client(app, guest).get("/notifications"))
    assert "Olga Eigenaar invites you to Zorgregio Noord" in page
