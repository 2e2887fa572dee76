"""Text of uploaded documents for search, read off the request path by the scheduler.

`extract_pending()` (a scheduler job) takes files whose text is not read yet, copies each to a
temporary file (none larger than FILES_TEXT_MAX_BYTES) and reads it in a child process with a
time limit (FILES_TEXT_SECONDS) and a memory limit (FILES_TEXT_MEMORY_MB): a hostile PDF or
zip bomb can cost that child at most those, never the scheduler. The text (at most
FILES_TEXT_MAX_CHARS characters) is stored on the file row; app.search.index adds it to the
file's search row when the job commits.

Run as a module (`python -m app.files.extract <ext> <path> <max chars>`), it is that child:
it prints the document's text as UTF-8.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile

log = logging.getLogger(__name__)


# ------------------------------------------------------------------- the child process

def _docx(path: str) -> str:
    import docx

    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _odt(path: str) -> str:
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    document = load(path)
    return "\n".join(teletype.extractText(node)
                     for kind in (H, P) for node in document.getElementsByType(kind))


def _pdf(path: str, max_chars: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    parts, length = [], 0
    for page in reader.pages[:500]:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length >= max_chars:
            break
    return "\n".join(parts)


def _plain(path: str, max_chars: int) -> str:
    with open(path, "rb") as f:
        return f.read(max_chars * 4).decode("utf-8", errors="replace")


def read_text(ext: str, path: str, max_chars: int) -> str:
    if ext == "docx":
        text = _docx(path)
    elif ext == "odt":
        text = _odt(path)
    elif ext == "pdf":
        text = _pdf(path, max_chars)
    elif ext in ("txt", "csv"):
        text = _plain(path, max_chars)
    else:
        text = ""
    return " ".join(text.split())[:max_chars]


def _limit_child(memory_mb: int, seconds: int):
    def limit():
        import resource

        limit_bytes = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    return limit


def extract_file(ext: str, path: str, config) -> str | None:
    """The text of the document at `path`, read in a bounded child process; None when it
    could not be read within the limits."""
    seconds = int(config["FILES_TEXT_SECONDS"])
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.files.extract", ext, path,
             str(config["FILES_TEXT_MAX_CHARS"])],
            capture_output=True, timeout=seconds, check=False,
            preexec_fn=_limit_child(int(config["FILES_TEXT_MEMORY_MB"]), seconds),
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    except subprocess.TimeoutExpired:
        log.warning("text extraction took longer than %ss: %s", seconds, path)
        return None
    if done.returncode != 0:
        log.warning("text extraction failed (%s): %s", done.returncode,
                    done.stderr.decode(errors="replace")[-500:])
        return None
    return done.stdout.decode("utf-8", errors="replace")


# ------------------------------------------------------------------- the job

def extract_pending(batch: int = 20) -> int:
    """Read the text of up to `batch` files waiting for it; returns how many were handled.
    Flushes; the caller commits (run_job)."""
    from flask import current_app
    from sqlalchemy import select

    from app import storage
    from app.extensions import db
    from app.files.models import File, TextState
    from app.files.services import extension
    from app.items.models import Item, ItemState
    from app.search.index import touch

    config = current_app.config
    rows = db.session.execute(
        select(File, Item.title).join(Item, Item.id == File.item_id)
        .where(File.text_state == TextState.PENDING, Item.state != ItemState.DELETED)
        .order_by(File.item_id).limit(batch)).all()
    for file, title in rows:
        ext = extension(title)
        text = None
        if file.size <= config["FILES_TEXT_MAX_BYTES"]:
            with tempfile.NamedTemporaryFile(suffix="." + ext) as tmp:
                try:
                    with storage.get().open(file.stored_name) as source:
                        copied = 0
                        while chunk := source.read(1024 * 1024):
                            copied += len(chunk)
                            if copied > config["FILES_TEXT_MAX_BYTES"]:
                                break
                            tmp.write(chunk)
                    tmp.flush()
                    if copied <= config["FILES_TEXT_MAX_BYTES"]:
                        text = extract_file(ext, tmp.name, config)
                except FileNotFoundError:
                    log.warning("text extraction: stored file %s is missing", file.stored_name)
        file.text = text
        file.text_state = TextState.DONE if text is not None else TextState.FAILED
        touch(file.item_id)
    db.session.flush()
    return len(rows)


if __name__ == "__main__":
    sys.stdout.write(read_text(sys.argv[1], sys.argv[2], int(sys.argv[3])))
