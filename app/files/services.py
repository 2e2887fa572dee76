"""Rules of files and folders: uploading (with versions, limits and the theme's quota),
folders, renaming, moving, access and its inheritance, the bin, listings and zips.

Every read goes through app.permissions.visible_items_clause (the one policy); an item's
effective access is stored on it (see app/files/models.py), so inheriting costs nothing when
reading. Services flush, never commit.
"""
from __future__ import annotations

import io
import logging
import re
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.orm import joinedload, selectinload

from app import images, storage
from app.errors import DomainError
from app.extensions import db
from app.files.models import File, FileVersion, Folder, TextState, ThemeStorage
from app.items.kinds import ItemKind
from app.items.models import (Item, ItemState, Part, ReadAccess, WriteAccess, item_reader,
                              item_writer, read_access_for)
from app.permissions import (bin_items_clause, can_add_files, can_change_readers,
                             can_edit_item, can_moderate_item, can_restore_item,
                             may_write_in_part, needs_approval, viewer_for,
                             visible_items_clause)
from app.posts import uploads
from app.search.index import touch
from app.themes.models import Theme, WorkgroupType
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)

NAME_MAX = 200
# Never served as what they are: a browser would run them (scripts in HTML or SVG).
NEVER_INLINE = {"html", "htm", "xhtml", "xht", "svg", "svgz", "xml", "js", "mjs", "xsl"}
# Types whose text the extraction job reads for search.
TEXT_TYPES = {"txt", "csv", "docx", "odt", "pdf"}
THUMBNAIL_BOX = (480, 480)
THUMBNAIL_MAX_PIXELS = 50_000_000  # larger images get an icon, not a thumbnail


class FilesError(DomainError):
    """A rule was broken; the message names the problem. `status`: 413 for a file over the
    size limit, 422 otherwise."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message, field=field)
        self.status = status


# ------------------------------------------------------------------------- names and types

def clean_name(name: str) -> str:
    """A name as shown: no folder part, no control characters, whitespace collapsed."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split())[:NAME_MAX].strip(" .")


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def download_name(name: str) -> str:
    """A file name safe on every system for a download (the shown name is never trusted)."""
    ext = extension(name)
    base = uploads.safe_filename(name.rsplit(".", 1)[0] if ext else name)
    return f"{base}.{ext}" if ext and re.fullmatch(r"[a-z0-9]{1,10}", ext) else base


def allowed_extensions() -> set[str]:
    configured = current_app.config.get("FILES_ALLOWED_EXTENSIONS")
    return {e.lower().lstrip(".") for e in configured} if configured else set(
        uploads.allowed_types())


def served_type(ext: str) -> str:
    """The content type a file of this extension is served with: never one a browser would
    run (HTML, SVG, scripts), whatever was uploaded."""
    if ext in NEVER_INLINE:
        return "application/octet-stream"
    return uploads.DEFAULT_ALLOWED.get(ext, "application/octet-stream")


def limits() -> dict:
    """What the upload form states before anything is sent."""
    return {"max_bytes": current_app.config["FILES_MAX_BYTES"],
            "max_size": uploads.human_size(current_app.config["FILES_MAX_BYTES"]),
            "max_files": current_app.config["FILES_MAX_PER_UPLOAD"],
            "request_size": uploads.human_size(current_app.config["MAX_CONTENT_LENGTH"] or 0),
            "types": sorted(allowed_extensions())}


# ------------------------------------------------------------------------- quota

def storage_row(theme_id: int) -> ThemeStorage:
    """The theme's quota row (made on first use)."""
    row = db.session.get(ThemeStorage, theme_id)
    if row is None:
        insert_once(ThemeStorage(theme_id=theme_id, bytes_used=0))
        row = db.session.get(ThemeStorage, theme_id)
    return row


def quota_bytes(row: ThemeStorage | None) -> int:
    mb = row.quota_mb if row is not None and row.quota_mb is not None else \
        current_app.config["THEME_QUOTA_MB"]
    return int(mb) * 1024 * 1024


@dataclass
class Usage:
    used: int
    allowed: int
    quota_mb: int | None  # set by the platform owner (None: the default)

    @property
    def used_text(self) -> str:
        return uploads.human_size(self.used)

    @property
    def allowed_text(self) -> str:
        return uploads.human_size(self.allowed)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.allowed)) if self.allowed else 100


