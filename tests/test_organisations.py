"""Organisation fiches: admins add, edit and remove them (removing asks first and leaves
members and posts in place); visitors are shown how to get in touch; the demo organisations
can be contacted."""
from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy import select

from app.extensions import db
from app.organisations.models import Organisation
from app.items.models import Item
from app.themes.models import Membership, Role, WorkgroupType
from tests.factories import (MembershipFactory, OrganisationFactory, ItemFactory, ThemeFactory,
                             UserFactory, member)
from tests.helpers import Client, page_text


def admin_client(app, theme):
    client = Client(app)
    client.login(member(theme, role=Role.ADMIN).email)
    return client


def test_an_admin_edits_a_fiche_and_the_board_shows_the_new_name(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    org = OrganisationFactory(theme=theme, name="Dienst Oud")
    OrganisationFactory(theme=theme, name="Dienst Bezet")
    post = ItemFactory(theme=theme, organisation_id=org.id, title="Namens de dienst")
    client = admin_client(app, theme)
    listing = client.get(f"/t/{theme.slug}/organisations").get_data(as_text=True)
    assert f"/t/{theme.slug}/organisations/{org.id}/edit" in listing

    form = client.get(f"/t/{theme.slug}/organisations/{org.id}/edit")
    assert form.status_code == 200 and 'value="Dienst Oud"' in form.get_data(as_text=True)
    taken = client.post(f"/t/{theme.slug}/organisations/{org.id}/edit",
                        {"name": "Dienst Bezet", "description": "Nieuw werk"})
    assert taken.status_code == 422 and "Dienst Bezet is already on the list." in page_text(taken)
    assert "Nieuw werk" in taken.get_data(as_text=True)  # what was typed is kept
    resp = client.post(f"/t/{theme.slug}/organisations/{org.id}/edit",
                       {"name": "Dienst Nieuw", "description": "Nieuw werk",
                        "vision": "Samen", "contact_email": "nieuw@example.org"})
    assert resp.status_code == 302
    db.session.refresh(org)
    assert (org.name, org.description, org.vision, org.contact_email) == (
        "Dienst Nieuw", "Nieuw werk", "Samen", "nieuw@example.org")
    assert "Dienst Nieuw" in page_text(Client(app).get(f"/posts/{post.id}"))


def test_removing_asks_first_then_detaches_members_and_posts(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    org = OrganisationFactory(theme=theme, name="Stichting Weg")
    org_id = org.id
    someone = UserFactory()
    MembershipFactory(user=someone, theme=theme, organisation_id=org.id)
    post = ItemFactory(theme=theme, author=someone, organisation_id=org.id, title="Blijft")
    client = admin_client(app, theme)
    ask = client.get(f"/t/{theme.slug}/organisations/{org.id}/remove")
    text = page_text(ask)
    assert ask.status_code == 200 and "Remove Stichting Weg from the list?" in text
    assert "1 member belongs to it" in text and "1 post is written in its name" in text
    assert db.session.get(Organisation, org.id) is not None  # asking removes nothing

    resp = client.post(f"/t/{theme.slug}/organisations/{org_id}/remove")
    assert resp.status_code == 302
    assert "Stichting Weg is removed" in page_text(client.get(resp.headers["Location"]))
    assert db.session.get(Organisation, org_id) is None
    membership = db.session.scalar(select(Membership).where(Membership.user_id == someone.id))
    assert membership is not None and membership.organisation_id is None
    kept = db.session.get(Item, post.id)
    assert kept is not None and kept.organisation_id is None
    page = Client(app).get(f"/posts/{post.id}")
    assert page.status_code == 200 and "Stichting Weg" not in page_text(page)


def test_only_the_themes_admins_edit_or_remove_its_organisations(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    other = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    org = OrganisationFactory(theme=theme)
    plain = Client(app)
    plain.login(member(theme).email)
    assert plain.get(f"/t/{theme.slug}/organisations/{org.id}/edit").status_code == 403
    assert plain.post(f"/t/{theme.slug}/organisations/{org.id}/remove").status_code == 403
    assert f"/organisations/{org.id}/edit" not in plain.get(
        f"/t/{theme.slug}/organisations").get_data(as_text=True)
    outsider = admin_client(app, other)
    assert outsider.get(f"/t/{other.slug}/organisations/{org.id}/edit").status_code == 404
    assert outsider.post(f"/t/{theme.slug}/organisations/{org.id}/remove").status_code == 403
    visitor = Client(app)
    assert visitor.post(f"/t/{theme.slug}/organisations/{org.id}/remove").status_code == 302
    assert db.session.get(Organisation, org.id) is not None


def test_visitors_are_shown_how_to_contact_and_come_back_to_the_form(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    org = OrganisationFactory(theme=theme, name="Buurthuis", contact_email="brug@example.org")
    user = member(theme)
    visitor = Client(app)
    listing = visitor.get(f"/t/{theme.slug}/organisations")
    assert "Log in to write to Buurthuis" in page_text(listing)
    contact_path = f"/t/{theme.slug}/organisations/{org.id}/contact"
    html = unquote(listing.get_data(as_text=True))
    assert f"/login?next={contact_path}" in html
    board = visitor.get(f"/t/{theme.slug}")
    assert "Log in to contact the admins" in page_text(board)
    assert f"/login?next=/t/{theme.slug}/contact" in unquote(board.get_data(as_text=True))
    # Logging in through that link comes back to the form.
    from tests.factories import PASSWORD
    resp = visitor.post(f"/login?next={contact_path}", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(contact_path)
    assert "Write to Buurthuis" in page_text(visitor.get(contact_path))


def test_every_demo_organisation_can_be_contacted(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    orgs = list(db.session.scalars(select(Organisation)))
    assert orgs and all(o.contact_email for o in orgs)
    listing = page_text(client.get(f"/t/{orgs[0].theme.slug}/organisations"))
    assert f"Log in to write to {orgs[0].name}" in listing
