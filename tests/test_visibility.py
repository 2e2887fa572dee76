"""The one visibility policy, tested from the outside: for each theme type x part x post
state x audience, as visitor, non-member, member, audience insider, author, admin, admin of
the parent theme and platform owner — what the board, its counts, the post page, its replies
and the attachment URL show."""
from __future__ import annotations

import re
import secrets

import pytest

from app.extensions import db
from app.posts import uploads
from app.items.models import Attachment, Part, ItemState
from app.themes.models import MembershipStatus, Role, WorkgroupType
from tests.factories import (CategoryFactory, MembershipFactory, ItemFactory, CommentFactory, ThemeFactory,
                             UserFactory, member)
from tests.helpers import Client, listed_titles, page_text

VIEWERS = ["visitor", "non-member", "other-member", "other-admin", "member", "insider", "author", "admin", "parent-admin",
           "platform-owner"]
STATUSES = [ItemState.PENDING, ItemState.PUBLISHED, ItemState.REJECTED, ItemState.HIDDEN,
            ItemState.DELETED]
CASES = [(WorkgroupType.HALF_OPEN, Part.PUBLIC), (WorkgroupType.CLOSED, Part.CLOSED),
         (WorkgroupType.MIXED, Part.PUBLIC), (WorkgroupType.MIXED, Part.CLOSED)]


def expected_visible(viewer: str, part: Part, status: ItemState, restricted: bool) -> bool:
    """The rule, written independently of the code under test."""
    if status == ItemState.DELETED:
        return False
    if viewer in ("admin", "parent-admin", "platform-owner", "author"):
        return True
    if status != ItemState.PUBLISHED:
        return False
    if part == Part.CLOSED and viewer not in ("member", "insider"):
        return False
    if restricted and viewer != "insider":
        return False
    return True


def total_on_board(resp) -> int:
    match = re.search(r"(\d+) posts?\b", page_text(resp))
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("kind,part", CASES, ids=lambda v: getattr(v, "value", v))
def test_visibility_matrix(app, kind, part):
    parent = ThemeFactory(workgroup_type=kind)
    theme = ThemeFactory(workgroup_type=kind, parent=parent)
    category = CategoryFactory(theme_id=theme.id, name="Vraag")
    people = {
        "non-member": UserFactory(),
        "other-member": member(ThemeFactory(workgroup_type=WorkgroupType.CLOSED)),
        "other-admin": member(ThemeFactory(workgroup_type=kind), role=Role.ADMIN),
        "member": member(theme),
        "insider": member(theme),
        "author": member(theme),
        "admin": member(theme, role=Role.ADMIN),
        "parent-admin": member(parent, role=Role.ADMIN),
        "platform-owner": UserFactory(is_platform_owner=True),
    }
    posts = {}
    for status in STATUSES:
        for restricted in (False, True):
            title = f"{status.value}-{'restricted' if restricted else 'open'}"
            post = ItemFactory(theme=theme, author=people["author"], title=title, part=part,
                               state=status, category_id=category.id,
                               readers=[people["insider"]] if restricted else None)
            CommentFactory(item=post, body=f"reply-to-{title}")
            name = secrets.token_hex(8) + ".pdf"
            (uploads.upload_folder() / name).write_bytes(b"%PDF-1.4 test")
            db.session.add(Attachment(item_id=post.id, stored_name=name, filename="verslag.pdf",
                                      content_type="application/pdf", size=13))
            db.session.commit()
            posts[(status, restricted)] = (post.id, title, post.attachments[0].id)

    for viewer in VIEWERS:
        client = Client(app)
        if viewer != "visitor":
            client.login(people[viewer].email)
        board = client.get(f"/t/{theme.slug}")
        visible_on_board = {title for (status, restricted), (_, title, _) in posts.items()
                            if status == ItemState.PUBLISHED
                            and expected_visible(viewer, part, status, restricted)}
        if kind == WorkgroupType.CLOSED and viewer in ("visitor", "non-member", "other-member",
                                                       "other-admin"):
            assert board.status_code == 200
            assert "only its members see the posts" in page_text(board)
        assert listed_titles(board) == visible_on_board, viewer
        assert total_on_board(board) == len(visible_on_board), viewer
        if visible_on_board:  # the facet count counts only what this viewer may see
            assert f"Vraag ({len(visible_on_board)})" in page_text(board), viewer
        for (status, restricted), (item_id, title, attachment_id) in posts.items():
            see = expected_visible(viewer, part, status, restricted)
            what = f"{viewer} / {title}"
            page = client.get(f"/posts/{item_id}")
            assert page.status_code == (200 if see else 404), what
            if see:
                assert title in page_text(page) and f"reply-to-{title}" in page_text(page), what
            download = client.get(f"/attachments/{attachment_id}/verslag.pdf")
            assert download.status_code == (200 if see else 404), what
            if see:
                assert download.data == b"%PDF-1.4 test"
                assert download.headers["Content-Disposition"].startswith("attachment;")


def test_pending_reply_is_seen_only_by_its_author_and_admins(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, other, admin = member(theme), member(theme), member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, author=other)
    CommentFactory(item=post, author=author, body="nog-niet-goedgekeurd", state=ItemState.PENDING)
    for who, sees in [(None, False), (other, False), (author, True), (admin, True)]:
        client = Client(app)
        if who:
            client.login(who.email)
        text = page_text(client.get(f"/posts/{post.id}"))
        assert ("nog-niet-goedgekeurd" in text) == sees, who
        if sees:
            assert "Waiting for approval" in text


def test_membership_of_the_parent_opens_closed_subtheme_posts(app):
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    sub = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=root)
    post = ItemFactory(theme=sub, part=Part.CLOSED, title="Intern stuk")
    client = Client(app)
    client.login(member(root).email)
    assert "Intern stuk" in listed_titles(client.get(f"/t/{sub.slug}"))
    assert client.get(f"/posts/{post.id}").status_code == 200
    outsider = Client(app)
    outsider.login(member(sub.parent and ThemeFactory()).email)
    assert outsider.get(f"/posts/{post.id}").status_code == 404


def test_unknown_ids_are_404(client):
    assert client.get("/posts/999999").status_code == 404
    assert client.get("/attachments/999999/x.pdf").status_code == 404
    user = UserFactory()
    client.login(user.email)
    assert client.post("/posts/999999/star").status_code == 404
    assert client.post("/items/999999/comments", {"body": "x"}).status_code == 404
    assert client.get("/posts/999999/edit").status_code == 404


def test_viewers_for_many_users_equals_viewer_for_each():
    """Digests build the policy's viewers in bulk; they must be exactly the per-user ones."""
    from app.extensions import db
    from app.permissions import viewer_for, viewers_for
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    sub = ThemeFactory(workgroup_type=WorkgroupType.MIXED, parent=root)
    subsub = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, parent=sub)
    other = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    users = [member(root), member(sub, role=Role.ADMIN), member(subsub),
             member(other, role=Role.OWNER), member(root, status=MembershipStatus.PENDING),
             member(sub, status=MembershipStatus.REJECTED), UserFactory(),
             UserFactory(is_platform_owner=True), UserFactory(email_confirmed_at=None)]
    MembershipFactory(user=users[0], theme=other, role=Role.ADMIN)
    db.session.expire_all()
    bulk = viewers_for(users)
    for user in users:
        assert bulk[user.id] == viewer_for(user), user.email
    assert bulk[users[1].id].admin_theme_ids == {sub.id, subsub.id}
    assert bulk[users[0].id].member_theme_ids == {root.id, sub.id, subsub.id, other.id}
