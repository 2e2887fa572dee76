"""The item migration (0010) carries every row of a board at 0009 over: posts become items,
replies comments, and everything that pointed at them points at the item or comment; and
the downgrade brings the same rows back. Runs on the suite's database kind (SQLite file, or
a schema of its own on PostgreSQL)."""
from __future__ import annotations

import json
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db

PG_URL = os.environ.get("BOARD_TEST_DATABASE_URL")
SCHEMA = "item_migration"
STATES = ("pending", "published", "rejected", "hidden", "deleted")
T0 = "2026-11-01 10:00:00"


@pytest.fixture
def old_board(tmp_path):
    """An app on a database of its own, migrated to 0009 and seeded through SQL."""
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        uri = make_url(PG_URL).update_query_dict(
            {"options": f"-csearch_path={SCHEMA}"}).render_as_string(hide_password=False)
    else:
        uri = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "m" * 40,
                      "SQLALCHEMY_DATABASE_URI": uri}, instance_path=str(tmp_path))
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            _seed(conn)
        yield app
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def _insert(conn, table, **values):
    cols = ", ".join(f'"{c}"' for c in values)
    conn.execute(text(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(":" + c for c in values)})'),
                 values)


def _seed(conn):
    pg = conn.dialect.name == "postgresql"
    for uid in (1, 2, 3, 4):
        _insert(conn, "user", id=uid, email=f"u{uid}@example.org", username=f"user{uid}",
                password_hash="x", locale="nl", is_platform_owner=False, created_at=T0,
                security_stamp=0, overview_frequency="weekly", admin_digest=False)
    _insert(conn, "theme", id=1, slug="zorg", name="Zorg", description="", workgroup_type="mixed",
            position=0, created_at=T0, digest_frequency="weekly", members_may_push=False)
    _insert(conn, "organisation", id=1, theme_id=1, name="Gemeente", description="", vision="",
            created_at=T0)
    _insert(conn, "category", id=1, theme_id=1, name="Vraag", position=0)
    _insert(conn, "filter_group", id=1, theme_id=1, name="Regio", position=0)
    for vid in (1, 2):
        _insert(conn, "filter_value", id=vid, group_id=1, name=f"Regio {vid}", position=vid)
    pid = 0
    for state in STATES:
        for part in ("public", "closed"):
            for restricted in (False, True):
                pid += 1
                _insert(conn, "post", id=pid, theme_id=1, author_id=None if pid == 7 else 1 + pid % 3,
                        organisation_id=1 if pid % 2 else None, category_id=1 if pid % 3 else None,
                        title=f"Post {pid} {state} {part}", body=f"Tekst {pid}",
                        body_html=f"<p>Tekst {pid}</p>", part=part, status=state,
                        restricted=restricted, moderation_note="Waarom" if state == "rejected" else None,
                        created_at=f"2026-11-01 10:{pid:02d}:00",
                        updated_at=f"2026-11-02 10:{pid:02d}:00" if pid % 4 == 0 else None,
                        published_at=T0 if state == "published" else None, star_count=pid % 3,
                        reply_count=pid % 4, last_reply_at=T0 if pid % 4 else None,
                        last_activity_at=T0 if state == "published" else None)
                if restricted:
                    _insert(conn, "post_audience", post_id=pid, user_id=2)
                    _insert(conn, "post_audience", post_id=pid, user_id=3)
                _insert(conn, "post_filter_value", post_id=pid, filter_value_id=1 + pid % 2)
                if pg:
                    conn.execute(text("INSERT INTO post_search (post_id, document) "
                                      "VALUES (:p, CAST(:d AS tsvector))"),
                                 {"p": pid, "d": f"'woord{pid}':1A 'tekst':2B"})
                else:
                    _insert(conn, "post_search", post_id=pid, title_nl=f"woord{pid}",
                            title_en=f"word{pid}", body_nl="tekst", body_en="text")
    rid = 0
    for post_id in (1, 3, 4, 11):
        for state in STATES:
            rid += 1
            _insert(conn, "reply", id=rid, post_id=post_id, author_id=1 + rid % 4,
                    body=f"Reactie {rid}", body_html=f"<p>Reactie {rid}</p>", status=state,
                    moderation_note="Nee" if state == "rejected" else None,
                    created_at=f"2026-11-03 10:{rid:02d}:00", updated_at=None,
                    published_at=T0 if state == "published" else None)
    for user_id, post_id in ((1, 3), (2, 3), (3, 4), (4, 11)):
        _insert(conn, "star", user_id=user_id, post_id=post_id, created_at=T0)
    for aid, post_id in ((1, 3), (2, 3), (3, 12)):
        _insert(conn, "attachment", id=aid, post_id=post_id, stored_name=f"stored{aid}",
                filename=f"verslag{aid}.pdf", content_type="application/pdf", size=100 * aid,
                is_image=aid == 2, created_at=T0)
    reports = ((1, "post:3", 3, None, 2), (2, "reply:2", 1, 2, 3), (3, "post:3", 3, None, 4),
               (4, "reply:7", 3, 7, 2))
    for report_id, target, post_id, reply_id, reporter in reports:
        _insert(conn, "report", id=report_id, theme_id=1, target=target, post_id=post_id,
                reply_id=reply_id, reporter_id=reporter, reason="spam", text="Weg ermee",
                created_at=T0, resolved_at=T0 if report_id == 3 else None,
                resolution="dismissed" if report_id == 3 else None,
                resolved_by_id=1 if report_id == 3 else None)
    decisions = ((1, "approve", "post:3"), (2, "reject", "reply:5"), (3, "hide", "post:13"),
                 (4, "accept_member", "membership:2"))
    for did, action, target in decisions:
        _insert(conn, "moderation_decision", id=did, theme_id=1, actor_id=1, actor_name="user1",
                action=action, target=target, summary="Samenvatting", reason="",
                before_text=None, after_text=None, created_at=T0)
    for user_id, post_id in ((2, 3), (3, 4)):
        _insert(conn, "thread_mute", user_id=user_id, post_id=post_id, created_at=T0)
    _insert(conn, "digest_run", id=1, key="theme:1:2026-W44", kind="theme", theme_id=1,
            period_start=T0, period_end=T0, status="sent", intro="Hallo",
            post_ids=json.dumps([3, 4, 11]), edited=True, created_at=T0, started_at=T0, sent_at=T0)


