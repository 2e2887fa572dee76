"""`flask seed`: a realistic large board, generated quickly with bulk inserts (benchmarks).

Counters on posts are computed from the generated replies and stars, so they agree with the
rows exactly as the application keeps them.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

import click
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.extensions import db
from app.filters.models import Category, FilterGroup, FilterValue
from app.items.models import (Comment, Item, ItemState, Part, Star, item_filter_value, item_reader,
                              read_access_for)
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow

SEED_PASSWORD = "Seed-wachtwoord-2026"
WORDS = ("zorg mantelzorg gemeente regio wijk vrijwilliger overleg plan klimaat energie budget "
         "subsidie jeugd ouderen wachtlijst vervoer woning buurt school sport cultuur afspraak "
         "evaluatie voorstel ervaring vraag idee netwerk samenwerking training project").split()
# Compounds of these give a vocabulary of a few thousand words, drawn with Zipf's law as in
# real text: the words above are the most frequent (e.g. "subsidie" is in about a third of the
# posts), a typical word such as "wijkbudget" in a few percent.
_PARTS = ("wijk zorg jeugd buurt school woon energie klimaat regio gemeente ouderen sport "
          "cultuur vervoer budget plan team huis werk tuin straat dorp stad kern raad groep "
          "fonds pact agenda kaart dienst punt netwerk loket").split()
VOCABULARY = list(dict.fromkeys(WORDS + [a + b for a in _PARTS for b in _PARTS if a != b]))
_ZIPF = [1.0 / (rank ** 1.07) for rank in range(1, len(VOCABULARY) + 1)]
_CUMULATIVE = [sum(_ZIPF[:i + 1]) for i in range(len(_ZIPF))]
CATEGORIES = ["Vraag", "Idee", "Ervaring", "Aankondiging"]
FILTERS = {"Regio": ["Noord", "Oost", "Zuid", "West"], "Onderwerp": ["Zorg", "Wonen", "Werk"]}
CHUNK = 5000


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=n)).capitalize()


def _bulk(table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i:i + CHUNK])


def seed(posts: int, members: int, themes: int, seed_value: int = 2026, echo=print) -> dict:
    rng = random.Random(seed_value)
    started = time.monotonic()
    now = utcnow()
    run = int(time.time())
    first_user = (db.session.scalar(select(func.max(User.id))) or 0) + 1

    # Themes: top-level organisations of each type, each with subthemes.
    kinds = [WorkgroupType.HALF_OPEN, WorkgroupType.CLOSED, WorkgroupType.MIXED]
    tops = max(1, themes // 4)
    top_themes = []
    for i in range(tops):
        t = Theme(slug=f"seed-{run}-{i}", name=f"Organisatie {i}", workgroup_type=kinds[i % 3],
                  description=_sentence(rng, 12), position=100 + i)
        db.session.add(t)
        top_themes.append(t)
    db.session.flush()
    all_themes = list(top_themes)
    for i in range(themes - tops):
        parent = top_themes[i % tops]
        t = Theme(slug=f"seed-{run}-{tops + i}", name=f"Werkgroep {tops + i}", parent=parent,
                  workgroup_type=kinds[(i + 1) % 3], description=_sentence(rng, 10), position=i)
        db.session.add(t)
        all_themes.append(t)
    db.session.flush()
    # Categories and filters on the top-level themes (inherited by subthemes).
    cats_by_root, values_by_root = {}, {}
    for t in top_themes:
        cats = [Category(theme_id=t.id, name=c, position=j) for j, c in enumerate(CATEGORIES)]
        db.session.add_all(cats)
        vals = []
        for j, (group, names) in enumerate(FILTERS.items()):
            g = FilterGroup(theme_id=t.id, name=group, position=j)
            g.values = [FilterValue(name=n, position=k) for k, n in enumerate(names)]
            db.session.add(g)
            vals.append(g.values)
        cats_by_root[t.id], values_by_root[t.id] = cats, vals
    db.session.flush()
    root_of = {t.id: (t.parent_id or t.id) for t in all_themes}

    # Members: spread over the top-level themes; a few admins and one owner each.
    password_hash = generate_password_hash(SEED_PASSWORD, method="scrypt")
    _bulk(User.__table__, [dict(email=f"seed{run}-{i}@example.org", username=f"Deelnemer {run}-{i}",
                                password_hash=password_hash, locale="nl", email_confirmed_at=now,
                                is_platform_owner=False, created_at=now, security_stamp=1)
                           for i in range(members)])
    user_ids = list(range(first_user, first_user + members))
    by_root: dict[int, list[int]] = {t.id: [] for t in top_themes}
    memberships = []
    for n, uid in enumerate(user_ids):
        root = top_themes[n % tops].id
        by_root[root].append(uid)
        index = len(by_root[root]) - 1
        role = Role.OWNER if index == 0 else Role.ADMIN if index < 3 else Role.MEMBER
        memberships.append(dict(user_id=uid, theme_id=root, role=role.value,
                                status=MembershipStatus.ACTIVE.value, created_at=now))
    _bulk(Membership.__table__, memberships)

    # Posts with replies, stars, tags; some pending, some restricted.
    post_rows, reply_rows, star_rows, tag_rows, audience_rows = [], [], [], [], []
    first_post = (db.session.scalar(select(func.max(Item.id))) or 0) + 1
    for n in range(posts):
        pid = first_post + n
        theme = all_themes[rng.randrange(len(all_themes))]
        root = root_of[theme.id]
        people = by_root[root] or user_ids
        author = rng.choice(people)
        if theme.workgroup_type == WorkgroupType.CLOSED:
            part = Part.CLOSED
        elif theme.workgroup_type == WorkgroupType.HALF_OPEN:
            part = Part.PUBLIC
        else:
            part = Part.PUBLIC if rng.random() < 0.5 else Part.CLOSED
        pending = part == Part.PUBLIC and rng.random() < 0.03
        restricted = rng.random() < 0.02
        created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 730))
        n_replies = 0 if pending else min(int(rng.expovariate(0.5)), 60)
        n_stars = 0 if pending else min(int(rng.expovariate(0.4)), len(people))
        last = created
        for r in range(n_replies):
            at = created + timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
            last = max(last, at)
            reply_rows.append(dict(item_id=pid, author_id=rng.choice(people), body="Eens.",
                                   body_html="<p>Eens.</p>", state=ItemState.PUBLISHED.value,
                                   created_at=at, published_at=at))
        for uid in rng.sample(people, n_stars):
            star_rows.append(dict(user_id=uid, item_id=pid, created_at=created))
        cats = cats_by_root[root]
        body = _sentence(rng, rng.randint(20, 80)) + "."
        post_rows.append(dict(
            id=pid, theme_id=theme.id, author_id=author, title=_sentence(rng, rng.randint(3, 9)),
            body=body, body_html=f"<p>{body}</p>\n", part=part.value,  # = render_markdown(body)
            state=(ItemState.PENDING if pending else ItemState.PUBLISHED).value,
            read_access=read_access_for(part, restricted).value, created_at=created,
            published_at=None if pending else created,
            last_activity_at=None if pending else last,
            last_comment_at=last if n_replies else None,
            comment_count=n_replies, star_count=n_stars,
            category_id=cats[rng.randrange(len(cats))].id if rng.random() < 0.8 else None))
        for values in values_by_root[root]:
            if rng.random() < 0.6:
                tag_rows.append(dict(item_id=pid, filter_value_id=rng.choice(values).id))
        if restricted:
            for uid in rng.sample(people, min(3, len(people))):
                if uid != author:
                    audience_rows.append(dict(item_id=pid, user_id=uid))
        if len(post_rows) >= CHUNK:
            _flush(post_rows, reply_rows, star_rows, tag_rows, audience_rows)
            echo(f"  {n + 1} posts")
    _flush(post_rows, reply_rows, star_rows, tag_rows, audience_rows)
    from app.events.seed import seed_events
    events = seed_events(rng, now, all_themes, lambda t: by_root[root_of[t.id]] or user_ids,
                         posts // 50, _sentence)
    from app.wiki.seed import seed_pages
    seed_pages(all_themes, root_of, by_root, user_ids, rng, now, max(1, posts // 50),
               _sentence, _bulk)
    from app.tasks.seed import seed_tasks
    seed_tasks(all_themes, root_of, by_root, user_ids, rng, now, max(1, posts // 25),
               _sentence, _bulk)
    from app.toolkit.seed import seed_toolkit
    seed_toolkit(rng, now, all_themes, lambda t: by_root[root_of[t.id]] or user_ids,
                 max(1, posts // 50), _sentence)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('item', 'id'), "
                                 "(SELECT max(id) FROM item))")
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"themes": len(all_themes), "members": members, "posts": posts, "events": events,
            "seconds": round(time.monotonic() - started, 1), "password": SEED_PASSWORD,
            "example_member": f"seed{run}-3@example.org"}


def _flush(post_rows, reply_rows, star_rows, tag_rows, audience_rows) -> None:
    _bulk(Item.__table__, post_rows)
    _bulk(Comment.__table__, reply_rows)
    _bulk(Star.__table__, star_rows)
    _bulk(item_filter_value, tag_rows)
    _bulk(item_reader, audience_rows)
    for rows in (post_rows, reply_rows, star_rows, tag_rows, audience_rows):
        rows.clear()


@click.command("seed")
@click.option("--posts", default=200_000, show_default=True)
@click.option("--members", default=10_000, show_default=True)
@click.option("--themes", default=40, show_default=True)
@click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed.")
@click.option("--index/--no-index", default=True, show_default=True,
              help="Write the search rows afterwards (bulk inserts bypass the session).")
def seed_command(posts, members, themes, seed_value, index):
    """Generate a large realistic board (added to what is there)."""
    if members < 4 or themes < 1:
        raise click.ClickException("Use at least 4 members and 1 theme.")
    result = seed(posts, members, themes, seed_value, echo=click.echo)
    if index:
        from app.search.index import rebuild
        total = db.session.scalar(select(func.count(Item.id))) or 0
        db.session.rollback()
        with db.engine.connect() as conn, \
                click.progressbar(length=total, label="Indexing posts") as bar:
            rebuild(conn, progress=bar.update, commit_batches=True)
    with db.engine.begin() as conn:  # the planner's statistics of the grown tables
        conn.exec_driver_sql("ANALYZE")
    kinds = ", ".join(f"{n} {kind.value if hasattr(kind, 'value') else kind}"
                      for kind, n in db.session.execute(
                          select(Item.kind, func.count()).group_by(Item.kind)
                          .order_by(Item.kind)))
    click.echo(f"Seeded {result['posts']} posts (items now: {kinds}) in "
               f"{result['themes']} themes for "
               f"{result['members']} members in {result['seconds']} s. "
               f"Members log in with password {result['password']} "
               f"(e.g. {result['example_member']}).")
