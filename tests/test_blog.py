"""The blog: articles with an intro on the list, an optional cover image (checked, cleaned of
its metadata, reduced, served through the policy), comments, and who sees what."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Attachment, Item, ItemState, Part
from app.moderation import services as moderation
from app.themes.models import Role, WorkgroupType
from tests import images
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text


def write(client, theme, cover=None, **fields):
    data = {"title": "Terugblik op de regiodag", "intro": "Wat we leerden op de regiodag.",
            "body": "Een lang verslag met **veel** details.", **fields}
    if cover is not None:
        data["cover"] = (io.BytesIO(cover[1]), cover[0])
    return client.post(f"/t/{theme.slug}/blog/new", data, content_type="multipart/form-data")


def latest():
    return db.session.scalar(select(Item).order_by(Item.id.desc()))


def article(theme, intro="Een korte inleiding.", **kw):
    from app.toolkit.models import BlogArticle
    kw.setdefault("part", Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED
                  else Part.PUBLIC)
    item = ItemFactory(theme=theme, kind=ItemKind.BLOG, **kw)
    db.session.add(BlogArticle(item_id=item.id, intro=intro))
    db.session.commit()
    return item


def cover_src(html: str) -> str:
    match = re.search(r'<img class="item-image" src="([^"]+)"', html)
    assert match, "no cover image in the page"
    return match.group(1).replace("&amp;", "&")


def test_an_article_with_a_cover_is_listed_with_its_intro(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = write(client, theme, cover=("regiodag.jpg", images.photo_with_exif()))
    assert resp.status_code == 302
    item = latest()
    assert item.kind == ItemKind.BLOG and item.state == ItemState.PUBLISHED
    listing = client.get(f"/t/{theme.slug}/blog")
    text = page_text(listing)
    assert "Terugblik op de regiodag" in text and "Wat we leerden op de regiodag." in text
    assert "Een lang verslag" not in text  # the list shows the intro, the page the text
    page = client.get(f"/blog/{item.id}")
    assert "Een lang verslag met veel details." in page_text(page)

    served = client.get(cover_src(page.get_data(as_text=True)))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = images.read_image(served.data)
    assert image.size == (1600, 800)  # reduced to fit 1600 pixels
    assert not image.getexif() and images.CAMERA.encode() not in served.data
    assert "exif" not in image.info


def test_refused_cover_images_name_the_problem_and_keep_what_was_typed(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    limit = app.config["IMAGE_MAX_BYTES"]
    cases = [("notitie.png", images.TEXT_AS_PNG, "not an image we accept: use PNG, JPEG, GIF or WebP"),
             ("logo.svg", images.SVG, "not an image we accept: use PNG, JPEG, GIF or WebP"),
             ("groot.jpg", images.oversized(limit), "the limit for an image is 5 MB")]
    for name, content, problem in cases:
        resp = write(client, theme, cover=(name, content), title="Mijn getypte titel",
                     intro="Mijn getypte intro")
        assert resp.status_code == 422, name
        html = resp.get_data(as_text=True)
        assert problem in page_text(resp), name
        assert "Mijn getypte titel" in html and "Mijn getypte intro" in html
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_the_intro_is_required_and_limited(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = write(client, theme, intro="")
    assert resp.status_code == 422 and "Terugblik op de regiodag" in resp.get_data(as_text=True)
    resp = write(client, theme, intro="x" * 301)
    assert resp.status_code == 422
    assert "300 characters" in page_text(resp)


def test_who_sees_an_article_and_its_cover(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    writer, insider, outsider = member(theme), member(theme), member(theme)
    admin, stranger = member(theme, role=Role.ADMIN), UserFactory()
    client.login(writer.email)
    write(client, theme, cover=("foto.png", images.png()), title="Ledenartikel")
    open_to_members = latest()
    write(client, theme, title="Afgeschermd artikel", audience=str(insider.id))
    chosen = latest()
    assert chosen.restricted
    src = cover_src(client.get(f"/blog/{open_to_members.id}").get_data(as_text=True))

    def sees(who, url):
        c = Client(app)
        if who is not None:
            c.login(who.email)
        return c.get(url).status_code == 200

    for who, expected in [(None, False), (stranger, False), (outsider, True), (admin, True)]:
        assert sees(who, f"/blog/{open_to_members.id}") is expected
        assert sees(who, src) is expected
    assert sees(insider, f"/blog/{chosen.id}") and sees(admin, f"/blog/{chosen.id}")
    assert not sees(outsider, f"/blog/{chosen.id}") and not sees(None, f"/blog/{chosen.id}")
    c = Client(app)
    c.login(outsider.email)
    listing = page_text(c.get(f"/t/{theme.slug}/blog"))
    assert "Ledenartikel" in listing and "Afgeschermd artikel" not in listing


def test_an_article_in_a_half_open_theme_waits_for_approval(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    writer, admin = member(theme), member(theme, role=Role.ADMIN)
    client.login(writer.email)
    write(client, theme, title="Wachtend artikel")
    item = latest()
    assert item.state == ItemState.PENDING
    assert Client(app).get(f"/blog/{item.id}").status_code == 404
    moderation.approve_post(admin, item.id)
    db.session.commit()
    assert "Wachtend artikel" in page_text(Client(app).get(f"/t/{theme.slug}/blog"))


def test_editing_replaces_or_removes_the_cover(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    writer, other = member(theme), member(theme)
    client.login(writer.email)
    write(client, theme, cover=("eerste.png", images.png()))
    item = latest()
    c = Client(app)
    c.login(other.email)
    assert c.get(f"/blog/{item.id}/edit").status_code == 403
    edit = {"title": "Nieuwe titel", "intro": "Nieuwe intro", "body": "Tekst"}
    resp = client.post(f"/blog/{item.id}/edit",
                       {**edit, "cover": (io.BytesIO(images.png(80, 60)), "tweede.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    page = client.get(f"/blog/{item.id}").get_data(as_text=True)
    assert "tweede.png" in cover_src(page) and "Nieuwe intro" in page
    assert [a.filename for a in db.session.get(Item, item.id).attachments] == ["tweede.png"]
    resp = client.post(f"/blog/{item.id}/edit", {**edit, "remove_cover": "y"})
    assert resp.status_code == 302
    assert 'class="item-image"' not in client.get(f"/blog/{item.id}").get_data(as_text=True)
    assert db.session.get(Item, item.id).attachments == []


def test_articles_take_comments(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    item = article(theme, title="Artikel met reacties")
    client.login(member(theme).email)
    resp = client.post(f"/items/{item.id}/comments", {"body": "Mooi verslag!"})
    assert resp.status_code == 302
    assert "Mooi verslag!" in page_text(client.get(f"/blog/{item.id}"))
    resp = client.post(f"/items/{item.id}/comments", {"body": ""})
    assert resp.status_code == 422


def test_the_list_is_newest_first_paginated_and_costs_few_queries(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    from datetime import timedelta
    from app.timeutil import utcnow
    client.login(member(theme).email)
    article(theme, title="Artikel oud", created_at=utcnow() - timedelta(days=30))
    client.get(f"/t/{theme.slug}/blog")
    with counted_queries() as few:
        client.get(f"/t/{theme.slug}/blog")
    for i in range(25):
        article(theme, title=f"Artikel {i:02d}", created_at=utcnow() - timedelta(days=25 - i))
    with counted_queries() as many:
        resp = client.get(f"/t/{theme.slug}/blog")
    assert len(many) == len(few)
    titles = re.findall(r'<h3><a href="/blog/\d+">([^<]+)</a></h3>', resp.get_data(as_text=True))
    assert titles[:3] == ["Artikel 24", "Artikel 23", "Artikel 22"] and len(titles) == 20
    second = client.get(f"/t/{theme.slug}/blog?page=2")
    assert "Artikel oud" in page_text(second) and "Page 2 of 2" in page_text(second)


def test_the_overview_shows_recent_articles_with_their_intro(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    article(theme, title="Artikel op het overzicht", intro="Inleiding op het overzicht")
    text = page_text(client.get(f"/t/{theme.slug}/overview"))
    assert "Blog" in text and "Artikel op het overzicht" in text
    assert "Inleiding op het overzicht" in text
