"""Restoring a theme archive (`flask theme import`): checked first, then written in the
caller's one transaction with new ids.

Every foreign key is remapped from the metadata, tables in dependency order: a reference to an
archived row gets that row's new id, a reference to a user gets the account with the same
e-mail address (an existing one is reused; a new one gets no usable password and sets one
through "forgot password"), a reference outside the archive becomes empty. Stored files are
written under new keys, "<table>:<id>" texts are rewritten, search rows are written for the
new items. The caller commits or rolls back (which also removes the files written)."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import zipfile
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Enum, Integer, LargeBinary, func, select

from app import storage
from app.archive import schema
from app.extensions import db
from app.posts.uploads import remove_on_rollback

_DATA = re.compile(r"^(data|csv)/([a-z_][a-z0-9_]{0,62})\.(json|csv)$")
_FILE = re.compile(r"^files/([A-Za-z0-9][A-Za-z0-9._-]{0,199})$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class ArchiveRefused(Exception):
    """The archive cannot be imported; the message says why."""


def _safe_member(name: str) -> bool:
    if name in ("manifest.json", "schema.json"):
        return True
    if "\\" in name or name.startswith("/") or ".." in name.split("/"):
        return False
    return bool(_DATA.match(name) or (_FILE.match(name) and ".." not in name))


def open_checked(path) -> tuple[zipfile.ZipFile, dict]:
    """The zip and its manifest, after checking names, format, version and every checksum."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveRefused(f"Not a readable zip file: {exc}")
    names = zf.namelist()
    if len(names) != len(set(names)):
        raise ArchiveRefused("Refused: the zip holds a name twice.")
    bad = [n for n in names if not _safe_member(n)]
    if bad:
        raise ArchiveRefused(f"Refused: unexpected or unsafe names in the zip: {', '.join(bad[:5])}")
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise ArchiveRefused(f"Refused: no readable manifest.json ({exc}).")
    if not isinstance(manifest, dict) or manifest.get("format") != schema.FORMAT:
        raise ArchiveRefused("Refused: manifest.json does not describe a theme archive.")
    if manifest.get("version") != schema.VERSION:
        raise ArchiveRefused(f"Refused: archive version {manifest.get('version')!r}; this "
                             f"installation reads version {schema.VERSION}.")
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict):
        raise ArchiveRefused("Refused: the manifest has no checksums.")
    members = set(zf.namelist()) - {"manifest.json"}
    if members != set(checksums):
        extra = sorted(members ^ set(checksums))
        raise ArchiveRefused(f"Refused: members and manifest differ: {', '.join(extra[:5])}")
    for name, expected in checksums.items():
        digest = hashlib.sha256()
        with zf.open(name) as member:
            for block in iter(lambda: member.read(1 << 16), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise ArchiveRefused(f"Refused: checksum mismatch for {name}.")
    return zf, manifest


def _python(column, value):
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _single_id(table) -> str | None:
    """The name of the table's own integer id (generated on insert), if it has one."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer) and not pk[0].foreign_keys:
        return pk[0].name
    return None


class Restore:
    def __init__(self, zf: zipfile.ZipFile, manifest: dict, *, as_slug: str | None = None,
                 owner_email: str | None = None):
        self.zf, self.manifest = zf, manifest
        self.as_slug, self.owner_email = as_slug, owner_email
        self.ids: dict[str, dict] = {}  # table -> old id -> new id
        self.counts: dict[str, int] = {}
        self.created_users = 0
        self.root_id: int | None = None
        # "<table>:<id>" texts that name a table written later: rewritten at the end
        self._references: dict[str, list[str]] = {}
        for table, column in schema.TEXT_REFERENCES:
            self._references.setdefault(table, []).append(column)
        self._texts: list[tuple] = []

    def _rows(self, name: str) -> list[dict]:
        entry = self.manifest["tables"].get(name)
        if not entry:
            return []
        try:
            rows = json.loads(self.zf.read(f"data/{name}.json"))
        except (KeyError, ValueError) as exc:
            raise ArchiveRefused(f"Refused: data/{name}.json is missing or unreadable ({exc}).")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ArchiveRefused(f"Refused: data/{name}.json is not a list of rows.")
        table = db.metadata.tables[name]
        unknown = {k for r in rows for k in r} - set(table.c.keys())
        if unknown:
            raise ArchiveRefused(f"Refused: {name} has columns this installation does not "
                                 f"know: {', '.join(sorted(unknown))}")
        return rows

    def run(self) -> int:
        """Write everything; returns the new top-level theme's id."""
        known = {t.name for t in schema.content_tables()} | {schema.USER_TABLE}
        unknown = set(self.manifest.get("tables", {})) - known
        if unknown:
            raise ArchiveRefused(f"Refused: tables this installation does not know: "
                                 f"{', '.join(sorted(unknown))}")
        self._users()
        for table in schema.content_tables():
            rows = self._rows(table.name)
            if rows:
                self._table(table, rows)
        for table, own_id, new_id, column, value in self._texts:
            db.session.execute(table.update().where(table.c[own_id] == new_id)
                               .values({column: self._rewrite_reference(value)}))
        if self.owner_email:
            self._appoint_owner()
        from app.search import index

        items = list(self.ids.get("item", {}).values())
        if items:
            index.write(db.session(), items)
        return self.root_id

    # ------------------------------------------------------------------ users

    def _users(self) -> None:
        from app.auth.models import User
        from app.auth.services import normalise_email

        table = db.metadata.tables[schema.USER_TABLE]
        mapping = self.ids.setdefault(schema.USER_TABLE, {})
        for row in self._rows(schema.USER_TABLE):
            email = normalise_email(row.get("email") or "")
            if not email:
                raise ArchiveRefused("Refused: a user in the archive has no e-mail address.")
            found = db.session.scalar(select(User).where(User.email == email))
            if found is None:
                values = {c.name: _python(c, row.get(c.name)) for c in table.columns
                          if c.name in row and c.name not in schema.USER_IMPORT_IGNORED
                          and f"user.{c.name}" not in schema.SECRET_COLUMNS}
                values["email"] = email
                values["username"] = self._free_username(values.get("username") or "user")
                found = User(**values)
                # No password matches this value: the person sets one with "forgot password".
                found.password_hash = "!" + secrets.token_hex(16)
                found.is_platform_owner = False
                db.session.add(found)
                db.session.flush()
                self.created_users += 1
            mapping[row["id"]] = found.id

    def _free_username(self, name: str) -> str:
        from app.auth.models import User

        candidate, n = name[:40], 1
        while db.session.scalar(select(func.count(User.id)).where(
                func.lower(User.username) == candidate.lower())):
            n += 1
            suffix = f" ({n})"
            candidate = name[:40 - len(suffix)] + suffix
        return candidate

    # ------------------------------------------------------------------ content

    def _table(self, table, rows: list[dict]) -> None:
        own_id = _single_id(table)
        mapping = self.ids.setdefault(table.name, {})
        pending = list(rows)
        inner = [fk for fk in table.foreign_keys if fk.column.table.name == table.name]
        while pending:  # rows of a self-referencing table wait for their parent row
            waiting, bulk = [], []
            unwritten = {(fk.column.name, r.get(fk.column.name)) for fk in inner for r in pending}
            for row in pending:
                if any(row.get(fk.parent.name) is not None
                       and row[fk.parent.name] not in mapping
                       and (fk.column.name, row[fk.parent.name]) in unwritten for fk in inner):
                    waiting.append(row)
                    continue
                values = self._values(table, row)
                if own_id:
                    new_id = db.session.execute(table.insert().values(**values)
                                                .returning(table.c[own_id])).scalar_one()
                    mapping[row[own_id]] = new_id
                    for column_name in self._references.get(table.name, ()):
                        if row.get(column_name) and values[column_name] == row[column_name]:
                            self._texts.append((table, own_id, new_id, column_name,
                                                row[column_name]))
                    if table.name == schema.ROOT_TABLE and row.get("parent_id") is None \
                            and self.root_id is None:
                        self.root_id = new_id
                else:
                    bulk.append(values)
            if bulk:
                db.session.execute(table.insert(), bulk)
            if len(waiting) == len(pending):
                raise ArchiveRefused(f"Refused: rows of {table.name} refer to each other in a "
                                     "circle.")
            pending = waiting
        self.counts[table.name] = len(rows)

    def _values(self, table, row: dict) -> dict:
        own_id = _single_id(table)
        values = {}
        for column in table.columns:
            if column.name == own_id or column.name not in row \
                    or f"{table.name}.{column.name}" in schema.SECRET_COLUMNS:
                continue
            value = _python(column, row[column.name])
            for fk in column.foreign_keys:
                if value is None:
                    break
                target = self.ids.get(fk.column.table.name, {})
                if value in target:
                    value = target[value]
                elif column.nullable:
                    value = None  # a row outside the archive (the top theme's parent)
                else:
                    raise ArchiveRefused(f"Refused: {table.name}.{column.name} = {value} names "
                                         f"a {fk.column.table.name} row the archive lacks.")
            if value is not None and (table.name, column.name) in schema.TEXT_REFERENCES:
                value = self._rewrite_reference(value)  # later when it names a later table
            if value is not None and (table.name, column.name) in schema.STORED_FILES:
                value = self._copy_file(value)
            values[column.name] = value
        if table.name == schema.ROOT_TABLE:
            values["slug"] = self._slug(row)
        return values

    def _rewrite_reference(self, value: str) -> str:
        kind, _, old = value.partition(":")
        if old.isdigit() and int(old) in self.ids.get(kind, {}):
            return f"{kind}:{self.ids[kind][int(old)]}"
        return value

    def _copy_file(self, key: str) -> str:
        """The file's new storage key; a key named by several columns (a file's newest version
        and that version's row) is copied once and shares its new key."""
        copied = self.__dict__.setdefault("_copied", {})
        if key in copied:
            return copied[key]
        member = f"files/{key}"
        if member not in self.manifest.get("files", {}):
            raise ArchiveRefused(f"Refused: the file {key} is named but not in the archive.")
        suffix = key.rsplit(".", 1)[1] if "." in key else ""
        new_key = secrets.token_hex(16) + (f".{suffix}" if re.fullmatch(r"[a-z0-9]{1,10}", suffix)
                                           else "")
        with self.zf.open(member) as source:
            storage.get().put(new_key, source)
        remove_on_rollback(new_key)
        copied[key] = new_key
        return new_key

    def _slug(self, row: dict) -> str:
        from app.themes.models import Theme

        old_root = self.manifest["theme"]["slug"]
        slug = row["slug"]
        is_root = row.get("parent_id") is None
        if self.as_slug:
            if is_root:
                slug = self.as_slug
            elif slug.startswith(old_root):
                slug = (self.as_slug + slug[len(old_root):])[:80]
        taken = db.session.scalar(select(func.count(Theme.id)).where(Theme.slug == slug))
        if taken and is_root:
            raise ArchiveRefused(f"Refused: the web address {slug} is in use here; choose "
                                 "another with --as-slug.")
        base, n = slug[:74], 1
        while taken:
            n += 1
            slug = f"{base}-{n}"
            taken = db.session.scalar(select(func.count(Theme.id)).where(Theme.slug == slug))
        return slug

    def _appoint_owner(self) -> None:
        from app.auth.services import find_user_by_email
        from app.themes.models import Theme
        from app.themes.services import appoint_owner

        user = find_user_by_email(self.owner_email)
        if user is None:
            raise ArchiveRefused(f"Refused: no account has the address {self.owner_email}.")
        db.session.expire_all()
        appoint_owner(db.session.get(Theme, self.root_id), user)


def import_archive(path, *, as_slug: str | None = None, owner_email: str | None = None) -> Restore:
    """Check and restore the archive at `path` in the current transaction (the caller commits;
    a rollback also removes the files written); ArchiveRefused says why it cannot."""
    if as_slug is not None and not _SLUG.match(as_slug):
        raise ArchiveRefused("Refused: --as-slug takes lowercase letters, digits and hyphens.")
    zf, manifest = open_checked(path)
    restore = Restore(zf, manifest, as_slug=as_slug, owner_email=owner_email)
    restore.run()
    return restore
