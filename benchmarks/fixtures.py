"""Picks (and where needed prepares) what the benchmark drives on a seeded board; prints JSON.

On the largest public (half-open) theme: a post with 50 replies, and its moderation queue
holding exactly QUEUE items. On the largest closed theme, which a member opens logged in: a
post with LONG_THREAD replies, at least AGENDA upcoming events, a wiki page with revisions and
a folder of FOLDER_FILES files. Rows are bulk inserted in batches (as `flask seed` does), except
the folder and its files, which go through app.files.services so that their rows and stored
files (in the board's instance folder, BOARD_INSTANCE_PATH) are exactly what an upload makes.

Run with the benchmark's environment: python -m benchmarks.fixtures"""
from __future__ import annotations

import io
import json
import random
import sys

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app import create_app
from app.auth.models import User
from app.events.models import Event
from app.events.seed import seed_events
from app.extensions import db
from app.files import services as files
from app.filters.models import Category, FilterGroup
from app.items.kinds import ItemKind
from app.items.models import Comment, Item, ItemState, Part, ReadAccess
from app.moderation.services import theme_queue_count
from app.posts.seed import CHUNK, SEED_PASSWORD, _bulk, _sentence
from app.search import index
from app.themes.models import Membership, Role, Theme, WorkgroupType
from app.themes.services import subtree_ids
from app.timeutil import utcnow
from app.wiki.models import WikiPage
from app.wiki.seed import seed_pages

QUEUE = 1_000  # items waiting in the public theme's moderation queue
LONG_THREAD = 500  # replies on the closed theme's long post (50 a page)
AGENDA = 30  # upcoming events at least in the closed theme's agenda (20 a page)
FOLDER_FILES = 50


def _people(theme: Theme, role: Role | None = None) -> list[int]:
    """User ids of the theme's members (of one role)."""
    query = select(Membership.user_id).where(Membership.theme_id == theme.id)
    if role is not None:
        query = query.where(Membership.role == role)
    return list(db.session.scalars(query.order_by(Membership.user_id)))


def _discussion(theme: Theme, read_access: ReadAccess) -> Item:
    """The theme's published discussion with the most replies, readable by `read_access`."""
    return db.session.scalar(select(Item).where(
        Item.theme_id == theme.id, Item.kind == ItemKind.DISCUSSION,
        Item.state == ItemState.PUBLISHED, Item.read_access == read_access)
        .order_by(Item.comment_count.desc(), Item.id).limit(1))


def _replies(post: Item, wanted: int) -> int:
    """Give the post `wanted` published replies (bulk inserted, counters kept); returns how
    many it has."""
    missing = wanted - post.comment_count
    if missing > 0:
        now = utcnow()
        people = _people(post.theme) or [post.author_id]
        _bulk(Comment.__table__, [dict(item_id=post.id, author_id=people[n % len(people)],
                                       body=f"Benchmark reactie {n}.",
                                       body_html=f"<p>Benchmark reactie {n}.</p>",
                                       state=ItemState.PUBLISHED.value, created_at=now,
                                       published_at=now) for n in range(missing)])
        db.session.execute(update(Item).where(Item.id == post.id).values(
            comment_count=Item.comment_count + missing, last_comment_at=now,
            last_activity_at=now))
        index.touch(post.id)
    return max(wanted, post.comment_count)


def _next_item_id() -> int:
    return (db.session.scalar(select(func.max(Item.id))) or 0) + 1


def _queue(public: Theme, rng: random.Random) -> int:
    """Make exactly QUEUE items wait for the public theme's admins: new pending posts when
    fewer wait, the newest waiting posts published when more do. Returns how many wait."""
    waiting = theme_queue_count(public)
    now = utcnow()
    if waiting < QUEUE:
        authors = _people(public, Role.MEMBER) or _people(public)
        first = _next_item_id()
        rows = []
        for n in range(QUEUE - waiting):
            body = _sentence(rng, rng.randint(20, 80)) + "."
            rows.append(dict(id=first + n, kind=ItemKind.DISCUSSION.value, theme_id=public.id,
                             author_id=authors[n % len(authors)],
                             title=_sentence(rng, rng.randint(3, 9)), body=body,
                             body_html=f"<p>{body}</p>\n", part=Part.PUBLIC.value,
                             state=ItemState.PENDING.value, read_access=ReadAccess.PUBLIC.value,
                             write_access="author", created_at=now, comment_count=0,
                             star_count=0))
        _bulk(Item.__table__, rows)
        for row in rows:
            index.touch(row["id"])
    elif waiting > QUEUE:
        newest = list(db.session.scalars(
            select(Item.id).where(Item.theme_id.in_(subtree_ids(public)),
                                  Item.state == ItemState.PENDING)
            .order_by(Item.created_at.desc()).limit(waiting - QUEUE)))
        for i in range(0, len(newest), CHUNK):
            db.session.execute(update(Item).where(Item.id.in_(newest[i:i + CHUNK])).values(
                state=ItemState.PUBLISHED, published_at=Item.created_at,
                last_activity_at=Item.created_at))
    return theme_queue_count(public)


def _upcoming_events(theme: Theme) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).join(
        Item, Item.id == Event.item_id).where(
        Item.theme_id == theme.id, Item.state == ItemState.PUBLISHED,
        Event.ends_at > utcnow())) or 0


