"""Bookmarks ("Bewaren"): save and unsave any item from its page, find it again under Saved,
newest first and paginated; what later becomes invisible drops out of the list."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.features.models import ThemeFeature
from app.items.models import ItemState, Part
from app.people.models import Bookmark
from app.themes.models import Membership, WorkgroupType
from app.timeutil import utcnow
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text


def _saved_titles(client, page=1):
    html = client.get("/saved", query_string={"page": page}).get_data(as_text=True)
    return re.findall(r'<h3><a href="/posts/\d+">([^<]+)</a></h3>', html)


def _login(app, user):
    c = Client(app)
    c.login(user.email)
    return c


def test_save_from_the_post_page_and_find_it_under_saved(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    reader = member(theme)
    post = ItemFactory(theme=theme, title="Handig stappenplan")
    c = _login(app, reader)
    page = c.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'action="/items/{post.id}/bookmark"' in page and ">Save for later<" in page
    resp = c.post(f"/items/{post.id}/bookmark", {"saved": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/posts/{post.id}")
    assert "Saved ✓" in c.get(f"/posts/{post.id}").get_data(as_text=True)
    assert _saved_titles(c) == ["Handig stappenplan"]
    assert 'href="/saved"' in c.get("/").get_data(as_text=True)  # in the menu
    c.post(f"/items/{post.id}/bookmark", {"saved": "0"})
    assert _saved_titles(c) == []
    assert "Nothing saved yet" in page_text(c.get("/saved"))


def test_a_double_click_leaves_one_bookmark(app):
    theme = ThemeFactory()
    reader = member(theme)
    post = ItemFactory(theme=theme)
    c = _login(app, reader)
    for _ in range(3):
        assert c.post(f"/items/{post.id}/bookmark", {"saved": "1"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 1
    assert len(_saved_titles(c)) == 1


def test_visitors_see_no_button_and_cannot_save(app):
    post = ItemFactory(theme=ThemeFactory())
    client = Client(app)
    assert "/bookmark" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    resp = client.post(f"/items/{post.id}/bookmark", {"saved": "1"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/saved").status_code == 302


def test_an_item_one_may_not_read_cannot_be_saved(app):
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    post = ItemFactory(theme=closed, part=Part.CLOSED)
    c = _login(app, UserFactory())
    assert c.post(f"/items/{post.id}/bookmark", {"saved": "1"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 0


def test_newest_saved_first_and_paginated(app):
    theme = ThemeFactory()
    reader = member(theme)
    posts = [ItemFactory(theme=theme, title=f"Bewaarde post {i:02d}") for i in range(25)]
    now = utcnow()
    for i, post in enumerate(posts):  # saved in order 0, 1, 2 …
        db.session.add(Bookmark(user_id=reader.id, item_id=post.id,
                                created_at=now - timedelta(minutes=100 - i)))
    db.session.commit()
    c = _login(app, reader)
    first = _saved_titles(c)
    assert len(first) == 20 and first[0] == "Bewaarde post 24" and first[-1] == "Bewaarde post 05"
    assert _saved_titles(c, 2) == [f"Bewaarde post {i:02d}" for i in range(4, -1, -1)]
    assert "Page 1 of 2" in page_text(c.get("/saved"))
    assert c.get("/saved?page=abc").status_code == 200


def test_what_becomes_invisible_disappears_from_saved(app):
    """Leaving a closed theme, a restricted audience, a deletion, a kind switched off: each
    takes the item out of the list (no error page), and nothing else."""
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, name="Geslotenthema")
    open_theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    switched = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    reader = member(closed)
    for t in (open_theme, switched):
        from tests.factories import MembershipFactory
        MembershipFactory(user=reader, theme=t)
    other = member(open_theme)
    in_closed = ItemFactory(theme=closed, part=Part.CLOSED, title="Gesloten verslag")
    restricted = ItemFactory(theme=open_theme, title="Eerst voor iedereen")
    deleted = ItemFactory(theme=open_theme, title="Straks weg")
    off = ItemFactory(theme=switched, title="Soort gaat uit")
    stays = ItemFactory(theme=open_theme, title="Blijft zichtbaar")
    c = _login(app, reader)
    for post in (in_closed, restricted, deleted, off, stays):
        c.post(f"/items/{post.id}/bookmark", {"saved": "1"})
    assert len(_saved_titles(c)) == 5

    db.session.execute(Membership.__table__.delete().where(
        Membership.user_id == reader.id, Membership.theme_id == closed.id))
    restricted.readers = [other]
    from app.items.models import ReadAccess
    restricted.read_access = ReadAccess.CHOSEN
    deleted.state = ItemState.DELETED
    db.session.add(ThemeFeature(theme_id=switched.id, kind="discussions", enabled=False))
    db.session.commit()

    resp = c.get("/saved")
    assert resp.status_code == 200
    assert _saved_titles(c) == ["Blijft zichtbaar"]
    assert "Gesloten verslag" not in page_text(resp) and "Geslotenthema" not in page_text(resp)
    # the rows are kept: seen again once access returns
    db.session.execute(ThemeFeature.__table__.delete())
    db.session.commit()
    assert set(_saved_titles(c)) == {"Blijft zichtbaar", "Soort gaat uit"}


def test_the_saved_list_costs_the_same_for_many_items(app):
    themes = [ThemeFactory() for _ in range(3)]
    reader = member(themes[0])
    c = _login(app, reader)
    for t in themes:
        c.post(f"/items/{ItemFactory(theme=t).id}/bookmark", {"saved": "1"})
    with counted_queries() as few:
        c.get("/saved")
    for i in range(18):
        ItemFactory(theme=themes[i % 3])
        db.session.add(Bookmark(user_id=reader.id, item_id=ItemFactory(theme=themes[i % 3]).id))
    db.session.commit()
    with counted_queries() as many:
        assert len(_saved_titles(c)) == 20
    assert len(many) == len(few), "\n".join(s[:100] for s in many)
