"""A top-level theme's archive (exit with all data): who may make and download it, what it
holds (everything of the theme and its subthemes, nothing of another theme, no secret), and
`flask theme import`, which restores it completely or refuses it whole."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, func, select

from app import storage
from app.archive import schema
from app.archive.exporter import collect, write_archive
from app.archive.importer import import_archive
from app.archive.models import ArchiveJob, ArchiveStatus
from app.archive.services import build_pending, expire
from app.auth.models import User
from app.extensions import db
from app.features.models import ThemeFeature
from app.digest.models import ThreadMute
from app.items.models import (Attachment, Item, ItemState, Part, ReadAccess, Star, WriteAccess,
                              item_filter_value)
from app.moderation.models import Action, ModerationDecision, Report, ReportReason
from app.organisations.models import Organisation
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow
from tests.factories import (_HASH, CategoryFactory, CommentFactory, FilterGroupFactory,
                             FilterValueFactory, ItemFactory, StarFactory, ThemeFactory,
                             UserFactory, member)
from tests.helpers import Client, page_text, stored_attachment


# ------------------------------------------------------------------------- the world

@pytest.fixture
def seeded(app):
    """Theme A (mixed) with a closed subtheme, members of every role, content in every state
    and access; theme B beside it with its own member and post."""
    a = ThemeFactory(name="Zorgregio Noord", slug="zorgregio-noord",
                     workgroup_type=WorkgroupType.MIXED, digest_frequency="daily")
    sub = ThemeFactory(name="Werkgroep Wijkzorg", slug="zorgregio-noord-wijkzorg", parent=a,
                       workgroup_type=WorkgroupType.CLOSED)
    owner = member(a, role=Role.OWNER, username="Olga Eigenaar")
    admin = member(a, role=Role.ADMIN)
    plain = member(a)
    sub_member = member(sub)
    requester = UserFactory()
    db.session.add(Membership(user_id=requester.id, theme_id=sub.id,
                              status=MembershipStatus.PENDING))
    org = Organisation(theme_id=a.id, name="Gemeente Noord", contact_email="noord@example.org",
                       description="Fiche", vision="Samen")
    category = CategoryFactory(theme_id=a.id, name="Vraag")
    group = FilterGroupFactory(theme_id=a.id, name="Regio")
    value = FilterValueFactory(group=group, name="Oost")
    sub_category = CategoryFactory(theme_id=sub.id, name="Idee")
    db.session.add_all([org, ThemeFeature(theme_id=sub.id, kind="discussions", enabled=False,
                                          updated_by_id=owner.id)])
    db.session.commit()

    items = {}
    items["public"] = ItemFactory(theme=a, author=plain, title="Openbare vraag over zorg",
                                  category=category, organisation=org)
    items["members"] = ItemFactory(theme=a, author=admin, part=Part.CLOSED,
                                   title="Alleen voor leden")
    items["chosen"] = ItemFactory(theme=a, author=owner, part=Part.CLOSED,
                                  title="Voor een paar mensen", readers=[plain])
    for state in (ItemState.DRAFT, ItemState.PENDING, ItemState.REJECTED, ItemState.HIDDEN,
                  ItemState.DELETED):
        items[state.value] = ItemFactory(theme=a, author=plain, state=state,
                                         title=f"Post {state.value}", moderation_note="omdat")
    items["sub"] = ItemFactory(theme=sub, author=sub_member, part=Part.CLOSED,
                               title="Wijkzorg overleg", category_id=sub_category.id)
    items["formula"] = ItemFactory(theme=a, author=plain, title='=HYPERLINK("http://x","y")')
    items["members"].write_access = WriteAccess.CHOSEN
    items["members"].writers = [plain]
    db.session.execute(item_filter_value.insert().values(item_id=items["public"].id,
                                                         filter_value_id=value.id))
    reply = CommentFactory(item=items["public"], author=admin, body="Een reactie")
    CommentFactory(item=items["public"], author=plain, state=ItemState.PENDING, body="Wacht")
    CommentFactory(item=items["sub"], author=sub_member, body="In de subgroep")
    StarFactory(user_id=admin.id, item_id=items["public"].id)
    StarFactory(user_id=plain.id, item_id=items["sub"].id)
    items["public"].star_count = 1
    items["public"].comment_count = 1
    db.session.add(ThreadMute(user_id=plain.id, item_id=items["public"].id))
    db.session.add(Report(theme_id=a.id, target=f"comment:{reply.id}", item_id=items["public"].id,
                          comment_id=reply.id, reporter_id=plain.id, reason=ReportReason.OTHER,
                          text="Klopt niet"))
    db.session.add(ModerationDecision(theme_id=a.id, actor_id=admin.id, actor_name=admin.username,
                                      action=Action.REJECT, target=f"item:{items['rejected'].id}",
                                      summary="Post rejected", reason="Past niet"))
    db.session.commit()
    stored_attachment(items["public"])
    _attach(items["sub"], b"\x89PNG\r\n\x1a\nbeeld", "foto.png")

    b = ThemeFactory(name="Vereniging Zuid", slug="vereniging-zuid")
    b_owner = member(b, role=Role.OWNER, email="zuid-eigenaar@example.org")
    ItemFactory(theme=b, author=b_owner, title="Geheim van Zuid")
    db.session.commit()
    return {"a": a, "sub": sub, "owner": owner, "admin": admin, "plain": plain, "b": b,
            "b_owner": b_owner, "items": items}


def _attach(item, data: bytes, filename: str) -> None:
    key = hashlib.md5(data).hexdigest() + "." + filename.rsplit(".", 1)[1]
    size = storage.get().put(key, io.BytesIO(data))
    db.session.add(Attachment(item_id=item.id, stored_name=key, filename=filename,
                              content_type="image/png", size=size, is_image=True))
    db.session.commit()


def _archive(theme) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    write_archive(theme, buffer)
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


def _zip_file(tmp_path, theme, name="archive.zip"):
    path = tmp_path / name
    with open(path, "wb") as out:
        write_archive(theme, out)
    return path


def _all_text(zf: zipfile.ZipFile) -> str:
    return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


# ------------------------------------------------------------------------- classification

def test_every_table_is_archived_or_classified_as_not_content(app):
    assert schema.unclassified_tables() == []
    archived = {t.name for t in schema.content_tables()}
    assert {"theme", "item", "comment", "star", "attachment", "item_reader", "item_writer",
            "item_filter_value", "membership", "category", "filter_group", "filter_value",
            "organisation", "report", "moderation_decision", "theme_feature"} <= archived
    assert not archived & set(schema.NOT_CONTENT)


def test_a_new_table_that_hangs_from_nothing_must_be_decided_on(app):
    orphan = Table("scratch_notes", db.metadata, Column("id", Integer, primary_key=True),
                   Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE")))
    kind = Table("scratch_kind", db.metadata,
                 Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"),
                        primary_key=True))
    saved = Table("scratch_saved", db.metadata,
                  Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"),
                         primary_key=True),
                  Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"),
                         primary_key=True))
    try:
        # a kind's own table is archived by itself; one person's rows must be decided on
        assert schema.unclassified_tables() == ["scratch_notes", "scratch_saved"]
        assert "scratch_kind" in {t.name for t in schema.content_tables()}
    finally:
        for t in (orphan, kind, saved):
            db.metadata.remove(t)


def test_every_column_that_looks_like_a_stored_file_is_registered(app):
    """A new column holding a storage key must be in STORED_FILES, or its files would be
    missing from archives."""
    looks_stored = re.compile(r"(^|_)stored|storage|file_key|blob|thumbnail", re.I)
    found = {(t.name, c.name) for t in schema.content_tables() for c in t.columns
             if looks_stored.search(c.name)}
    assert found == set(schema.STORED_FILES)


def test_every_column_that_looks_secret_is_denied_or_known_safe(app):
    looks_secret = re.compile(r"password|token|secret|hash|stamp|salt|key", re.I)
    known_safe = {"digest_run.key",  # "theme:12:2026-W47": a period, not a secret
                  "file.name_key"}  # a file's name folded for comparison
    found = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
             if looks_secret.search(c.name)}
    assert found - schema.SECRET_COLUMNS - known_safe == set()


# ------------------------------------------------------------------------- what it holds

def test_the_archive_has_a_manifest_with_counts_and_checksums_and_a_schema(app, seeded):
    zf = _archive(seeded["a"])
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "werkgroepen-theme-archive" and manifest["version"] == 1
    assert manifest["theme"]["slug"] == "zorgregio-noord"
    for name, sha in manifest["checksums"].items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == sha
    assert set(manifest["checksums"]) == set(zf.namelist()) - {"manifest.json"}
    assert manifest["tables"]["theme"]["rows"] == 2  # A and its subtheme
    assert manifest["tables"]["item"]["rows"] == 10
    assert manifest["tables"]["comment"]["rows"] == 3
    assert manifest["tables"]["attachment"]["rows"] == 2 and len(manifest["files"]) == 2
    assert "thread_mute" not in manifest["tables"]  # one person's mail preference
    assert "outbox_message" not in manifest["tables"]
    for name, entry in manifest["tables"].items():
        assert len(json.loads(zf.read(entry["data"]))) == entry["rows"]
        assert len(list(csv.reader(io.StringIO(zf.read(entry["csv"]).decode("utf-8-sig"))))) \
            == entry["rows"] + 1
    described = json.loads(zf.read("schema.json"))
    item_columns = {c["name"]: c for c in described["item"]["columns"]}
    assert item_columns["theme_id"]["references"] == "theme.id"
    assert {c["name"]: c for c in described["attachment"]["columns"]}["stored_name"]["stored_file"]
    data = json.loads(zf.read("data/item.json"))
    assert {d["state"] for d in data} == {s.value for s in ItemState}
    assert {d["read_access"] for d in data} == {a.value for a in ReadAccess}
    pdf = next(a for a in json.loads(zf.read("data/attachment.json")) if a["filename"] == "verslag.pdf")
    assert zf.read(f"files/{pdf['stored_name']}") == b"%PDF-1.4 test"


def test_the_archive_of_one_theme_holds_nothing_of_another(app, seeded):
    text = _all_text(_archive(seeded["a"]))
    assert "Geheim van Zuid" not in text
    assert "vereniging-zuid" not in text and "Vereniging Zuid" not in text
    assert seeded["b_owner"].email not in text
    b_text = _all_text(_archive(seeded["b"]))
    assert "Openbare vraag" not in b_text and "zorgregio-noord" not in b_text
    assert seeded["plain"].email not in b_text


def test_no_secret_column_appears_anywhere_in_the_archive(app, seeded):
    zf = _archive(seeded["a"])
    text = _all_text(zf)
    assert _HASH not in text and "scrypt:" not in text
    for name in zf.namelist():
        if name.startswith("data/"):
            table = name[5:-5]
            keys = {k for row in json.loads(zf.read(name)) for k in row}
            assert not {f"{table}.{k}" for k in keys} & schema.SECRET_COLUMNS, name
    users = json.loads(zf.read("data/user.json"))
    assert users and all("password_hash" not in u and "security_stamp" not in u for u in users)
    assert seeded["owner"].email in {u["email"] for u in users}


def test_csv_cells_that_start_like_a_formula_are_escaped(app, seeded):
    zf = _archive(seeded["a"])
    rows = list(csv.DictReader(io.StringIO(zf.read("csv/item.csv").decode("utf-8-sig"))))
    titles = {r["title"] for r in rows}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in titles
    assert '=HYPERLINK("http://x","y")' not in titles
    assert "Openbare vraag over zorg" in titles  # ordinary text as it is
    data = json.loads(zf.read("data/item.json"))  # the JSON keeps the text as written
    assert '=HYPERLINK("http://x","y")' in {d["title"] for d in data}


# ------------------------------------------------------------------------- round trip

def _translated(rows, ids, table):
    """Rows of `table` with every id and foreign key put through the import's id maps."""
    out = []
    t = db.metadata.tables[table]
    for row in rows:
        new = dict(row)
        for column in t.columns:
            if column.name not in new or new[column.name] is None:
                continue
            if column.primary_key and not column.foreign_keys and len(t.primary_key.columns) == 1:
                new[column.name] = ids[table][new[column.name]]
            for fk in column.foreign_keys:
                new[column.name] = ids[fk.column.table.name][new[column.name]]
            if (table, column.name) in schema.TEXT_REFERENCES:
                kind, _, old = new[column.name].partition(":")
                new[column.name] = f"{kind}:{ids[kind][int(old)]}"
        out.append(new)
    return out