def _agenda(closed: Theme, rng: random.Random) -> int:
    """At least AGENDA upcoming events in the closed theme (made as `flask seed` makes them,
    about a third of them upcoming); returns how many are upcoming."""
    upcoming = _upcoming_events(closed)
    people = _people(closed)
    while upcoming < AGENDA:
        seed_events(rng, utcnow(), [closed], lambda _theme: people, 3 * (AGENDA - upcoming),
                    _sentence)
        upcoming = _upcoming_events(closed)
    return upcoming


def _wiki_page(closed: Theme, rng: random.Random) -> tuple[int, int]:
    """(item id, revisions) of the closed theme's wiki page with the most revisions, made as
    `flask seed` makes them when the theme has none."""
    def best():
        return db.session.execute(
            select(WikiPage.item_id, WikiPage.revision).join(Item, Item.id == WikiPage.item_id)
            .where(Item.theme_id == closed.id, Item.state == ItemState.PUBLISHED)
            .order_by(WikiPage.revision.desc(), WikiPage.item_id).limit(1)).first()

    found = best()
    if found is None or found.revision < 2:
        people = _people(closed)
        seed_pages([closed], {closed.id: closed.id}, {closed.id: people}, people, rng,
                   utcnow(), 10, _sentence, _bulk)
        found = best()
    return found.item_id, found.revision


def _sync_item_ids() -> None:
    """PostgreSQL: move the item id sequence past the ids the bulk inserts chose."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(func.setval(func.pg_get_serial_sequence("item", "id"),
                                              select(func.max(Item.id)).scalar_subquery())))


def _folder(closed: Theme) -> int:
    """A folder of FOLDER_FILES small text files at the closed theme's top level, uploaded by
    one of its admins through the files service (at most FILES_MAX_PER_UPLOAD at a time, as
    the upload form takes them). Returns the folder's item id."""
    actor = db.session.get(User, (_people(closed, Role.ADMIN) or _people(closed, Role.OWNER))[0])
    folder = files.create_folder(actor, closed, None, "Vergaderstukken")
    batch = []
    for n in range(FOLDER_FILES):
        content = f"Verslag van overleg {n + 1}: afspraken over het klimaatplan.\n".encode()
        batch.append(FileStorage(stream=io.BytesIO(content), filename=f"Verslag {n + 1:02}.txt"))
        if len(batch) == current_app.config["FILES_MAX_PER_UPLOAD"] or n == FOLDER_FILES - 1:
            files.upload(actor, closed, folder, batch)
            batch = []
    return folder.item_id


def _facets(theme: Theme) -> tuple[int | None, int | None]:
    """(a category id, a filter value id) of the theme, for its filtered board."""
    category = db.session.scalar(select(Category.id).where(Category.theme_id == theme.id).limit(1))
    group = db.session.scalar(select(FilterGroup).where(FilterGroup.theme_id == theme.id).limit(1))
    return category, (group.values[0].id if group and group.values else None)


def main() -> None:
    app = create_app()
    rng = random.Random(18)
    with app.app_context():
        tops = db.session.scalars(select(Theme).where(Theme.parent_id.is_(None),
                                                      Theme.slug.like("seed-%"))).all()
        by_kind = {}
        for t in tops:
            count = db.session.scalar(select(func.count(Item.id)).where(Item.theme_id == t.id))
            if count > by_kind.get(t.workgroup_type, (None, -1))[1]:
                by_kind[t.workgroup_type] = (t, count)
        public, closed = by_kind[WorkgroupType.HALF_OPEN][0], by_kind[WorkgroupType.CLOSED][0]

        def person(theme, role):
            return db.session.scalar(select(User.email).join(Membership, Membership.user_id == User.id)
                                     .where(Membership.theme_id == theme.id, Membership.role == role)
                                     .limit(1))

        post = _discussion(public, ReadAccess.PUBLIC)
        _replies(post, 50)
        long_post = _discussion(closed, ReadAccess.MEMBERS)
        long_replies = _replies(long_post, LONG_THREAD)
        waiting = _queue(public, rng)
        upcoming = _agenda(closed, rng)
        wiki_id, wiki_revisions = _wiki_page(closed, rng)
        _sync_item_ids()  # before the files service inserts items of its own
        folder_id = _folder(closed)
        db.session.commit()
        category, value = _facets(public)
        closed_category, closed_value = _facets(closed)
        json.dump({
            "public_slug": public.slug, "closed_slug": closed.slug,
            "posts": db.session.scalar(select(func.count(Item.id))),
            "public_posts": by_kind[WorkgroupType.HALF_OPEN][1],
            "member_email": person(closed, Role.MEMBER), "admin_email": person(public, Role.ADMIN),
            "password": SEED_PASSWORD, "item_id": post.id, "star_post_id": long_post.id,
            "category_id": category, "value_id": value,
            "closed_category_id": closed_category, "closed_value_id": closed_value,
            "long_post_id": long_post.id, "long_post_replies": long_replies,
            "long_post_pages": -(-long_replies // 50), "queue_waiting": waiting,
            "upcoming_events": upcoming, "wiki_id": wiki_id, "wiki_revisions": wiki_revisions,
            "folder_id": folder_id, "folder_files": FOLDER_FILES,
        }, sys.stdout)


if __name__ == "__main__":
    main()
