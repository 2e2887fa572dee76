"""Writing a top-level theme's archive: a zip of JSON per table (data/), CSV per table for
spreadsheets (csv/), the stored files (files/), schema.json and manifest.json (format, version,
counts and the SHA-256 of every other member). docs/archive-format.md describes it."""
from __future__ import annotations

import base64
import csv
import decimal
import enum
import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from typing import Callable

from sqlalchemy import select

from app import storage
from app.archive import schema
from app.extensions import db
from app.timeutil import utcnow

CHUNK = 500  # ids per IN (…) when following foreign keys
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def json_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a string that starts like a formula gets
    a leading apostrophe (numbers stay numbers)."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def _chunks(values, size=CHUNK):
    values = sorted(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def collect(root_id: int) -> dict[str, list[dict]]:
    """Every archived row of the theme `root_id` and its subthemes, per table (parents before
    children), and the users those rows name under "user"."""
    rows: dict[str, list[dict]] = {}
    # values of referenced columns among the collected rows: (table, column) -> set
    held: dict[tuple[str, str], set] = {}

    def hold(table, found):
        for column in {fk.column.name for t in schema.content_tables() for fk in t.foreign_keys
                       if fk.column.table.name == table.name}:
            held.setdefault((table.name, column), set()).update(r[column] for r in found)

    for table in schema.content_tables():
        columns = [table.c[c.name] for c in schema.exported_columns(table)]
        keys = schema.owner_keys(table)
        pk = [c.name for c in table.primary_key.columns]
        got: dict[tuple, dict] = {}

        def belongs(row) -> bool:
            return all(row[fk.parent.name] is None
                       or row[fk.parent.name] in held.get((fk.column.table.name, fk.column.name), ())
                       for fk in keys)

        if table.name == schema.ROOT_TABLE:
            seed = db.session.execute(select(*columns).where(table.c.id == root_id)).mappings()
            new = [dict(r) for r in seed]
        else:
            new = []
            for fk in keys:
                if fk.column.table.name == table.name:
                    continue
                parents = held.get((fk.column.table.name, fk.column.name), set())
                for chunk in _chunks(parents):
                    found = db.session.execute(select(*columns)
                                               .where(fk.parent.in_(chunk))).mappings()
                    new.extend(dict(r) for r in found)
        while new:  # self-referencing tables (subthemes) grow until nothing new hangs below
            fresh = []
            for row in new:
                key = tuple(row[c] for c in pk)
                if key not in got and belongs(row):
                    got[key] = row
                    fresh.append(row)
            hold(table, fresh)
            new = []
            for fk in keys:
                if fk.column.table.name != table.name or not fresh:
                    continue
                ids = {r[fk.column.name] for r in fresh}
                for chunk in _chunks(ids):
                    found = db.session.execute(select(*columns)
                                               .where(fk.parent.in_(chunk))).mappings()
                    new.extend(dict(r) for r in found)
        rows[table.name] = sorted(got.values(), key=lambda r: tuple(r[c] for c in pk))

    user_ids = set()
    for table in schema.content_tables():
        for column in schema.user_columns(table):
            user_ids.update(r[column] for r in rows[table.name] if r[column] is not None)
    user = db.metadata.tables[schema.USER_TABLE]
    columns = [user.c[c.name] for c in schema.exported_columns(user)]
    users = []
    for chunk in _chunks(user_ids):
        users.extend(dict(r) for r in db.session.execute(select(*columns)
                                                         .where(user.c.id.in_(chunk))).mappings())
    rows[schema.USER_TABLE] = sorted(users, key=lambda r: r["id"])
    return rows


def stored_keys(rows: dict[str, list[dict]]) -> list[str]:
    keys = set()
    for table, column in schema.STORED_FILES:
        keys.update(r[column] for r in rows.get(table, ()) if r.get(column))
    return sorted(keys)


def _csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets read UTF-8


def write_archive(root, target, progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the archive of the top-level theme `root` into the binary file `target`;
    returns the manifest. `progress(done, total)` is called as rows and files are written."""
    rows = collect(root.id)
    files = stored_keys(rows)
    total = sum(len(r) for r in rows.values()) + len(files)
    done = 0
    checksums: dict[str, str] = {}
    tables: dict[str, dict] = {}
    file_entries: dict[str, dict] = {}
    missing: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def put(name: str, data: bytes) -> None:
            checksums[name] = hashlib.sha256(data).hexdigest()
            zf.writestr(name, data)

        put("schema.json", json.dumps(schema.describe(), indent=1).encode())
        for name, table_rows in rows.items():
            table = db.metadata.tables[name]
            columns = [c.name for c in schema.exported_columns(table)]
            data = [{c: json_value(r[c]) for c in columns} for r in table_rows]
            put(f"data/{name}.json", json.dumps(data, ensure_ascii=False, indent=1).encode())
            put(f"csv/{name}.csv", _csv_bytes(columns, table_rows))
            tables[name] = {"rows": len(data), "data": f"data/{name}.json",
                            "csv": f"csv/{name}.csv"}
            done += len(data)
            if progress:
                progress(done, total)
        store = storage.get()
        for n, key in enumerate(files, 1):
            member = f"files/{key}"
            digest, size = hashlib.sha256(), 0
            try:
                source = store.open(key)
            except FileNotFoundError:
                missing.append(key)
                continue
            with source, zf.open(member, "w") as out:
                for block in iter(lambda: source.read(1 << 16), b""):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            checksums[member] = digest.hexdigest()
            file_entries[member] = {"size": size}
            if progress and (n % 20 == 0 or n == len(files)):
                progress(done + n, total)
        manifest = {
            "format": schema.FORMAT, "version": schema.VERSION,
            "created_at": utcnow().isoformat(),
            "theme": {"id": root.id, "slug": root.slug, "name": root.name},
            "tables": tables, "files": file_entries, "missing_files": missing,
            "checksums": checksums,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest
