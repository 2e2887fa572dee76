"""Comments on items of every kind go through one section and one route
(POST /items/<id>/comments): the same listing, form, moderation, mails and refusals, whatever
the kind; only the words differ (a question's comments are answers)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.items import comments
from app.items.kinds import ItemKind
from app.items.models import Comment, Item, ItemState, Part
from app.themes.models import Role, WorkgroupType
from tests.factories import (CommentFactory, ItemFactory, ThemeFactory, UserFactory, event_item,
                             member, task, wiki_page)
from tests.helpers import Client, page_text


def _make(kind: ItemKind, **kw) -> Item:
    """A published item of this kind as its service would have stored it."""
    from app.toolkit.models import BlogArticle, Question, StatusUpdate

    if kind == ItemKind.EVENT:
        return event_item(**kw)
    if kind == ItemKind.WIKI_PAGE:
        return wiki_page(**kw)
    if kind == ItemKind.TASK:
        return task(**kw)
    item = ItemFactory(kind=kind, **kw)
    if kind == ItemKind.QUESTION:
        db.session.add(Question(item_id=item.id))
    elif kind == ItemKind.BLOG:
        db.session.add(BlogArticle(item_id=item.id, intro="Een korte inleiding."))
    elif kind == ItemKind.STATUS_UPDATE:
        db.session.add(StatusUpdate(item_id=item.id))
    db.session.commit()
    return item


# What each kind's page calls its comments: (the form's button, the heading for one).
WORDS = {ItemKind.DISCUSSION: ("Reply", "1 reply"), ItemKind.EVENT: ("Reply", "1 reply"),
         ItemKind.BLOG: ("Reply", "1 reply"), ItemKind.STATUS_UPDATE: ("Reply", "1 reply"),
         ItemKind.QUESTION: ("Answer", "1 answer"), ItemKind.WIKI_PAGE: ("React", "1 reaction"),
         ItemKind.TASK: ("React", "1 reaction")}
KINDS = sorted(WORDS, key=lambda k: k.value)


def _login(app, user) -> Client:
    c = Client(app)
    c.login(user.email)
    return c


def _comments_of(item) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.item_id == item.id)))


def _textarea(resp) -> str:
    match = re.search(r"<textarea[^>]*name=\"body\"[^>]*>(.*?)</textarea>",
                      resp.get_data(as_text=True), flags=re.S)
    assert match, "no comment form on the page"
    return match.group(1).strip()


def test_every_kind_with_comments_is_covered_here():
    assert set(comments.ITEM_PAGES) == set(WORDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_a_member_comments_on_an_item_of_every_kind(app, mailbox, kind):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER)
    writer = member(theme, username="Schrijver")
    item = _make(kind, theme=theme, author=owner, part=Part.CLOSED, title="Jaarplan 2027")
    c = _login(app, writer)
    submit, one = WORDS[kind]

    shown = c.get(_page_of(item))
    assert f'action="/items/{item.id}/comments"' in shown.get_data(as_text=True)
    assert submit in page_text(shown)

    # Refused input: the item's own page again (422), the problem named, the text kept.
    empty = c.post(f"/items/{item.id}/comments", {"body": ""})
    assert empty.status_code == 422
    assert "Jaarplan 2027" in page_text(empty) and "This field is required." in page_text(empty)
    too_long = "Mijn lange tekst. " + "x" * 50_000
    kept = c.post(f"/items/{item.id}/comments", {"body": too_long})
    assert kept.status_code == 422 and "Jaarplan 2027" in page_text(kept)
    assert _textarea(kept) == too_long
    assert _comments_of(item) == []

    sent = c.post(f"/items/{item.id}/comments", {"body": "Goed plan, @" + owner.username})
    (comment,) = _comments_of(item)
    assert comment.state == ItemState.PUBLISHED  # a closed part: no approval needed
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"{_page_of(item)}#reply-{comment.id}")
    after = c.get(sent.headers["Location"])
    assert "Goed plan" in page_text(after) and one in page_text(after)
    assert db.session.get(Item, item.id).comment_count == 1
    mails = mailbox.wait_for(owner.email)
    assert mails and any("Jaarplan 2027" in m.subject for m in mails)
    assert any(m.link(f"/replies/{comment.id}") for m in mails)


PAGES = {ItemKind.DISCUSSION: "posts", ItemKind.EVENT: "events", ItemKind.QUESTION: "questions",
         ItemKind.BLOG: "blog", ItemKind.STATUS_UPDATE: "updates", ItemKind.WIKI_PAGE: "wiki",
         ItemKind.TASK: "tasks"}


def _page_of(item) -> str:
    """The item's own page, its kind's address."""
    return f"/{PAGES[ItemKind(item.kind)]}/{item.id}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_comments_in_a_public_part_wait_and_who_may_not_write_is_refused(app, kind):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    item = _make(kind, theme=theme, author=admin, part=Part.PUBLIC, title="Open avond")
    url = _page_of(item)

    # A visitor reads it, is asked to log in, and cannot post.
    visitor = Client(app)
    text = page_text(visitor.get(url))
    assert "Open avond" in text and "Log in to" in text
    refused = visitor.post(f"/items/{item.id}/comments", {"body": "x"})
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    # Logged in but not taking part in the theme: reads it, has no form, is refused.
    outsider = _login(app, UserFactory())
    shown = outsider.get(url)
    assert shown.status_code == 200 and "Open avond" in page_text(shown)
    assert f'action="/items/{item.id}/comments"' not in shown.get_data(as_text=True)
    assert outsider.post(f"/items/{item.id}/comments", {"body": "x"}).status_code == 403
    assert _comments_of(item) == []

    # A member's comment in the public part waits for an admin, and says so.
    c = _login(app, member(theme))
    assert "appears after an admin has approved it" in page_text(c.get(url))
    sent = c.post(f"/items/{item.id}/comments", {"body": "Ik kom ook."})
    (comment,) = _comments_of(item)
    assert comment.state == ItemState.PENDING
    assert "waits for approval by an admin" in page_text(c.get(sent.headers["Location"]))
    assert db.session.get(Item, item.id).comment_count == 0
    assert "Ik kom ook." not in page_text(Client(app).get(url))


def test_items_without_comments_and_unknown_items_take_none(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    writer = member(theme)
    folder = ItemFactory(theme=theme, kind=ItemKind.FOLDER, part=Part.CLOSED)
    c = _login(app, writer)
    assert c.post(f"/items/{folder.id}/comments", {"body": "x"}).status_code == 404
    assert c.post("/items/999999/comments", {"body": "x"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_a_long_comment_list_pages_by_fifty_and_a_comment_address_finds_its_page(app, kind):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER)
    item = _make(kind, theme=theme, author=owner, part=Part.CLOSED)
    made = [CommentFactory(item=item, author=owner, body=f"Reactie {n:03d}") for n in range(60)]
    item.comment_count = 60
    db.session.commit()
    c = _login(app, owner)
    url = _page_of(item)
    first = page_text(c.get(url))
    assert "Reactie 000" in first and "Reactie 049" in first and "Reactie 050" not in first
    resp = c.get(f"/replies/{made[55].id}")
    assert resp.headers["Location"].endswith(f"{url}?page=2#reply-{made[55].id}")
    second = page_text(c.get(f"{url}?page=2"))
    assert "Reactie 055" in second and "Reactie 049" not in second