def _rows(conn, sql):
    return [tuple(r) for r in conn.execute(text(sql))]


def _snapshot(conn, names):
    """Every row of the tables a board keeps, in a shape that does not depend on the names."""
    n = names
    search = ("document::text" if conn.dialect.name == "postgresql"
              else "title_nl, title_en, body_nl, body_en")
    return {
        "items": _rows(conn, f"""SELECT id, theme_id, author_id, organisation_id, category_id,
            title, body, body_html, part, {n['state']}, moderation_note, created_at, updated_at,
            published_at, star_count, {n['count']}, {n['last']}, last_activity_at
            FROM {n['item']} ORDER BY id"""),
        "comments": _rows(conn, f"""SELECT id, {n['item_id']}, author_id, body, body_html,
            {n['state']}, moderation_note, created_at, updated_at, published_at
            FROM {n['comment']} ORDER BY id"""),
        "stars": _rows(conn, f"SELECT user_id, {n['item_id']}, created_at FROM star "
                             "ORDER BY user_id, 2"),
        "attachments": _rows(conn, f"""SELECT id, {n['item_id']}, stored_name, filename,
            content_type, size, is_image, created_at FROM attachment ORDER BY id"""),
        "reports": _rows(conn, f"""SELECT id, theme_id, {n['item_id']}, {n['comment_id']},
            reporter_id, reason, text, created_at, resolved_at, resolution, resolved_by_id
            FROM report ORDER BY id"""),
        "report_targets": _rows(conn, "SELECT target FROM report ORDER BY id"),
        "decisions": _rows(conn, """SELECT id, theme_id, actor_id, actor_name, action, summary,
            reason, created_at FROM moderation_decision ORDER BY id"""),
        "decision_targets": _rows(conn, "SELECT target FROM moderation_decision ORDER BY id"),
        "mutes": _rows(conn, f"SELECT user_id, {n['item_id']}, created_at FROM thread_mute "
                             "ORDER BY 1, 2"),
        "digest": [(r[0], json.loads(r[1]) if isinstance(r[1], str) else r[1], *r[2:])
                   for r in _rows(conn, f"""SELECT id, {n['ids']}, key, kind, status, intro,
                   edited FROM digest_run ORDER BY id""")],
        "filter_values": _rows(conn, f"SELECT {n['item_id']}, filter_value_id FROM "
                                     f"{n['filter']} ORDER BY 1, 2"),
        "readers": _rows(conn, f"SELECT {n['item_id']}, user_id FROM {n['readers']} ORDER BY 1, 2"),
        "search": _rows(conn, f"SELECT {n['item_id']}, {search} FROM {n['search']} ORDER BY 1"),
    }


