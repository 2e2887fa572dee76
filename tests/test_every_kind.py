"""What works across kinds works for every kind: the bookmark button on each kind's page with
the kind named under Saved, and search hits that name their kind and lead to their own page."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item
from app.themes.models import WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, event_item, member, task, wiki_page
from tests.helpers import Client, page_text

LABELS = {ItemKind.DISCUSSION: "Discussion", ItemKind.FOLDER: "Folder", ItemKind.FILE: "File",
          ItemKind.QUESTION: "Question", ItemKind.BLOG: "Blog",
          ItemKind.STATUS_UPDATE: "Status update", ItemKind.EVENT: "Agenda",
          ItemKind.WIKI_PAGE: "Wiki", ItemKind.TASK: "Task"}


def one_of(kind: ItemKind, theme, **kw) -> Item:
    """A published item of this kind in the theme, stored as its services store it."""
    if kind in (ItemKind.FOLDER, ItemKind.FILE):
        from tests.test_route_sweep import _file_items

        title = kw.pop("title")
        ids = _file_items(theme, **kw)
        item = db.session.get(Item, ids[kind.value]["item_id"])
        item.title = title
        db.session.flush()
        return item
    if kind == ItemKind.EVENT:
        return event_item(theme=theme, **kw)
    if kind == ItemKind.WIKI_PAGE:
        return wiki_page(theme=theme, **kw)
    if kind == ItemKind.TASK:
        return task(theme=theme, **kw)
    return ItemFactory(theme=theme, kind=kind, **kw)


def _login(app, user):
    c = Client(app)
    c.login(user.email)
    return c


@pytest.mark.parametrize("kind", list(ItemKind))
def test_every_kind_can_be_saved_from_its_page_and_is_listed_with_its_kind(app, kind):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    reader = member(theme)
    item = one_of(kind, theme, title="Bewaarwaardig stuk")
    db.session.commit()
    with app.test_request_context():
        url = item_url_of(item)
    c = _login(app, reader)
    page = c.get(url)
    assert page.status_code == 200
    assert f'action="/items/{item.id}/bookmark"' in page.get_data(as_text=True)
    assert ">Save for later<" in page.get_data(as_text=True)
    resp = c.post(f"/items/{item.id}/bookmark", {"saved": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    saved = c.get("/saved").get_data(as_text=True)
    assert f'<a href="{url}">Bewaarwaardig stuk</a>' in saved
    assert re.search(rf'<span class="item-kind">{LABELS[kind]}</span>', saved)


def item_url_of(item):
    from app.items.kinds import item_url

    return item_url(item)


@pytest.mark.parametrize("kind", list(ItemKind))
def test_a_search_hit_of_every_kind_names_its_kind_and_leads_to_its_page(app, kind):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    reader = member(theme)
    item = one_of(kind, theme, title="Zonnepanelen op het gemeentehuis")
    db.session.commit()
    with app.test_request_context():
        url = item_url_of(item)
    c = _login(app, reader)
    html = c.get("/search", query_string={"q": "zonnepanelen"}).get_data(as_text=True)
    hit = re.search(rf'<li class="post-item">\s*<h3><a href="{re.escape(url)}">'
                    r'Zonnepanelen op het gemeentehuis</a></h3>\s*<p class="meta">(.*?)</p>',
                    html, re.S)
    assert hit, page_text(c.get("/search", query_string={"q": "zonnepanelen"}))
    assert f'<span class="item-kind">{LABELS[kind]}</span>' in hit.group(1)
    assert c.get(url).status_code == 200


def test_the_digest_names_each_kind_links_its_page_and_keeps_to_what_each_member_may_read(
        app, mailbox):
    from datetime import timedelta

    from app.digest import services as digest
    from app.items.models import Part
    from app.timeutil import utcnow
    from tests.factories import UserFactory

    theme = ThemeFactory(name="Zorgregio", workgroup_type=WorkgroupType.MIXED)
    insider, plain = member(theme, username="Insider"), member(theme)
    outsider = UserFactory()
    _key, start, _end = digest.period_of("weekly", utcnow() - timedelta(days=7))
    at = start + timedelta(days=2)
    event = event_item(theme=theme, title="Regiodag", created_at=at, star_count=3)
    page = wiki_page(theme=theme, title="Werkwijze", part=Part.CLOSED, created_at=at)
    task(theme=theme, title="Alleen Insider", readers=[insider], created_at=at)
    db.session.commit()
    digest.send_due_digests()
    (mail,) = mailbox.wait_for(plain.email)
    with app.test_request_context():
        links = {i.title: item_url_of(i) for i in (event, page)}
    for title, label in (("Regiodag", "Agenda"), ("Werkwijze", "Wiki")):
        assert re.search(rf"^- {title} \({label}, .*\n  https?://\S+{links[title]}\r?$",
                         mail.text, re.M), mail.text
    assert "Alleen Insider" not in mail.text
    assert "- Alleen Insider (Task, " in mailbox.wait_for(insider.email)[0].text
    assert mailbox.to(outsider.email) == []


def test_the_overview_mail_names_each_kind_and_leaves_out_closed_themes_one_is_not_in(
        app, mailbox):
    from datetime import timedelta

    from app.items.models import Part
    from app.digest import services as digest
    from app.timeutil import utcnow

    mine = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    reader = member(mine)
    reader.overview_frequency = "daily"
    member(closed)
    earlier = utcnow() - timedelta(hours=3)
    wiki_page(theme=mine, title="Onze afspraken", part=Part.CLOSED, created_at=earlier)
    event_item(theme=closed, title="Geheim overleg", part=Part.CLOSED, created_at=earlier)
    db.session.commit()
    digest.send_overviews()
    (mail,) = mailbox.wait_for(reader.email)
    assert f"- Onze afspraken (Wiki, {mine.name})" in mail.text
    assert "Geheim overleg" not in mail.text


def test_the_own_data_export_holds_what_one_wrote_of_every_kind_and_nothing_of_others(app):
    import io
    import json
    import zipfile

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    writer, other = member(theme), member(theme)
    for kind in ItemKind:
        one_of(kind, theme, title=f"Mijn {kind.value}", author=writer)
        one_of(kind, theme, title=f"Andermans {kind.value}", author=other)
    db.session.commit()
    resp = _login(app, writer).get("/account/data/export")
    items = json.loads(zipfile.ZipFile(io.BytesIO(resp.data)).read("items.json"))
    mine = {(i["kind"], i["title"]) for i in items}
    assert {(k.value, f"Mijn {k.value}") for k in ItemKind} <= mine
    assert not [t for _k, t in mine if t.startswith("Andermans")]


COMMENTED_KINDS = [k for k in ItemKind if k not in (ItemKind.FOLDER, ItemKind.FILE)]


@pytest.mark.parametrize("kind", COMMENTED_KINDS)
def test_a_reaction_on_ones_item_of_every_kind_reaches_the_notification_list_and_mail(
        app, mailbox, kind):
    from app.posts import services as post_services

    from app.items.models import Part

    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner, replier = member(theme), member(theme, username="Reageerder")
    item = one_of(kind, theme, title="Mijn stuk", author=owner, part=Part.CLOSED)
    db.session.commit()
    reply = post_services.add_comment(replier, item, "Goed plan.")
    db.session.commit()
    with app.test_request_context():
        url = item_url_of(item)
    (mail,) = mailbox.wait_for(owner.email)
    assert "Mijn stuk" in mail.subject and "Goed plan." in mail.text
    c = _login(app, owner)
    followed = c.get(mail.link(f"/replies/{reply.id}").replace("http://127.0.0.1:5000", ""))
    assert followed.status_code == 302
    assert followed.headers["Location"].split("#")[0].split("?")[0] == url
    inbox = c.get("/notifications").get_data(as_text=True)
    assert f'href="{url}"' in inbox and "Reageerder" in inbox


def _questions_page(c, theme, n_authors):
    from app.people.models import Profile, Visibility

    for i in range(n_authors):
        author = member(theme, username=f"schrijver{n_authors}{i}")
        db.session.add(Profile(user_id=author.id, name=f"Anna de Vries {n_authors}-{i}",
                               name_visibility=Visibility.THEMES))
        one_of(ItemKind.QUESTION, theme, title=f"Vraag {i}", author=author)
    db.session.commit()
    from tests.helpers import counted_queries

    with counted_queries() as statements:
        html = c.get(f"/t/{theme.slug}/questions").get_data(as_text=True)
    return html, len(statements)


def test_bylines_in_lists_show_the_person_as_the_viewer_may_see_them_in_bounded_queries(app):
    small, large = ThemeFactory(), ThemeFactory()
    reader = member(small)
    from tests.factories import MembershipFactory

    MembershipFactory(user=reader, theme=large)
    c = _login(app, reader)
    html, few = _questions_page(c, small, 2)
    assert "Anna de Vries 2-0" in html and 'class="person"' in html
    _html, many = _questions_page(c, large, 8)
    assert many <= few
    outsider = _login(app, member(ThemeFactory()))
    assert "Anna de Vries" not in outsider.get(f"/t/{small.slug}/questions").get_data(as_text=True)