def _compare(before: dict, after: dict, ids: dict, files_before, files_after) -> None:
    for table in before:
        if table == schema.USER_TABLE:
            continue
        expected = _translated(before[table], ids, table)
        got = after[table]
        assert len(got) == len(expected), table
        key = [c.name for c in db.metadata.tables[table].primary_key.columns]
        order = lambda r: tuple(r[c] for c in key)  # noqa: E731
        for old, new in zip(sorted(expected, key=order), sorted(got, key=order)):
            for column in old:
                if (table, column) in schema.STORED_FILES:
                    assert files_after[new[column]] == files_before[old[column]]
                    assert new[column] != old[column] or table != "attachment"
                elif (table, column) == ("theme", "slug"):
                    continue
                else:
                    assert new[column] == old[column], f"{table}.{column}"


def _files(rows) -> dict:
    store = storage.get()
    out = {}
    for table, column in schema.STORED_FILES:
        for row in rows.get(table, ()):
            with store.open(row[column]) as f:
                out[row[column]] = f.read()
    return out


def test_import_under_a_new_slug_restores_everything_field_by_field(app, seeded, tmp_path):
    before = collect(seeded["a"].id)
    files_before = _files(before)
    path = _zip_file(tmp_path, seeded["a"])
    users_before = db.session.scalar(select(func.count(User.id)))

    restore = import_archive(path, as_slug="noord-kopie")
    db.session.commit()

    root = db.session.get(Theme, restore.root_id)
    assert root.slug == "noord-kopie" and root.id != seeded["a"].id
    assert [c.slug for c in root.children] == ["noord-kopie-wijkzorg"]
    assert db.session.scalar(select(func.count(User.id))) == users_before  # matched by e-mail
    assert restore.created_users == 0
    after = collect(root.id)
    _compare(before, after, restore.ids, files_before, _files(after))
    assert "user" in restore.ids and all(k == v for k, v in restore.ids["user"].items())

    # The restored items are found by search, and open for their readers.
    new_public = restore.ids["item"][seeded["items"]["public"].id]
    client = Client(app)
    client.login(seeded["plain"].email)
    resp = client.get("/search?q=Openbare+vraag+zorg")
    assert f'/posts/{new_public}"' in resp.get_data(as_text=True)
    resp = client.get(f"/posts/{new_public}")
    assert resp.status_code == 200 and "Een reactie" in page_text(resp)
    new_chosen = restore.ids["item"][seeded["items"]["chosen"].id]
    assert client.get(f"/posts/{new_chosen}").status_code == 200
    outsider = Client(app)
    outsider.login(seeded["b_owner"].email)
    assert outsider.get(f"/posts/{new_chosen}").status_code == 404


