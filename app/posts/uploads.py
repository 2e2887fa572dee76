"""Attachments: checked against the size limit and the type allow-list, stored outside the
web root under a random name (through app/storage.py: a folder or object storage), and
described by a safe file name."""
from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app import storage

# extension -> content type served. Images are only accepted when their bytes say so.
DEFAULT_ALLOWED = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
IMAGE_SIGNATURES = {
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "gif": [b"GIF87a", b"GIF89a"],
    "webp": [b"RIFF"],
}


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class StoredFile:
    stored_name: str
    filename: str
    content_type: str
    size: int
    is_image: bool


def upload_folder() -> Path:
    """The local storage's folder (BOARD_STORAGE=local, the default)."""
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or
                  Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def allowed_types() -> dict[str, str]:
    allowed = current_app.config.get("UPLOAD_ALLOWED_EXTENSIONS")
    if not allowed:
        return DEFAULT_ALLOWED
    return {ext: DEFAULT_ALLOWED.get(ext, "application/octet-stream") for ext in allowed}


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def safe_filename(name: str) -> str:
    """A file name safe on every system, keeping accented letters readable."""
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = secure_filename(name)[:120]
    return name or "bestand"


def check(file: FileStorage) -> tuple[str, str]:
    """(extension, safe name) of an acceptable upload; UploadRefused names the problem."""
    original = file.filename or ""
    ext = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    allowed = allowed_types()
    if ext not in allowed:
        raise UploadRefused(_("%(name)s: this type of file is not accepted. Accepted: %(types)s.",
                              name=original[:80], types=", ".join(sorted(allowed))))
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    file.stream.seek(0, os.SEEK_END)
    size = file.stream.tell()
    file.stream.seek(0)
    if size > limit:
        raise UploadRefused(_("%(name)s is %(size)s; the limit is %(limit)s per file.",
                              name=original[:80], size=human_size(size), limit=human_size(limit)))
    if size == 0:
        raise UploadRefused(_("%(name)s is empty.", name=original[:80]))
    if ext in IMAGE_SIGNATURES:
        head = file.stream.read(16)
        file.stream.seek(0)
        if not any(head.startswith(sig) for sig in IMAGE_SIGNATURES[ext]) or (
                ext == "webp" and head[8:12] != b"WEBP"):
            raise UploadRefused(_("%(name)s is not a real %(ext)s image.", name=original[:80],
                                  ext=ext.upper()))
    base = safe_filename(original.rsplit(".", 1)[0])
    return ext, f"{base}.{ext}"


def store(file: FileStorage) -> StoredFile:
    """Check and write one upload; returns what to record on the Attachment. The file goes
    again if the request's transaction rolls back (nothing would point at it)."""
    ext, filename = check(file)
    stored_name = secrets.token_hex(16) + "." + ext
    size = storage.get().put(stored_name, file.stream)
    written(stored_name)
    return StoredFile(stored_name=stored_name, filename=filename,
                      content_type=allowed_types()[ext], size=size,
                      is_image=ext in IMAGE_SIGNATURES)


def written(stored_name: str) -> None:
    """This file was just stored for the current transaction: it goes again if the
    transaction rolls back."""
    _pending(NEW_FILES).add(stored_name)


def remove_after_commit(stored_name: str) -> None:
    """Delete this file once the transaction that dropped its attachment commits (not before:
    a transaction that rolls back keeps the attachment, and so must keep its file)."""
    _pending(GONE_FILES).add(stored_name)


def remove_on_rollback(stored_name: str) -> None:
    """Delete this newly written file if the transaction that records it rolls back."""
    _pending(NEW_FILES).add(stored_name)


# Files a transaction wrote or let go, settled when it ends (Session.info keys).
NEW_FILES, GONE_FILES = "uploads_new", "uploads_gone"


def _pending(key: str) -> set[str]:
    from app.extensions import db
    return db.session.info.setdefault(key, set())


def _delete(names) -> None:
    for name in names:
        try:
            storage.get().delete(name)
        except Exception:  # a file that cannot be deleted now is an orphan, never an error
            current_app.logger.warning("could not delete stored file %s", name)


def _after_commit(session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(NEW_FILES, None)
    gone = session.info.pop(GONE_FILES, None)
    if gone:
        _delete(gone)


def _after_rollback(session, previous) -> None:
    if session.in_transaction():
        return  # a SAVEPOINT: the outer transaction decides
    session.info.pop(GONE_FILES, None)
    new = session.info.pop(NEW_FILES, None)
    if new:
        _delete(new)


def init_app(app) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
