"""The wiki (P5): pages in a tree per theme, edited by those with write access, with their full
revision history, differences, restore, and no lost work when two people save at once."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.features.models import ThemeFeature
from app.items.models import Item, ItemState, Part, WriteAccess
from app.themes.models import Role, WorkgroupType
from app.wiki.models import WikiPage, WikiRevision
from tests.factories import ThemeFactory, UserFactory, member, wiki_page
from tests.helpers import PAGE_QUERY_BUDGET, Client, counted_queries, form_fields, page_text


def _login(app, user) -> Client:
    c = Client(app)
    c.login(user.email)
    return c


def _form(client, url) -> dict:
    """The fields of the page form as the browser would send them back (without the token)."""
    return form_fields(client.get(url))


def _closed_theme():
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    return theme, member(theme, role=Role.OWNER), member(theme)


def test_a_member_writes_a_page_and_a_subpage_shown_in_the_tree_with_breadcrumbs(app):
    theme, owner, writer = _closed_theme()
    c = _login(app, writer)
    resp = c.post(f"/t/{theme.slug}/wiki/new", {"title": "Afspraken", "body": "# Kop\n\nTekst",
                                                 "write_access": "members"})
    assert resp.status_code == 302
    top = db.session.scalar(select(Item).where(Item.title == "Afspraken"))
    assert top.state == ItemState.PUBLISHED and top.write_access == WriteAccess.MEMBERS
    resp = c.post(f"/t/{theme.slug}/wiki/new", {"title": "Vergaderingen", "body": "Elke dinsdag",
                                                 "parent": str(top.id)})
    sub = db.session.scalar(select(Item).where(Item.title == "Vergaderingen"))
    assert resp.headers["Location"].endswith(f"/wiki/{sub.id}")
    html = c.get(f"/t/{theme.slug}/wiki").get_data(as_text=True)
    assert re.search(r"Afspraken</a>.*?<ul class=\"wiki-tree\">\s*<li><a href=\"/wiki/%d\">"
                     r"Vergaderingen" % sub.id, html, re.S)
    crumbs = re.search(r'class="breadcrumbs wiki-crumbs">(.*?)</nav>',
                       c.get(f"/wiki/{sub.id}").get_data(as_text=True), re.S).group(1)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["Wiki", "Afspraken", "Vergaderingen"]
    assert "Subpages Vergaderingen" in page_text(c.get(f"/wiki/{top.id}"))


def test_who_sees_a_page_of_a_closed_theme(app):
    theme, owner, reader = _closed_theme()
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Intern beleid")
    outsider = UserFactory()
    admin = UserFactory(is_platform_owner=True)
    assert Client(app).get(f"/wiki/{page.id}").status_code == 404
    assert _login(app, outsider).get(f"/wiki/{page.id}").status_code == 404
    assert "Intern beleid" not in page_text(_login(app, outsider).get(f"/t/{theme.slug}/wiki"))
    assert "Intern beleid" in page_text(_login(app, reader).get(f"/wiki/{page.id}"))
    assert "Intern beleid" in page_text(_login(app, admin).get(f"/t/{theme.slug}/wiki"))


def test_a_page_for_chosen_readers_is_hidden_from_other_members(app):
    theme, owner, reader = _closed_theme()
    other = member(theme)
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, readers=[reader],
                     title="Alleen voor Lotte")
    assert _login(app, reader).get(f"/wiki/{page.id}").status_code == 200
    assert _login(app, other).get(f"/wiki/{page.id}").status_code == 404
    assert "Alleen voor Lotte" not in page_text(_login(app, other).get(f"/t/{theme.slug}/wiki"))
    assert _login(app, other).get(f"/wiki/{page.id}/history").status_code == 404


def test_a_member_without_write_access_cannot_change_the_page(app):
    theme, owner, reader = _closed_theme()
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Van de eigenaar",
                     body="Origineel")
    c = _login(app, reader)
    assert "Edit" not in page_text(c.get(f"/wiki/{page.id}"))
    assert c.get(f"/wiki/{page.id}/edit").status_code == 403
    resp = c.post(f"/wiki/{page.id}/edit", {"title": "Gekaapt", "body": "Weg ermee",
                                            "base_revision": "1"})
    assert resp.status_code == 403
    assert c.post(f"/wiki/{page.id}/revisions/1/restore").status_code == 403
    assert c.post(f"/wiki/{page.id}/delete").status_code == 403
    db.session.expire_all()
    assert (page.title, page.body, page.state) == ("Van de eigenaar", "Origineel",
                                                   ItemState.PUBLISHED)
    assert db.session.scalar(select(WikiPage.revision).where(WikiPage.item_id == page.id)) == 1


def test_members_and_chosen_writers_may_edit_when_the_author_says_so(app):
    theme, owner, reader = _closed_theme()
    writer = member(theme)
    c = _login(app, owner)
    c.post(f"/t/{theme.slug}/wiki/new", {"title": "Samen", "body": "Start",
                                         "write_access": "chosen", "writers": str(writer.id)})
    page = db.session.scalar(select(Item).where(Item.title == "Samen"))
    assert _login(app, reader).get(f"/wiki/{page.id}/edit").status_code == 403
    w = _login(app, writer)
    resp = w.post(f"/wiki/{page.id}/edit", _form(w, f"/wiki/{page.id}/edit") | {"body": "Door W"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert page.body == "Door W"


def test_history_diff_and_restore(app):
    theme, owner, reader = _closed_theme()
    c = _login(app, owner)
    c.post(f"/t/{theme.slug}/wiki/new", {"title": "Procedure", "body": "stap een\nstap twee"})
    page = db.session.scalar(select(Item).where(Item.title == "Procedure"))
    c.post(f"/wiki/{page.id}/edit", _form(c, f"/wiki/{page.id}/edit")
           | {"body": "stap een\nstap <b>drie</b>"})
    c.post(f"/wiki/{page.id}/edit", _form(c, f"/wiki/{page.id}/edit") | {"body": "alles anders"})
    history = page_text(c.get(f"/wiki/{page.id}/history"))
    assert re.search(r"3 .*%s.* 2 .* 1 " % re.escape(owner.username), history)
    html = c.get(f"/wiki/{page.id}/diff?from=1&to=2").get_data(as_text=True)
    assert "<del><span class=\"visually-hidden\">removed: </span>stap twee</del>" in html
    assert "<ins><span class=\"visually-hidden\">added: </span>stap &lt;b&gt;drie&lt;/b&gt;</ins>" in html
    assert c.get(f"/wiki/{page.id}/diff?from=1&to=9").status_code == 404
    assert "stap twee" in page_text(c.get(f"/wiki/{page.id}/revisions/1"))
    resp = c.post(f"/wiki/{page.id}/revisions/1/restore")
    assert resp.status_code == 302
    db.session.expire_all()
    assert page.body == "stap een\nstap twee"
    numbers = db.session.scalars(select(WikiRevision.number).where(
        WikiRevision.item_id == page.id).order_by(WikiRevision.number)).all()
    assert numbers == [1, 2, 3, 4]
    assert "restores 1" in page_text(c.get(f"/wiki/{page.id}/history"))


def test_two_people_saving_at_once_the_second_is_told_and_keeps_their_text(app):
    theme, owner, reader = _closed_theme()
    colleague = member(theme)
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Rooster",
                     body="maandag: Anna\ndinsdag: Bert", write_access=WriteAccess.MEMBERS)
    first, second = _login(app, owner), _login(app, colleague)
    form_first = _form(first, f"/wiki/{page.id}/edit")
    form_second = _form(second, f"/wiki/{page.id}/edit")
    assert form_first["base_revision"] == form_second["base_revision"] == "1"
    assert first.post(f"/wiki/{page.id}/edit", form_first | {
        "body": "maandag: Anna\ndinsdag: Carla"}).status_code == 302
    mine = "maandag: Anna\ndinsdag: Bert\nwoensdag: Dirk"
    resp = second.post(f"/wiki/{page.id}/edit", form_second | {"body": mine})
    assert resp.status_code == 409
    text = page_text(resp)
    assert f"{owner.username} changed this page while you were editing it" in text
    html = resp.get_data(as_text=True)
    assert "Carla" in html and "woensdag: Dirk</textarea>" in html  # theirs shown, mine kept
    db.session.expire_all()
    assert page.body == "maandag: Anna\ndinsdag: Carla"  # the second save was not written
    # Saving again, from the form as it came back, is a deliberate choice: it is written.
    again = dict(re.findall(r'<input[^>]*name="(base_revision)"[^>]*value="(\d+)"', html))
    assert again == {"base_revision": "2"}
    assert second.post(f"/wiki/{page.id}/edit", form_second | again | {
        "body": mine}).status_code == 302
    db.session.expire_all()
    assert page.body == mine


def test_moving_a_page_under_its_own_subpage_is_refused(app):
    theme, owner, reader = _closed_theme()
    top = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Boven")
    middle = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Midden", parent=top)
    below = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Onder", parent=middle)
    c = _login(app, owner)
    form = _form(c, f"/wiki/{top.id}/edit")
    resp = c.post(f"/wiki/{top.id}/edit", form | {"parent": str(below.id), "body": "Nieuw"})
    assert resp.status_code == 422
    assert "cannot go under itself or under one of its own subpages" in page_text(resp)
    assert "Nieuw</textarea>" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WikiPage, top.id).parent_id is None


def test_bad_input_comes_back_with_the_problem_and_what_was_typed(app):
    theme, owner, reader = _closed_theme()
    c = _login(app, reader)
    resp = c.post(f"/t/{theme.slug}/wiki/new", {"title": "", "body": "Mijn lange tekst"})
    assert resp.status_code == 422
    assert "Mijn lange tekst</textarea>" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Item).where(Item.kind == "wiki_page")) is None


def test_in_a_half_open_theme_a_members_page_waits_for_approval(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin, writer = member(theme, role=Role.ADMIN), member(theme)
    c = _login(app, writer)
    c.post(f"/t/{theme.slug}/wiki/new", {"title": "Openbaar idee", "body": "Tekst"})
    page = db.session.scalar(select(Item).where(Item.title == "Openbaar idee"))
    assert page.state == ItemState.PENDING
    assert Client(app).get(f"/wiki/{page.id}").status_code == 404
    assert "Openbaar idee" in page_text(_login(app, admin).get(f"/t/{theme.slug}/moderation"))


def test_wiki_switched_off_shows_nothing(app):
    theme, owner, reader = _closed_theme()
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED)
    db.session.add(ThemeFeature(theme_id=theme.id, kind="wiki", enabled=False))
    db.session.commit()
    c = _login(app, reader)
    assert c.get(f"/t/{theme.slug}/wiki").status_code == 404
    assert c.get(f"/wiki/{page.id}").status_code == 404


def test_comments_stars_and_the_overview_reuse_the_item_machinery(app):
    theme, owner, reader = _closed_theme()
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Handboek")
    c = _login(app, reader)
    resp = c.post(f"/items/{page.id}/comments", {"body": "Mooi overzicht"})
    assert resp.status_code == 302 and f"/wiki/{page.id}#reply-" in resp.headers["Location"]
    assert "Mooi overzicht" in page_text(c.get(resp.headers["Location"]))
    assert c.post(f"/items/{page.id}/comments", {"body": ""}).status_code == 422
    c.post(f"/posts/{page.id}/star", {"star": "1", "next": f"/wiki/{page.id}"})
    db.session.expire_all()
    assert page.star_count == 1
    assert "Handboek" in page_text(c.get(f"/t/{theme.slug}/overview"))
    assert c.get(f"/posts/{page.id}/report").status_code == 200


def test_the_tree_costs_the_same_few_queries_whatever_its_size(app):
    theme, owner, reader = _closed_theme()
    parent = None
    for i in range(3):
        parent = wiki_page(theme=theme, author=owner, part=Part.CLOSED, parent=parent)
    c = _login(app, reader)
    with counted_queries() as few:
        assert c.get(f"/t/{theme.slug}/wiki").status_code == 200
    for i in range(20):
        parent = wiki_page(theme=theme, author=UserFactory(), part=Part.CLOSED,
                           parent=parent if i % 2 else None)
    with counted_queries() as many:
        assert c.get(f"/t/{theme.slug}/wiki").status_code == 200
    assert len(many) == len(few) <= PAGE_QUERY_BUDGET


def test_a_page_costs_the_same_few_queries_whatever_its_history(app):
    theme, owner, reader = _closed_theme()
    parent = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Bovenliggend")
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, parent=parent, title="Werkwijze")
    c = _login(app, reader)
    with counted_queries() as few:
        assert "Werkwijze" in page_text(c.get(f"/wiki/{page.id}"))
    editor = _login(app, owner)
    for i in range(12):
        resp = editor.get(f"/wiki/{page.id}/edit")
        fields = form_fields(resp)
        fields.update(body=f"Versie {i}")
        assert editor.post(f"/wiki/{page.id}/edit", fields).status_code in (302, 303)
        wiki_page(theme=theme, author=owner, part=Part.CLOSED, parent=page, title=f"Onder {i}")
    with counted_queries() as many:
        assert "Versie 11" in page_text(c.get(f"/wiki/{page.id}"))
    assert len(many) == len(few) <= PAGE_QUERY_BUDGET, "\n".join(s[:90] for s in many)


def test_search_finds_a_page_for_its_readers_only(app):
    theme, owner, reader = _closed_theme()
    c = _login(app, owner)
    c.post(f"/t/{theme.slug}/wiki/new", {"title": "Sleutelbeheer", "body": "De kluiscode staat "
                                                                          "bij de receptie"})
    page = db.session.scalar(select(Item).where(Item.title == "Sleutelbeheer"))
    html = _login(app, reader).get("/search?q=kluiscode").get_data(as_text=True)
    assert f'href="/wiki/{page.id}"' in html
    assert "Sleutelbeheer" not in page_text(_login(app, UserFactory()).get("/search?q=kluiscode"))
    assert "Sleutelbeheer" not in page_text(Client(app).get("/search?q=kluiscode"))



def test_the_wiki_in_dutch(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER, locale="nl")
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Werkafspraken")
    c = Client(app, lang="nl")
    c.login(owner.email)
    assert "Nieuwe pagina" in page_text(c.get(f"/t/{theme.slug}/wiki"))
    text = page_text(c.get(f"/wiki/{page.id}"))
    assert "Versie 1" in text and "Geschiedenis" in text and "Nieuwe subpagina" in text
    assert "Versies, nieuwste eerst" in page_text(c.get(f"/wiki/{page.id}/history"))
    assert "Wie mag het wijzigen?" in page_text(c.get(f"/wiki/{page.id}/edit"))
