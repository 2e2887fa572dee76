"""The in-app notification list (P10): replies to you, mentions, decisions on your posts and
invitations; the unread count in the header; read once seen; nothing shown of an item the
person can no longer read."""
from __future__ import annotations

import re

from sqlalchemy import delete, select

from app.extensions import db
from app.items.models import Comment, Item, ItemState, Part
from app.themes.models import Membership, Role, WorkgroupType
from tests.factories import CommentFactory, ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text


def _client(app, user):
    c = Client(app)
    c.login(user.email)
    return c


def _unread(resp) -> int:
    """The number in the header's notification link (0 when it shows none)."""
    html = resp.get_data(as_text=True)
    m = re.search(r'href="/notifications">My notifications <span class="count-badge">(\d+)', html)
    return int(m.group(1)) if m else 0


def test_a_reply_shows_in_the_authors_list_with_a_count_until_seen(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, replier = member(theme), member(theme, username="Rik Reageerder")
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED, title="Roosters")
    _client(app, replier).post(f"/items/{post.id}/comments", {"body": "Ik kan dinsdag."})
    _client(app, replier).post(f"/items/{post.id}/comments", {"body": "Of woensdag."})
    me = _client(app, author)
    assert _unread(me.get("/")) == 2
    page = me.get("/notifications")
    text = page_text(page)
    assert text.count('Rik Reageerder replied to "Roosters"') == 2
    assert text.count("new") >= 2  # marked as new on the page that shows them
    assert f'href="/posts/{post.id}"' in page.get_data(as_text=True)
    assert _unread(me.get("/")) == 0  # seen
    assert "new" not in page_text(me.get("/notifications")).split("My notifications", 2)[-1]
    assert _unread(_client(app, replier).get("/")) == 0  # not told of one's own reply


def test_mark_all_read_and_the_count_costs_no_query(app):
    theme = ThemeFactory()
    author = member(theme)
    post = ItemFactory(theme=theme, author=author)
    from app.inbox import services
    from app.inbox.models import NoticeKind
    for _ in range(3):
        services.add(author.id, NoticeKind.REPLY, item=post)
    db.session.commit()
    me = _client(app, author)
    with counted_queries() as with_count:
        assert _unread(me.get("/search")) == 3
    services.add(author.id, NoticeKind.APPROVED, item=post)
    db.session.commit()
    services.mark_read(db.session.get(type(author), author.id))
    db.session.commit()
    with counted_queries() as without:
        assert _unread(me.get("/search")) == 0
    assert len(with_count) == len(without)
    # "mark all read" from the list, with a second page that was never shown
    services.add(author.id, NoticeKind.APPROVED, item=post)
    db.session.commit()
    resp = me.post("/notifications/read")
    assert resp.status_code == 302 and _unread(me.get("/search")) == 0


def test_a_mention_notifies_only_those_who_can_read_the_item(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    writer = member(theme, username="Wim Schrijver")
    reader = member(theme, username="Lisa de Lezer")
    outsider = UserFactory(username="Otto Buiten")  # not a member: cannot read closed posts
    resp = _client(app, writer).post(f"/t/{theme.slug}/posts/new", {
        "title": "Overleg", "body": "Wat denken @Lisa de Lezer en @Otto Buiten hiervan?",
        "part": "closed"})
    assert resp.status_code == 302
    assert 'Wim Schrijver mentioned you in "Overleg"' in page_text(
        _client(app, reader).get("/notifications"))
    assert "mentioned you" not in page_text(_client(app, outsider).get("/notifications"))
    assert "mentioned you" not in page_text(_client(app, writer).get("/notifications"))


def test_a_mention_in_a_reply_waiting_for_approval_notifies_once_published(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    writer, named = member(theme, username="Sam"), member(theme, username="Noor")
    post = ItemFactory(theme=theme)
    _client(app, writer).post(f"/items/{post.id}/comments", {"body": "Klopt dat, @noor?"})
    noor = _client(app, named)
    assert "mentioned you" not in page_text(noor.get("/notifications"))
    reply = db.session.scalar(select(Comment))
    _client(app, admin).post(f"/t/{theme.slug}/moderation/decide",
                             {"target": f"comment:{reply.id}", "action": "approve"})
    assert "Sam mentioned you in" in page_text(noor.get("/notifications"))


def test_decisions_on_your_posts_are_listed(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    author = member(theme)
    ok = ItemFactory(theme=theme, author=author, title="Goed stuk", state=ItemState.PENDING)
    nope = ItemFactory(theme=theme, author=author, title="Reclame", state=ItemState.PENDING)
    boss = _client(app, admin)
    boss.post(f"/t/{theme.slug}/moderation/decide", {"target": f"item:{ok.id}",
                                                     "action": "approve"})
    boss.post(f"/t/{theme.slug}/moderation/decide", {"target": f"item:{nope.id}",
                                                     "action": "reject",
                                                     "reason_code": "advertising"})
    page = page_text(_client(app, author).get("/notifications"))
    assert 'Your contribution to "Goed stuk" is published' in page
    assert 'Your contribution to "Reclame" was not approved' in page


def test_an_entry_about_an_item_you_can_no_longer_read_shows_no_title_nor_link(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, replier = member(theme), member(theme, username="Rik")
    post = ItemFactory(theme=theme, author=replier, part=Part.CLOSED, title="Geheim plan")
    CommentFactory(item=post, author=author)
    _client(app, replier).post(f"/items/{post.id}/comments", {"body": "Nog iets."})
    db.session.execute(delete(Membership).where(Membership.user_id == author.id))
    db.session.commit()
    resp = _client(app, author).get("/notifications")
    assert "Rik replied to something you can no longer read" in page_text(resp)
    assert "Geheim plan" not in resp.get_data(as_text=True)
    assert f"/posts/{post.id}" not in resp.get_data(as_text=True)


def test_the_list_needs_a_login_and_shows_only_ones_own(app):
    theme = ThemeFactory()
    a, b = member(theme), member(theme, username="Bea")
    post = ItemFactory(theme=theme, author=a, title="Alleen voor A")
    _client(app, b).post(f"/items/{post.id}/comments", {"body": "x"})
    assert Client(app).get("/notifications").status_code == 302
    assert "Alleen voor A" not in page_text(_client(app, UserFactory()).get("/notifications"))
    assert db.session.scalar(select(Item.id)) == post.id


def test_the_list_costs_the_same_queries_however_many_entries_it_shows(app):
    from app.inbox import services
    from app.inbox.models import NoticeKind

    theme = ThemeFactory()
    me_user, actor = member(theme), member(theme)
    me = _client(app, me_user)

    def add(n):
        for i in range(n):
            post = ItemFactory(theme=theme, author=me_user)
            services.add(me_user.id, NoticeKind.REPLY, item=post, actor=actor)
        db.session.commit()

    add(2)
    with counted_queries() as few:
        me.get("/notifications")
    add(25)
    with counted_queries() as many:
        page = page_text(me.get("/notifications"))
    assert page.count("replied to") == 27
    assert len(many) == len(few)
