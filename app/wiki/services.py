"""Rules of the wiki: writing, editing, moving and deleting pages, their revisions (history,
differences, restore), and the tree of a theme's pages as the viewer may see it.

Every read goes through app.permissions.visible_items_clause (the one policy); who may write is
app.permissions.can_edit_item.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.items import access
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState
from app.permissions import (can_change_readers, can_moderate_item, needs_approval, viewer_for,
                             visible_items_clause)
from app.posts.rendering import render_markdown
from app.timeutil import utcnow
from app.wiki.models import WikiPage, WikiRevision

TITLE_MAX = 200
BODY_MAX = 100_000


class WikiError(DomainError):
    """A rule was broken; the message names the problem (and the field)."""


class EditConflict(DomainError):
    """The page changed since the editor started from `base`: nothing was written."""

    def __init__(self, current: WikiRevision, base: int):
        super().__init__(_("Someone else changed this page while you were editing it."))
        self.current = current
        self.base = base


@dataclass
class PageInput:
    title: str = ""
    body: str = ""
    parent_id: int | None = None
    base_revision: int | None = None
    access: access.AccessInput = field(default_factory=access.AccessInput)


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise WikiError(_("Give the page a title."), field="title")
    if len(title) > TITLE_MAX:
        raise WikiError(_("Use at most %(n)d characters.", n=TITLE_MAX), field="title")
    if not body:
        raise WikiError(_("Write the text of the page."), field="body")
    if len(body) > BODY_MAX:
        raise WikiError(_("Use at most %(n)d characters.", n=BODY_MAX), field="body")
    return title, body


def parents_of(theme_id: int) -> dict[int, int | None]:
    """page id -> parent id, for every (not deleted) page of the theme (one query)."""
    return dict(db.session.execute(
        select(WikiPage.item_id, WikiPage.parent_id).join(Item, Item.id == WikiPage.item_id)
        .where(Item.theme_id == theme_id, Item.state != ItemState.DELETED)).all())


def _check_parent(theme_id: int, page_id: int | None, parent_id: int | None) -> int | None:
    """The parent a page may be put under: a page of the same theme the editor may see, not
    the page itself nor one below it (the tree has no cycles)."""
    if not parent_id:
        return None
    visible = db.session.scalar(select(Item.id).where(
        Item.id == parent_id, Item.kind == ItemKind.WIKI_PAGE, Item.theme_id == theme_id,
        visible_items_clause(viewer_for())))
    if visible is None:
        raise WikiError(_("Choose a page of this theme's wiki."), field="parent")
    if page_id is not None:
        parents = parents_of(theme_id)
        node, seen = parent_id, set()
        while node is not None and node not in seen:
            if node == page_id:
                raise WikiError(_("A page cannot go under itself or under one of its own "
                                  "subpages."), field="parent")
            seen.add(node)
            node = parents.get(node)
    return parent_id


def create_page(author, theme, data: PageInput) -> Item:
    """Write a new page (revision 1). Public parts wait for approval."""
    title, body = _clean(data.title, data.body)
    parent_id = _check_parent(theme.id, None, data.parent_id)
    now = utcnow()
    item = Item(kind=ItemKind.WIKI_PAGE, theme_id=theme.id, author=author, title=title,
                body=body, body_html=render_markdown(body), created_at=now)
    item.theme = theme
    access.apply_access(item, theme, author, data.access, may_change=True, new=True)
    pending = needs_approval(theme, item.part, author)
    item.state = ItemState.PENDING if pending else ItemState.PUBLISHED
    item.published_at = item.last_activity_at = None if pending else now
    db.session.add(item)
    db.session.flush()
    db.session.add(WikiPage(item_id=item.id, parent_id=parent_id, revision=1))
    db.session.add(WikiRevision(item_id=item.id, number=1, author=author, created_at=now,
                                title=title, body=body))
    db.session.flush()
    return item


def page_of(item: Item) -> WikiPage:
    return db.session.get(WikiPage, item.id)


def _new_revision(editor, item: Item, page: WikiPage, base: int, title: str, body: str,
                  restored_from: int | None = None) -> WikiRevision:
    """Store the page's next revision, if `base` is still its current one (a conditional
    UPDATE: of two saves from the same base, exactly one is written)."""
    moved = db.session.execute(
        update(WikiPage).where(WikiPage.item_id == page.item_id, WikiPage.revision == base)
        .values(revision=base + 1).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise EditConflict(current_revision(item), base)
    now = utcnow()
    revision = WikiRevision(item_id=item.id, number=base + 1, author=editor, created_at=now,
                            title=title, body=body, restored_from=restored_from)
    db.session.add(revision)
    item.title, item.body, item.body_html = title, body, render_markdown(body)
    item.updated_at = now
    _recheck(editor, item)
    db.session.flush()
    db.session.refresh(page)
    return revision


def _recheck(editor, item: Item) -> None:
    """A change by someone who is not a moderator to a public page goes back for approval
    (so an approved text cannot be swapped for another), as for posts."""
    if not can_moderate_item(item, editor) and (
            item.state == ItemState.REJECTED
            or (item.state == ItemState.PUBLISHED
                and needs_approval(item.theme, item.part, editor))):
        item.state = ItemState.PENDING


def edit_page(editor, item: Item, data: PageInput) -> Item:
    """Save an edit that started from revision `data.base_revision`: refused with
    EditConflict (nothing written) when someone saved another revision meanwhile."""
    page = page_of(item)
    if data.base_revision is None:
        raise WikiError(_("The form is incomplete; open the page and edit it again."),
                        field="title")
    if data.base_revision != page.revision:
        raise EditConflict(current_revision(item), data.base_revision)
    title, body = _clean(data.title, data.body)
    parent_id = _check_parent(item.theme_id, item.id, data.parent_id)
    access.apply_access(item, item.theme, item.author or editor, data.access,
                        may_change=can_change_readers(item, editor), new=False)
    page.parent_id = parent_id
    if (title, body) != (item.title, item.body):
        _new_revision(editor, item, page, data.base_revision, title, body)
    else:
        item.updated_at = utcnow()
        db.session.flush()
    return item


def restore(editor, item: Item, number: int) -> WikiRevision:
    """Make an old revision the current text again, as a new revision."""
    old = revision(item, number)
    page = page_of(item)
    return _new_revision(editor, item, page, page.revision, old.title, old.body,
                         restored_from=old.number)


def delete_page(actor, item: Item) -> None:
    """Remove a page for everyone; its subpages move up to its parent."""
    page = page_of(item)
    db.session.execute(update(WikiPage).where(WikiPage.parent_id == item.id)
                       .values(parent_id=page.parent_id)
                       .execution_options(synchronize_session=False))
    item.state = ItemState.DELETED
    item.updated_at = utcnow()
    db.session.flush()


# ------------------------------------------------------------------------- reading

def current_revision(item: Item) -> WikiRevision:
    return db.session.scalar(
        select(WikiRevision).where(WikiRevision.item_id == item.id)
        .options(joinedload(WikiRevision.author))
        .order_by(WikiRevision.number.desc()).limit(1))


def revision(item: Item, number: int) -> WikiRevision:
    """One revision of a readable page (404 for a number it does not have)."""
    from flask import abort

    found = db.session.scalar(
        select(WikiRevision).where(WikiRevision.item_id == item.id,
                                   WikiRevision.number == number)
        .options(joinedload(WikiRevision.author)))
    if found is None:
        abort(404)
    return found


def history(item: Item) -> list[WikiRevision]:
    """Every revision, newest first (one query)."""
    return list(db.session.scalars(
        select(WikiRevision).where(WikiRevision.item_id == item.id)
        .options(joinedload(WikiRevision.author)).order_by(WikiRevision.number.desc())))


@dataclass
class DiffLine:
    change: str  # "same", "removed", "added"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass
class Diff:
    title_changed: bool
    old_title: str
    new_title: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return self.title_changed or any(line.change != "same" for line in self.lines)


def diff(old_title: str, old_body: str, new_title: str, new_body: str,
         context: int | None = 3) -> Diff:
    """The differences by line between two texts (difflib); unchanged stretches are cut to
    `context` lines around each change (None: all lines)."""
    a, b = old_body.splitlines(), new_body.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    groups = (matcher.get_grouped_opcodes(context) if context is not None
              else [matcher.get_opcodes()])
    lines: list[DiffLine] = []
    for group in groups:
        if lines:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", i + 1, j + 1, a[i]) for i, j in
                          zip(range(i1, i2), range(j1, j2))]
                continue
            lines += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
    return Diff(title_changed=old_title != new_title, old_title=old_title,
                new_title=new_title, lines=lines)


@dataclass
class TreeNode:
    item: Item
    children: list["TreeNode"]


def tree(theme) -> list[TreeNode]:
    """The theme's pages the viewer may see, as a tree sorted by title (one query). A page
    whose parent the viewer may not see stands at the top."""
    rows = db.session.execute(
        select(Item, WikiPage.parent_id).join(WikiPage, WikiPage.item_id == Item.id)
        .where(Item.theme_id == theme.id, Item.kind == ItemKind.WIKI_PAGE,
               visible_items_clause(viewer_for(), in_theme=theme))
        .options(joinedload(Item.author))).all()
    nodes = {item.id: TreeNode(item, []) for item, _parent in rows}
    top = []
    for item, parent_id in rows:
        (nodes[parent_id].children if parent_id in nodes else top).append(nodes[item.id])

    def sort(level):
        level.sort(key=lambda n: (n.item.title.lower(), n.item.id))
        for n in level:
            sort(n.children)
    sort(top)
    return top


def flatten(nodes: list[TreeNode], depth: int = 0):
    """(depth, item) of every node, depth first: the parent choices of the form."""
    for n in nodes:
        yield depth, n.item
        yield from flatten(n.children, depth + 1)


def ancestors(item: Item) -> list[Item]:
    """The pages above this one that the viewer may see, top first (two queries)."""
    parents = parents_of(item.theme_id)
    chain, node, seen = [], parents.get(item.id), {item.id}
    while node is not None and node not in seen:
        chain.append(node)
        seen.add(node)
        node = parents.get(node)
    if not chain:
        return []
    visible = {i.id: i for i in db.session.scalars(select(Item).where(
        Item.id.in_(chain), visible_items_clause(viewer_for())))}
    return [visible[i] for i in reversed(chain) if i in visible]


def children(item: Item) -> list[Item]:
    """The subpages the viewer may see, by title (one query)."""
    return list(db.session.scalars(
        select(Item).join(WikiPage, WikiPage.item_id == Item.id)
        .where(WikiPage.parent_id == item.id, visible_items_clause(viewer_for()))
        .order_by(Item.title, Item.id)))


def recent_pages(theme, limit: int) -> list[Item]:
    """The theme's most recently changed published pages the viewer may see (one query)."""
    from sqlalchemy import func

    return list(db.session.scalars(
        select(Item).where(Item.theme_id == theme.id, Item.kind == ItemKind.WIKI_PAGE,
                           Item.state == ItemState.PUBLISHED,
                           visible_items_clause(viewer_for()))
        .options(joinedload(Item.author))
        .order_by(func.coalesce(Item.updated_at, Item.published_at).desc(), Item.id.desc())
        .limit(limit)))