def test_import_into_a_fresh_installation_creates_the_people_without_a_password(
        app, seeded, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from app import create_app

    before = collect(seeded["a"].id)
    files_before = _files(before)
    users_before = {u["email"]: u for u in before["user"]}
    path = _zip_file(tmp_path, seeded["a"])
    other = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "s" * 40,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"},
                       instance_path=str(tmp_path / "fresh"))
    with other.app_context():
        upgrade()
        restore = import_archive(path)
        db.session.commit()
        root = db.session.get(Theme, restore.root_id)
        assert root.slug == "zorgregio-noord"
        after = collect(root.id)
        _compare(before, after, restore.ids, files_before, _files(after))
        people = {u.email: u for u in db.session.scalars(select(User))}
        assert set(people) == set(users_before)
        assert restore.created_users == len(users_before)
        for email, user in people.items():
            assert not user.check_password("Correct-horse-battery-9")
            assert user.username == users_before[email]["username"]
            assert not user.is_platform_owner
        owner = db.session.scalar(select(Membership).where(Membership.theme_id == root.id,
                                                           Membership.role == Role.OWNER))
        assert owner.user.email == seeded["owner"].email
        db.session.remove()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["theme", *args])


def test_flask_theme_export_and_import_restore_and_name_the_new_owner(app, seeded, tmp_path):
    path = tmp_path / "noord.zip"
    result = _cli(app, "export", "zorgregio-noord", str(path))
    assert result.exit_code == 0, result.output
    assert "rows, 2 files" in result.output
    assert _cli(app, "export", "zorgregio-noord-wijkzorg", str(tmp_path / "x.zip")).exit_code != 0
    new_owner = UserFactory(email="nieuw@example.org")
    result = _cli(app, "import", str(path), "--as-slug", "noord-twee", "--owner", new_owner.email)
    assert result.exit_code == 0, result.output
    assert "Imported noord-twee" in result.output
    root = db.session.scalar(select(Theme).where(Theme.slug == "noord-twee"))
    owner = db.session.scalar(select(Membership).where(Membership.theme_id == root.id,
                                                       Membership.role == Role.OWNER))
    assert owner.user_id == new_owner.id
    again = _cli(app, "import", str(path), "--as-slug", "noord-twee")
    assert again.exit_code != 0 and "noord-twee is in use" in again.output