OLD = dict(item="post", comment="reply", item_id="post_id", comment_id="reply_id",
           state="status", count="reply_count", last="last_reply_at", ids="post_ids",
           filter="post_filter_value", readers="post_audience", search="post_search")
NEW = dict(item="item", comment="comment", item_id="item_id", comment_id="comment_id",
           state="state", count="comment_count", last="last_comment_at", ids="item_ids",
           filter="item_filter_value", readers="item_reader", search="item_search")


def _matches(conn, word):
    if conn.dialect.name == "postgresql":
        return _rows(conn, f"SELECT item_id FROM item_search "
                           f"WHERE document @@ to_tsquery('simple', '{word}') ORDER BY 1")
    return _rows(conn, f"SELECT rowid FROM item_search_fts WHERE item_search_fts MATCH "
                       f"'{word}' ORDER BY 1")


def test_upgrade_carries_every_row_and_downgrade_brings_them_back(old_board):
    with db.engine.connect() as conn:
        before = _snapshot(conn, OLD)
    assert len(before["items"]) == 20 and len(before["comments"]) == 20

    upgrade(revision="0010")
    with db.engine.connect() as conn:
        after = _snapshot(conn, NEW)
        # Same rows, same ids; only the "kind:<id>" targets speak of items and comments now.
        for key in before:
            if not key.endswith("targets"):
                assert after[key] == before[key], key
        assert after["report_targets"] == [("item:3",), ("comment:2",), ("item:3",),
                                           ("comment:7",)]
        assert after["decision_targets"] == [("item:3",), ("comment:5",), ("item:13",),
                                             ("membership:2",)]
        # Read access from part + audience, write access the author's, kind discussion.
        for item_id, kind, read, write, part in conn.execute(text(
                "SELECT id, kind, read_access, write_access, part FROM item")):
            restricted = item_id % 2 == 0  # as seeded
            expected = ("chosen" if restricted else "public" if part == "public" else "members")
            assert (kind, read, write) == ("discussion", expected, "author"), item_id
        assert _rows(conn, "SELECT count(*) FROM item_writer") == [(0,)]
        # The full-text index answers for the carried rows.
        assert _matches(conn, "woord12") == [(12,)]

    # New rows get ids after the carried ones.
    with db.engine.begin() as conn:
        conn.execute(text("""INSERT INTO item (kind, theme_id, title, body, body_html, part, state,
            read_access, write_access, created_at, star_count, comment_count)
            VALUES ('discussion', 1, 'Nieuw', 'Nieuw', '<p>Nieuw</p>', 'public', 'published',
            'public', 'author', :t, 0, 0)"""), {"t": T0})
        conn.execute(text("""INSERT INTO comment (item_id, body, body_html, state, created_at)
            VALUES (3, 'Nieuw', '<p>Nieuw</p>', 'published', :t)"""), {"t": T0})
        assert _rows(conn, "SELECT max(id) FROM item") == [(21,)]
        assert _rows(conn, "SELECT max(id) FROM comment") == [(21,)]
        conn.execute(text("DELETE FROM comment WHERE id = 21"))
        conn.execute(text("DELETE FROM item WHERE id = 21"))

    downgrade(revision="0009")
    with db.engine.connect() as conn:
        assert _snapshot(conn, OLD) == before
        assert _rows(conn, "SELECT id, restricted FROM post WHERE id IN (1, 2) ORDER BY id") \
            == [(1, False), (2, True)]