def usage(theme: Theme) -> Usage:
    row = db.session.get(ThemeStorage, theme.id)
    return Usage(used=row.bytes_used if row else 0, allowed=quota_bytes(row),
                 quota_mb=row.quota_mb if row else None)


def set_quota(theme: Theme, quota_mb: int | None) -> None:
    if quota_mb is not None and not 0 <= quota_mb <= 10_000_000:
        raise FilesError(_("Give a quota between 0 and 10000000 MB, or leave it empty."),
                         field="quota_mb")
    storage_row(theme.id).quota_mb = quota_mb
    db.session.flush()


def _claim(theme: Theme, size: int) -> None:
    """Count `size` more bytes for the theme, or refuse (naming the numbers) when that would
    pass its quota. One conditional UPDATE: two uploads at once cannot both slip under it."""
    row = storage_row(theme.id)
    limit = func.coalesce(ThemeStorage.quota_mb, current_app.config["THEME_QUOTA_MB"]) \
        * 1024 * 1024
    done = db.session.execute(
        update(ThemeStorage).where(ThemeStorage.theme_id == theme.id,
                                   ThemeStorage.bytes_used + size <= limit)
        .values(bytes_used=ThemeStorage.bytes_used + size)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(row)
    if done != 1:
        now = usage(theme)
        raise FilesError(_("There is no room for this upload: it needs %(size)s, and "
                           "%(theme)s uses %(used)s of its %(allowed)s.",
                           size=uploads.human_size(size), theme=theme.name,
                           used=now.used_text, allowed=now.allowed_text), field="files")


def _release(sizes_by_theme: dict[int, int]) -> None:
    for theme_id, size in sizes_by_theme.items():
        if size:
            db.session.execute(
                update(ThemeStorage).where(ThemeStorage.theme_id == theme_id)
                .values(bytes_used=func.max(ThemeStorage.bytes_used - size, 0)
                        if db.engine.dialect.name == "sqlite" else
                        func.greatest(ThemeStorage.bytes_used - size, 0))
                .execution_options(synchronize_session=False))


# ------------------------------------------------------------------------- access

@dataclass
class Access:
    """What an item's access is made of (stored on its item row)."""

    part: Part
    readers: list = field(default_factory=list)
    write_access: WriteAccess = WriteAccess.AUTHOR
    writers: list = field(default_factory=list)


READ_CHOICES = ("public", "members", "chosen")


def read_choices(theme: Theme) -> list[str]:
    """Who may read, as the theme's type allows: everyone (not in a closed theme), the
    members (not in a half-open theme, which has no members-only part), chosen people."""
    if theme.workgroup_type == WorkgroupType.HALF_OPEN:
        return ["public", "chosen"]
    if theme.workgroup_type == WorkgroupType.CLOSED:
        return ["members", "chosen"]
    return list(READ_CHOICES)


def read_choice(item: Item) -> str:
    if item.read_access == ReadAccess.CHOSEN:
        return "chosen"
    return "public" if item.read_access == ReadAccess.PUBLIC else "members"


def top_level_access(theme: Theme, user) -> Access:
    """What the theme's top level gives what inherits from it: its members-only part where
    the person may write there, else its public part; writing by the author."""
    if theme.workgroup_type == WorkgroupType.HALF_OPEN:
        part = Part.PUBLIC
    elif theme.workgroup_type == WorkgroupType.CLOSED:
        part = Part.CLOSED
    else:
        part = Part.CLOSED if may_write_in_part(theme, Part.CLOSED, user) else Part.PUBLIC
    return Access(part=part)


def access_of(item: Item) -> Access:
    return Access(part=item.part, readers=list(item.readers),
                  write_access=item.write_access, writers=list(item.writers))


def _apply(item: Item, access: Access) -> None:
    item.part = access.part
    item.readers = list(access.readers)
    item.read_access = read_access_for(access.part, bool(access.readers))
    item.write_access = access.write_access
    item.writers = list(access.writers)


def _inherited(theme: Theme, folder_item: Item | None, user) -> Access:
    return access_of(folder_item) if folder_item is not None else top_level_access(theme, user)


def choose_access(theme: Theme, actor, read: str, reader_ids, write: str,
                  writer_ids) -> Access:
    """An item's own access from a form: checked against the theme's type and member list."""
    from app.themes.services import theme_members

    if read not in read_choices(theme):
        raise FilesError(_("Choose who may read it."), field="read")
    try:
        write_access = WriteAccess(write)
    except ValueError:
        raise FilesError(_("Choose who may change it."), field="write") from None
    wanted = {int(i) for i in (reader_ids or [])} | {int(i) for i in (writer_ids or [])}
    members = {m.user_id: m.user for m in theme_members(theme, among=wanted)} if wanted else {}
    if any(i not in members for i in wanted):
        raise FilesError(_("Choose people from this theme's member list."), field="readers")
    readers = [members[i] for i in dict.fromkeys(int(i) for i in reader_ids or [])]
    writers = [members[i] for i in dict.fromkeys(int(i) for i in writer_ids or [])]
    if read == "chosen" and not readers:
        raise FilesError(_("Choose at least one reader, or another choice."), field="readers")
    if write_access == WriteAccess.CHOSEN and not writers:
        raise FilesError(_("Choose at least one writer, or another choice."), field="writers")
    if read == "chosen":
        part = Part.PUBLIC if theme.workgroup_type == WorkgroupType.HALF_OPEN else Part.CLOSED
    else:
        part = Part.PUBLIC if read == "public" else Part.CLOSED
        readers = []
    if write_access != WriteAccess.CHOSEN:
        writers = []
    return Access(part=part, readers=readers, write_access=write_access, writers=writers)


def _apply_by(actor, item: Item, access: Access) -> None:
    """Give the item this access on `actor`'s behalf: a published item that a member (not an
    admin) brings into the theme's public part waits for an admin again, as a new upload
    there would."""
    was_public = item.part == Part.PUBLIC
    _apply(item, access)
    if (not was_public and item.part == Part.PUBLIC and item.state == ItemState.PUBLISHED
            and needs_approval(item.theme, Part.PUBLIC, actor)):
        item.state = ItemState.PENDING


def propagate_access(actor, folder: Folder) -> int:
    """Copy the folder's access to everything below it that inherits (level by level, a few
    queries per level), on `actor`'s behalf; returns how many items changed."""
    changed = 0
    frontier = {folder.item_id: access_of(folder.item)}
    while frontier:
        ids = list(frontier)
        next_frontier = {}
        for model, parent_col in ((Folder, Folder.parent_id), (File, File.folder_id)):
            rows = db.session.execute(
                select(model, Item).join(Item, Item.id == model.item_id)
                .where(parent_col.in_(ids), model.inherits_access.is_(True),
                       Item.state != ItemState.DELETED)
                .options(selectinload(Item.readers), selectinload(Item.writers))).all()
            for row, item in rows:
                parent = row.parent_id if model is Folder else row.folder_id
                _apply_by(actor, item, frontier[parent])
                changed += 1
                if model is Folder:
                    next_frontier[row.item_id] = frontier[parent]
        frontier = next_frontier
    db.session.flush()
    return changed


# ------------------------------------------------------------------------- folders

def _check_name(name: str) -> str:
    cleaned = clean_name(name)
    if not cleaned:
        raise FilesError(_("Give it a name."), field="name")
    return cleaned


def create_folder(actor, theme: Theme, parent: Folder | None, name: str) -> Folder:
    parent_item = parent.item if parent is not None else None
    if not can_add_files(theme, parent_item, actor):
        raise FilesError(_("You cannot add folders here."), field="name")
    name = _check_name(name)
    access = _inherited(theme, parent_item, actor)
    now = utcnow()
    pending = needs_approval(theme, access.part, actor)
    item = Item(kind=ItemKind.FOLDER, theme_id=theme.id, author=actor, title=name, body="",
                body_html="", state=ItemState.PENDING if pending else ItemState.PUBLISHED,
                part=access.part, read_access=ReadAccess.PUBLIC, created_at=now,
                published_at=None if pending else now, last_activity_at=now)
    _apply(item, access)
    folder = Folder(item=item, parent_id=parent.item_id if parent else None,
                    inherits_access=True)
    db.session.add_all([item, folder])
    db.session.flush()
    return folder


# ------------------------------------------------------------------------- uploads

def _size(f) -> int:
    f.stream.seek(0, 2)
    size = f.stream.tell()
    f.stream.seek(0)
    return size


def check_upload(files) -> list[tuple]:
    """(file, shown name, extension, size) of each upload, all checked before anything is
    stored; FilesError names the first problem and the limit."""
    files = [f for f in files or [] if f and f.filename]
    config = current_app.config
    if not files:
        raise FilesError(_("Choose one or more files."), field="files")
    if len(files) > config["FILES_MAX_PER_UPLOAD"]:
        raise FilesError(_("Upload at most %(n)d files at once.",
                           n=config["FILES_MAX_PER_UPLOAD"]), field="files")
    allowed = allowed_extensions()
    checked = []
    for f in files:
        name = clean_name(f.filename)
        ext = extension(name)
        shown = (name or f.filename or "?")[:80]
        if ext not in allowed:
            raise FilesError(_("%(name)s: this type of file is not accepted. Accepted: "
                               "%(types)s.", name=shown, types=", ".join(sorted(allowed))),
                             field="files")
        size = _size(f)
        if size > config["FILES_MAX_BYTES"]:
            raise FilesError(_("%(name)s is %(size)s; the limit is %(limit)s per file.",
                               name=shown, size=uploads.human_size(size),
                               limit=uploads.human_size(config["FILES_MAX_BYTES"])),
                             field="files", status=413)
        if size == 0:
            raise FilesError(_("%(name)s is empty.", name=shown), field="files")
        if ext in uploads.IMAGE_SIGNATURES:
            head = f.stream.read(16)
            f.stream.seek(0)
            if not any(head.startswith(s) for s in uploads.IMAGE_SIGNATURES[ext]) or (
                    ext == "webp" and head[8:12] != b"WEBP"):
                raise FilesError(_("%(name)s is not a real %(ext)s image.", name=shown,
                                   ext=ext.upper()), field="files")
        checked.append((f, name, ext, size))
    return checked


def _put(stream, ext: str) -> str:
    stored_name = secrets.token_hex(16) + "." + ext
    stream.seek(0)
    storage.get().put(stored_name, stream)
    uploads.written(stored_name)  # gone again if the transaction rolls back
    return stored_name


def make_thumbnail(stream) -> bytes | None:
    """A small JPEG of an image, upright and without metadata, made by the one image rule
    (app/images.py); None (the icon is shown) for an image that rule refuses, such as one over
    THUMBNAIL_MAX_PIXELS or one that is damaged."""
    try:
        stream.seek(0)
        return images.clean_upload(stream, max_bytes=current_app.config["FILES_MAX_BYTES"],
                                   max_pixels=THUMBNAIL_MAX_PIXELS, box=THUMBNAIL_BOX,
                                   output="JPEG").data
    except images.ImageRefused:
        return None
    finally:
        stream.seek(0)


def _thumbnail(stream, ext: str) -> str | None:
    if ext not in uploads.IMAGE_SIGNATURES:
        return None
    data = make_thumbnail(stream)
    if data is None:
        return None
    return _put(io.BytesIO(data), "jpg")


def _same_name(theme: Theme, folder: Folder | None, name: str, viewer):
    """The file of this name in this folder that the uploader may see, if any."""
    return db.session.scalar(
        select(File).join(Item, Item.id == File.item_id)
        .where(Item.theme_id == theme.id, Item.kind == ItemKind.FILE,
               File.folder_id == folder.item_id if folder else File.folder_id.is_(None),
               File.name_key == name.lower(), visible_items_clause(viewer))
        .options(selectinload(File.item).selectinload(Item.writers)).limit(1))


def upload(actor, theme: Theme, folder: Folder | None, files) -> list[File]:
    """Store the uploads in the folder (or the theme's top level). A name already there adds
    a version to that file. All or nothing: a refused file stores none."""
    folder_item = folder.item if folder is not None else None
    if not can_add_files(theme, folder_item, actor):
        raise FilesError(_("You cannot add files here."), field="files")
    checked = check_upload(files)
    _claim(theme, sum(size for *_rest, size in checked))
    viewer = viewer_for(actor)
    access = _inherited(theme, folder_item, actor)
    now = utcnow()
    result = []
    for f, name, ext, size in checked:
        existing = _same_name(theme, folder, name, viewer)
        if existing is not None and not can_edit_item(existing.item, actor):
            raise FilesError(_("%(name)s is already here and you may not change it: give "
                               "your file another name.", name=name[:80]), field="files")
        thumb = _thumbnail(f.stream, ext)  # first: an object store's upload closes the stream
        stored_name = _put(f.stream, ext)
        version = FileVersion(stored_name=stored_name, filename=name, size=size,
                              content_type=served_type(ext), uploader=actor, created_at=now)
        text_state = TextState.PENDING if ext in TEXT_TYPES else TextState.NONE
        if existing is None:
            pending = needs_approval(theme, access.part, actor)
            item = Item(kind=ItemKind.FILE, theme_id=theme.id, author=actor, title=name,
                        body="", body_html="", part=access.part, read_access=ReadAccess.PUBLIC,
                        state=ItemState.PENDING if pending else ItemState.PUBLISHED,
                        created_at=now, published_at=None if pending else now,
                        last_activity_at=now)
            _apply(item, access)
            file = File(item=item, folder_id=folder.item_id if folder else None,
                        inherits_access=True, name_key=name.lower(), stored_name=stored_name,
                        content_type=version.content_type, size=size, version_count=1,
                        thumbnail_name=thumb, text_state=text_state)
            version.number = 1
            file.versions.append(version)
            db.session.add_all([item, file])
        else:
            file = existing
            version.number = file.version_count + 1
            file.versions.append(version)
            if file.thumbnail_name:
                uploads.remove_after_commit(file.thumbnail_name)
            file.version_count += 1
            file.stored_name, file.size = stored_name, size
            file.content_type, file.thumbnail_name = version.content_type, thumb
            file.text, file.text_state = None, text_state
            file.item.updated_at = file.item.last_activity_at = now
            if (file.item.state == ItemState.PUBLISHED and not can_moderate_item(file.item, actor)
                    and needs_approval(theme, file.item.part, actor)):
                file.item.state = ItemState.PENDING  # new content is checked again
        db.session.flush()
        result.append(file)
    return result


# ------------------------------------------------------------------------- loading

def load_folder(item_id: int, *, write: bool = False) -> Folder:
    from app.permissions import load_item

    item = load_item(item_id, ItemKind.FOLDER, write=write)
    return db.session.get(Folder, item.id)


def load_file(item_id: int, *, write: bool = False) -> File:
    from app.permissions import load_item

    item = load_item(item_id, ItemKind.FILE, write=write)
    return db.session.get(File, item.id)


def breadcrumbs(folder_id: int | None) -> list[Item]:
    """The folders from the top level down to this one that the viewer may see (one query)."""
    if folder_id is None:
        return []
    chain = (select(Folder.item_id.label("id"), Folder.parent_id.label("parent_id"),
                    literal(0).label("depth"))
             .where(Folder.item_id == folder_id).cte("folder_chain", recursive=True))
    chain = chain.union_all(select(Folder.item_id, Folder.parent_id, chain.c.depth + 1)
                            .where(Folder.item_id == chain.c.parent_id))
    return list(db.session.scalars(
        select(Item).join(chain, chain.c.id == Item.id)
        .where(visible_items_clause(viewer_for())).order_by(chain.c.depth.desc())))


SORTS = ("name", "date", "size")


@dataclass
class Listing:
    folders: list  # (Folder, Item)
    files: list  # (File, Item)
    sort: str


def listing(theme: Theme, folder: Folder | None, sort: str = "name") -> Listing:
    """The folders and files directly in a folder (or the theme's top level) that the viewer
    may see: two queries whatever their number."""
    viewer = viewer_for()
    sort = sort if sort in SORTS else "name"
    name_order = (func.lower(Item.title), Item.id)
    where = [Item.theme_id == theme.id, visible_items_clause(viewer, in_theme=theme)]
    folder_where = Folder.parent_id == folder.item_id if folder else Folder.parent_id.is_(None)
    file_where = File.folder_id == folder.item_id if folder else File.folder_id.is_(None)
    folder_order = (Item.created_at.desc(), Item.id.desc()) if sort == "date" else name_order
    file_order = {"name": name_order,
                  "date": (Item.last_activity_at.desc(), Item.id.desc()),
                  "size": (File.size.desc(), Item.id)}[sort]
    folders = db.session.execute(
        select(Folder, Item).join(Item, Item.id == Folder.item_id)
        .where(folder_where, *where).order_by(*folder_order)).all()
    files = db.session.execute(
        select(File, Item).join(Item, Item.id == File.item_id)
        .where(file_where, *where).options(joinedload(Item.author))
        .order_by(*file_order)).all()
    return Listing(folders=list(folders), files=list(files), sort=sort)


def folder_choices(theme: Theme, moving: Item | None = None) -> list[tuple[int, str]]:
    """(id, path) of the folders of the theme the viewer may put things into, without the
    moved folder and what lies below it."""
    viewer = viewer_for()
    rows = db.session.execute(
        select(Folder, Item).join(Item, Item.id == Folder.item_id)
        .where(Item.theme_id == theme.id, visible_items_clause(viewer, in_theme=theme))
        .options(selectinload(Item.writers))).all()
    by_id = {f.item_id: (f, item) for f, item in rows}
    excluded = set(subtree_folder_ids(moving.id)) if moving is not None and \
        moving.kind == ItemKind.FOLDER else set()

    def path(fid, seen=()):
        f, item = by_id[fid]
        if f.parent_id in by_id and f.parent_id not in seen:
            return path(f.parent_id, seen + (fid,)) + " / " + item.title
        return item.title

    result = [(fid, path(fid)) for fid, (f, item) in by_id.items()
              if fid not in excluded and can_edit_item(item)]
    return sorted(result, key=lambda r: r[1].lower())


# ------------------------------------------------------------------------- changes

def subtree_folder_ids(folder_id: int) -> list[int]:
    """The folder and every folder below it, whatever their state (one query)."""
    tree = (select(Folder.item_id.label("id")).where(Folder.item_id == folder_id)
            .cte("folder_tree", recursive=True))
    tree = tree.union_all(select(Folder.item_id).where(Folder.parent_id == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


def rename(actor, item: Item, name: str) -> None:
    name = _check_name(name)
    if item.kind == ItemKind.FILE:  # the type stays what was uploaded
        old_ext = extension(item.title)
        if extension(name) != old_ext and old_ext:
            name = f"{name}.{old_ext}"[:NAME_MAX]
        db.session.get(File, item.id).name_key = name.lower()
    item.title = name
    item.updated_at = utcnow()


def move(actor, item: Item, target: Folder | None) -> None:
    """Put a folder or file into another folder of the theme (or the top level); what
    inherits takes the new folder's access."""
    row = db.session.get(Folder if item.kind == ItemKind.FOLDER else File, item.id)
    current = row.parent_id if item.kind == ItemKind.FOLDER else row.folder_id
    target_id = target.item_id if target is not None else None
    if target_id == current:
        return
    if target is not None:
        if target.item.theme_id != item.theme_id:
            raise FilesError(_("Choose a folder of this theme."), field="folder")
        if item.kind == ItemKind.FOLDER and target_id in subtree_folder_ids(item.id):
            raise FilesError(_("A folder cannot go into itself."), field="folder")
    if not can_add_files(item.theme, target.item if target else None, actor):
        raise FilesError(_("You cannot put things into that folder."), field="folder")
    new_access = None
    if row.inherits_access:
        new_access = _inherited(item.theme, target.item if target else None, item.author or actor)
        readers_now = (item.part, item.read_access, {u.id for u in item.readers})
        readers_then = (new_access.part, read_access_for(new_access.part, bool(new_access.readers)),
                        {u.id for u in new_access.readers})
        if readers_now != readers_then and not can_change_readers(item, actor):
            raise FilesError(_("Only the owner and the admins may move it where other people "
                               "read it."), field="folder")
    if item.kind == ItemKind.FOLDER:
        row.parent_id = target_id
    else:
        row.folder_id = target_id
    item.updated_at = utcnow()
    if new_access is not None:
        _apply_by(actor, item, new_access)
        db.session.flush()
        if item.kind == ItemKind.FOLDER:
            propagate_access(actor, row)


def set_access(actor, item: Item, inherit: bool, access: Access | None) -> None:
    """Inherit the folder's access, or set the item's own; what inherits below a folder
    follows in the same transaction."""
    if not can_change_readers(item, actor):
        raise FilesError(_("Only the owner and the admins change who may read or change it."),
                         field="read")
    row = db.session.get(Folder if item.kind == ItemKind.FOLDER else File, item.id)
    parent_id = row.parent_id if item.kind == ItemKind.FOLDER else row.folder_id
    parent = db.session.get(Item, parent_id) if parent_id else None
    row.inherits_access = inherit
    new = _inherited(item.theme, parent, item.author or actor) if inherit else access
    if not may_write_in_part(item.theme, new.part, actor) and not can_moderate_item(item, actor):
        raise FilesError(_("You cannot place it in that part of the theme."), field="read")
    _apply_by(actor, item, new)
    item.updated_at = utcnow()
    db.session.flush()
    if item.kind == ItemKind.FOLDER:
        propagate_access(actor, row)


def delete_to_bin(actor, item: Item) -> int:
    """Put a file or folder (with everything in it) in the bin; returns how many items."""
    now = utcnow()
    if item.kind == ItemKind.FOLDER:
        folder_ids = subtree_folder_ids(item.id)
        file_ids = list(db.session.scalars(
            select(File.item_id).join(Item, Item.id == File.item_id)
            .where(File.folder_id.in_(folder_ids), Item.state != ItemState.DELETED)))
        live_folders = list(db.session.scalars(
            select(Item.id).where(Item.id.in_(folder_ids), Item.state != ItemState.DELETED)))
    else:
        folder_ids, file_ids, live_folders = [], [item.id], []
    ids = live_folders + file_ids
    for model, these in ((Folder, live_folders), (File, file_ids)):
        if these:
            db.session.execute(
                update(model).where(model.item_id.in_(these))
                .values(deleted_at=now, deleted_by_id=actor.id,
                        deleted_with_id=case((model.item_id == item.id, None),
                                             else_=item.id))
                .execution_options(synchronize_session=False))
    db.session.execute(update(Item).where(Item.id.in_(ids))
                       .values(state=ItemState.DELETED, updated_at=now)
                       .execution_options(synchronize_session=False))
    for i in ids:
        touch(i)
    db.session.expire_all()
    return len(ids)


@dataclass
class BinEntry:
    item: Item
    row: object  # Folder or File
    purge_on: object


def bin_entries(theme: Theme) -> list[BinEntry]:
    """What the viewer may restore from the theme's bin, newest deletion first (two
    queries)."""
    viewer = viewer_for()
    days = current_app.config["FILES_BIN_DAYS"]
    entries = []
    for model in (Folder, File):
        rows = db.session.execute(
            select(model, Item).join(Item, Item.id == model.item_id)
            .where(Item.theme_id == theme.id, model.deleted_with_id.is_(None),
                   bin_items_clause(viewer))
            .options(joinedload(model.deleted_by))).all()
        entries += [BinEntry(item=item, row=row, purge_on=row.deleted_at + timedelta(days=days))
                    for row, item in rows]
    return sorted(entries, key=lambda e: e.row.deleted_at, reverse=True)


def load_deleted(item_id: int) -> Item:
    """A deleted file or folder the viewer may restore: 404 otherwise."""
    from flask import abort

    item = db.session.scalar(select(Item).where(
        Item.id == item_id, Item.kind.in_([ItemKind.FILE, ItemKind.FOLDER]),
        bin_items_clause(viewer_for())))
    if item is None or not can_restore_item(item):
        abort(404)
    return item


def restore(actor, item: Item) -> None:
    """Take a file or folder (with what went with it) out of the bin, where it was; to the
    top level when its folder is gone meanwhile."""
    model = Folder if item.kind == ItemKind.FOLDER else File
    row = db.session.get(model, item.id)
    ids = [item.id]
    if model is Folder:
        ids += list(db.session.scalars(select(Folder.item_id).where(
            Folder.deleted_with_id == item.id)))
        ids += list(db.session.scalars(select(File.item_id).where(
            File.deleted_with_id == item.id)))
    db.session.execute(update(Item).where(Item.id.in_(ids)).values(
        state=case((Item.published_at.is_(None), ItemState.PENDING),
                   else_=ItemState.PUBLISHED), updated_at=utcnow())
        .execution_options(synchronize_session=False))
    for m in (Folder, File):
        db.session.execute(update(m).where(m.item_id.in_(ids)).values(
            deleted_at=None, deleted_by_id=None, deleted_with_id=None)
            .execution_options(synchronize_session=False))
    for i in ids:
        touch(i)
    db.session.expire_all()
    parent_id = row.parent_id if model is Folder else row.folder_id
    if parent_id is not None:
        parent = db.session.get(Item, parent_id)
        if parent is None or parent.state == ItemState.DELETED:
            _to_top_level(item, row)


def _to_top_level(item: Item, row) -> None:
    """Put a restored item whose folder is gone at the theme's top level."""
    if item.kind == ItemKind.FOLDER:
        row.parent_id = None
    else:
        row.folder_id = None
    if row.inherits_access:
        _apply(item, top_level_access(item.theme, item.author))
    db.session.flush()


def purge(now=None) -> int:
    """Remove for good what lies in a bin longer than FILES_BIN_DAYS: rows now, stored files
    after the commit; the themes' bytes used go down in the same transaction. Returns how
    many bin entries went."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["FILES_BIN_DAYS"])
    roots = []
    for model in (Folder, File):
        roots += [(model, i) for i in db.session.scalars(
            select(model.item_id).join(Item, Item.id == model.item_id)
            .where(Item.state == ItemState.DELETED, model.deleted_with_id.is_(None),
                   model.deleted_at < cutoff))]
    if not roots:
        return 0
    folder_ids, file_ids = set(), set()
    for model, item_id in roots:
        if model is Folder:
            folder_ids |= set(subtree_folder_ids(item_id))
        else:
            file_ids.add(item_id)
    if folder_ids:
        file_ids |= set(db.session.scalars(select(File.item_id).where(
            File.folder_id.in_(folder_ids))))
    sizes: dict[int, int] = {}
    names = []
    for theme_id, stored, size in db.session.execute(
            select(Item.theme_id, FileVersion.stored_name, FileVersion.size)
            .join(File, File.item_id == FileVersion.file_id)
            .join(Item, Item.id == File.item_id).where(File.item_id.in_(file_ids))):
        sizes[theme_id] = sizes.get(theme_id, 0) + size
        names.append(stored)
    names += [t for t in db.session.scalars(select(File.thumbnail_name).where(
        File.item_id.in_(file_ids), File.thumbnail_name.is_not(None)))]
    ids = list(folder_ids | file_ids)
    db.session.execute(delete(FileVersion).where(FileVersion.file_id.in_(file_ids)))
    db.session.execute(delete(File).where(File.item_id.in_(file_ids)))
    # children first (SQLite does not enforce the folder tree's foreign key)
    db.session.execute(update(Folder).where(Folder.item_id.in_(folder_ids))
                       .values(parent_id=None).execution_options(synchronize_session=False))
    db.session.execute(delete(Folder).where(Folder.item_id.in_(folder_ids)))
    db.session.execute(delete(item_reader).where(item_reader.c.item_id.in_(ids)))
    db.session.execute(delete(item_writer).where(item_writer.c.item_id.in_(ids)))
    db.session.execute(delete(Item).where(Item.id.in_(ids)))
    _release(sizes)
    for i in ids:
        touch(i)
    for name in names:
        uploads.remove_after_commit(name)
    db.session.expire_all()
    return len(roots)


# ------------------------------------------------------------------------- zip

def _unique(name: str, taken: set[str]) -> str:
    base, dot, ext = name.rpartition(".")
    if not dot:
        base, ext = name, ""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base} ({n}).{ext}" if ext else f"{base} ({n})"
    taken.add(candidate.lower())
    return candidate


def _zip_part(name: str) -> str:
    return download_name(name) or "map"


def zip_folder(folder: Folder):
    """A zip of the folder with everything below it that the viewer may read, written to a
    temporary file (bounded memory: each stored file is copied in chunks). Returns the open
    file, positioned at its start."""
    viewer = viewer_for()
    out = tempfile.TemporaryFile()
    store = storage.get()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        frontier = {folder.item_id: ""}
        while frontier:
            ids = list(frontier)
            taken: dict[int, set[str]] = {i: set() for i in ids}
            for row, title in db.session.execute(
                    select(File, Item.title).join(Item, Item.id == File.item_id)
                    .where(File.folder_id.in_(ids), visible_items_clause(viewer))
                    .order_by(File.folder_id, Item.title)):
                arcname = frontier[row.folder_id] + _unique(_zip_part(title),
                                                            taken[row.folder_id])
                try:
                    source = store.open(row.stored_name)
                except FileNotFoundError:
                    log.warning("zip: stored file %s is missing", row.stored_name)
                    continue
                with source, zf.open(arcname, "w", force_zip64=True) as dest:
                    shutil.copyfileobj(source, dest, 1024 * 1024)
            next_frontier = {}
            for row, title in db.session.execute(
                    select(Folder, Item.title).join(Item, Item.id == Folder.item_id)
                    .where(Folder.parent_id.in_(ids), visible_items_clause(viewer))
                    .order_by(Folder.parent_id, Item.title)):
                path = frontier[row.parent_id] + _unique(_zip_part(title),
                                                         taken[row.parent_id]) + "/"
                zf.writestr(path, b"")
                next_frontier[row.item_id] = path
            frontier = next_frontier
    out.seek(0)
    return out