def _count_all() -> dict:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in db.metadata.sorted_tables}


def _rezip(source: zipfile.ZipFile, target, change: dict, manifest_change=None):
    with zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json" and manifest_change:
                manifest = json.loads(data)
                manifest_change(manifest)
                data = json.dumps(manifest).encode()
            out.writestr(name, change.get(name, data))
        for name, data in change.items():
            if name not in source.namelist():
                out.writestr(name, data)


@pytest.mark.parametrize("case", ["checksum", "version", "traversal", "not a zip", "extra",
                                  "absolute", "format"])
def test_a_broken_or_unsafe_archive_is_refused_whole(app, seeded, tmp_path, case):
    zf = _archive(seeded["a"])
    target = tmp_path / "bad.zip"
    if case == "checksum":
        _rezip(zf, target, {"data/item.json": b"[]"})
        expected = "checksum mismatch for data/item.json"
    elif case == "version":
        _rezip(zf, target, {}, lambda m: m.update(version=99))
        expected = "archive version 99"
    elif case == "traversal":
        _rezip(zf, target, {"files/../../evil.sh": b"#!/bin/sh"})
        expected = "unsafe names"
    elif case == "absolute":
        _rezip(zf, target, {"/etc/cron.d/evil": b"x"})
        expected = "unsafe names"
    elif case == "format":
        _rezip(zf, target, {}, lambda m: m.update(format="something-else"))
        expected = "does not describe a theme archive"
    elif case == "extra":
        _rezip(zf, target, {"files/extra.bin": b"x"})
        expected = "members and manifest differ"
    else:
        target.write_bytes(b"PK not really")
        expected = "Not a readable zip file"
    before = _count_all()
    result = _cli(app, "import", str(target), "--as-slug", "kapot")
    assert result.exit_code != 0
    assert expected in result.output
    assert _count_all() == before


def test_an_import_that_fails_halfway_leaves_nothing(app, seeded, tmp_path):
    path = _zip_file(tmp_path, seeded["a"])
    before = _count_all()
    folder = storage.get().folder
    files_before = set(folder.iterdir())
    result = _cli(app, "import", str(path), "--as-slug", "half", "--owner", "niemand@example.org")
    assert result.exit_code != 0 and "no account has the address niemand@example.org" in result.output
    assert _count_all() == before
    assert set(folder.iterdir()) == files_before  # the copied files went with the rollback


# ------------------------------------------------------------------------- the page

def test_the_owner_makes_an_archive_follows_it_and_downloads_it_from_the_mail(
        app, seeded, mailbox):
    owner = Client(app)
    owner.login(seeded["owner"].email)
    resp = owner.get("/t/zorgregio-noord")
    assert "/t/zorgregio-noord/archive" in resp.get_data(as_text=True)
    resp = owner.get("/t/zorgregio-noord/archive")
    assert resp.status_code == 200 and "Make an archive" in page_text(resp)

    resp = owner.post("/t/zorgregio-noord/archive")
    assert resp.status_code == 302
    resp = owner.post("/t/zorgregio-noord/archive")  # the second click
    assert "already being made" in page_text(owner.get("/t/zorgregio-noord/archive"))
    assert db.session.scalar(select(func.count(ArchiveJob.id))) == 1
    job = db.session.scalar(select(ArchiveJob))
    assert "Waiting to be made" in page_text(owner.get("/t/zorgregio-noord/archive"))
    assert owner.get(f"/t/zorgregio-noord/archive/{job.id}").status_code == 302  # not ready

    job.rows_done, job.rows_total = 40, 90
    db.session.commit()
    text = page_text(owner.get("/t/zorgregio-noord/archive"))
    assert "Being made: 40 of 90 rows and files" in text

    assert build_pending(app) == 1
    db.session.expire_all()
    job = db.session.get(ArchiveJob, job.id)
    assert job.status == ArchiveStatus.READY and job.rows_done == job.rows_total > 0
    mails = mailbox.to(seeded["owner"].email)
    assert len(mails) == 1 and "archive of Zorgregio Noord is ready" in mails[0].subject
    link = mails[0].link("/t/zorgregio-noord/archive/")
    path = link.split("://", 1)[1].split("/", 1)[1]

    visitor = Client(app)
    assert visitor.get("/" + path).status_code == 302  # log in first
    resp = owner.get("/" + path)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    assert json.loads(zf.read("manifest.json"))["theme"]["slug"] == "zorgregio-noord"
    assert "Download" in page_text(owner.get("/t/zorgregio-noord/archive"))

    # Past its days the link is gone, and so is the file.
    key = job.stored_name
    assert storage.get().exists(key)
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    resp = owner.get("/" + path)
    assert resp.status_code == 410 and "no longer available" in page_text(resp)
    assert expire() == 1
    db.session.commit()
    assert not storage.get().exists(key)
    assert "Expired." in page_text(owner.get("/t/zorgregio-noord/archive"))


def test_only_the_owner_who_asked_may_download_while_still_owner(app, seeded):
    owner = Client(app)
    owner.login(seeded["owner"].email)
    owner.post("/t/zorgregio-noord/archive")
    build_pending(app)
    job = db.session.scalar(select(ArchiveJob))
    url = f"/t/zorgregio-noord/archive/{job.id}"
    boss = Client(app)
    boss.login(UserFactory(is_platform_owner=True).email)
    assert boss.get("/t/zorgregio-noord/archive").status_code == 200
    assert boss.get(url).status_code == 403  # not the one who asked
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == seeded["owner"].id))
    membership.role = Role.ADMIN
    db.session.commit()
    assert owner.get(url).status_code == 403  # no longer the owner


@pytest.mark.parametrize("who", ["admin", "plain", "b_owner"])
def test_admins_members_and_other_owners_are_refused(app, seeded, who):
    owner = Client(app)
    owner.login(seeded["owner"].email)
    owner.post("/t/zorgregio-noord/archive")
    build_pending(app)
    job = db.session.scalar(select(ArchiveJob))
    client = Client(app)
    client.login(seeded[who].email)
    assert client.get("/t/zorgregio-noord/archive").status_code == 403
    assert client.post("/t/zorgregio-noord/archive").status_code == 403
    assert client.get(f"/t/zorgregio-noord/archive/{job.id}").status_code == 403
    assert db.session.scalar(select(func.count(ArchiveJob.id))) == 1
    resp = owner.get("/t/zorgregio-noord-wijkzorg", follow_redirects=True)
    assert resp.status_code == 200 and "/archive" not in resp.get_data(as_text=True)


def test_a_subtheme_has_no_archive_page_of_its_own(app, seeded):
    owner = Client(app)
    owner.login(seeded["owner"].email)
    assert owner.get("/t/zorgregio-noord-wijkzorg/archive").status_code == 404


def test_a_failed_build_is_shown_and_a_new_archive_can_be_asked_for(app, seeded, monkeypatch):
    from app.archive import exporter

    def broken(*args, **kwargs):
        raise OSError("disk full")

    owner = Client(app)
    owner.login(seeded["owner"].email)
    owner.post("/t/zorgregio-noord/archive")
    monkeypatch.setattr(exporter, "write_archive", broken)
    assert build_pending(app) == 0
    job = db.session.scalar(select(ArchiveJob))
    assert job.status == ArchiveStatus.FAILED and "disk full" in job.error
    assert "Failed" in page_text(owner.get("/t/zorgregio-noord/archive"))
    monkeypatch.undo()
    owner.post("/t/zorgregio-noord/archive")
    assert build_pending(app) == 1
    assert db.session.scalar(select(func.count(ArchiveJob.id)).where(
        ArchiveJob.status == ArchiveStatus.READY)) == 1


def test_the_archive_page_speaks_dutch(app, seeded):
    seeded["owner"].locale = "nl"
    db.session.commit()
    owner = Client(app, lang="nl")
    owner.login(seeded["owner"].email)
    text = page_text(owner.get("/t/zorgregio-noord/archive"))
    assert "Archief van Zorgregio Noord" in text and "Archief maken" in text


def test_a_crafted_archive_cannot_set_a_password_or_make_a_platform_owner(app, seeded, tmp_path):
    zf = _archive(seeded["a"])
    users = json.loads(zf.read("data/user.json"))
    for u in users:
        if u["email"] == seeded["owner"].email:
            u.update(email="ingeschoven@example.org", username="Ingeschoven",
                     password_hash=_HASH, is_platform_owner=True)
    data = json.dumps(users).encode()

    def rehash(manifest):
        manifest["checksums"]["data/user.json"] = hashlib.sha256(data).hexdigest()

    target = tmp_path / "crafted.zip"
    _rezip(zf, target, {"data/user.json": data}, rehash)
    result = _cli(app, "import", str(target), "--as-slug", "ingeschoven")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ingeschoven@example.org"))
    assert user is not None and not user.is_platform_owner
    assert not user.check_password("Correct-horse-battery-9")
    resp = Client(app).post("/login", {"email": user.email,
                                       "password": "Correct-horse-battery-9"})
    assert resp.status_code != 302


@pytest.fixture
def s3_storage(app, s3_server, monkeypatch):
    from tests.test_storage import _s3

    store = _s3(s3_server)
    monkeypatch.setitem(app.extensions, "storage", store)
    return store


def test_with_object_storage_the_archive_and_its_files_go_through_s3(
        app, s3_storage, seeded, tmp_path):
    owner = Client(app)
    owner.login(seeded["owner"].email)
    owner.post("/t/zorgregio-noord/archive")
    assert build_pending(app) == 1
    job = db.session.scalar(select(ArchiveJob))
    assert s3_storage.exists(job.stored_name)
    resp = owner.get(f"/t/zorgregio-noord/archive/{job.id}")
    assert resp.status_code == 200
    path = tmp_path / "from-s3.zip"
    path.write_bytes(resp.get_data())
    zf = zipfile.ZipFile(path)
    png = next(a for a in json.loads(zf.read("data/attachment.json")) if a["filename"] == "foto.png")
    assert zf.read(f"files/{png['stored_name']}") == b"\x89PNG\r\n\x1a\nbeeld"

    restore = import_archive(path, as_slug="noord-s3")
    db.session.commit()
    new = db.session.scalar(select(Attachment).where(
        Attachment.item_id == restore.ids["item"][seeded["items"]["sub"].id]))
    with s3_storage.open(new.stored_name) as f:
        assert f.read() == b"\x89PNG\r\n\x1a\nbeeld"
