"""Images people upload as a blog cover or with a status update.

The one image rule (app/images.py) checks an upload against IMAGE_MAX_BYTES and
IMAGE_MAX_PIXELS and re-encodes it to fit IMAGE_MAX_SIDE pixels (JPEG, or PNG where it has
transparency), without EXIF or any other metadata. It is stored like an attachment
(app/posts/uploads.py) and served through the same policy-checked route.
"""
from __future__ import annotations

import io
import secrets

from flask import current_app
from flask_babel import gettext as _

from app import images, storage
from app.posts import uploads

ImageRefused = images.ImageRefused


def _limits() -> tuple[int, int, int]:
    config = current_app.config
    return (config.get("IMAGE_MAX_BYTES", 5 * 1024 * 1024),
            config.get("IMAGE_MAX_PIXELS", 40_000_000),
            config.get("IMAGE_MAX_SIDE", 1600))


def accepted_text() -> str:
    """The accepted types and size, for the form's help text."""
    max_bytes, _pixels, side = _limits()
    return _("PNG, JPEG, GIF or WebP, at most %(size)s; it is reduced to %(side)d pixels and "
             "stored without its metadata (such as the place it was taken).",
             size=uploads.human_size(max_bytes), side=side)


def store_image(file) -> uploads.StoredFile:
    """Check, clean and store one uploaded image; returns what to record on the Attachment.
    ImageRefused names the problem. The stored file goes again if the transaction rolls back."""
    max_bytes, max_pixels, side = _limits()
    clean = images.clean_upload(file.stream, max_bytes=max_bytes, max_pixels=max_pixels,
                                box=(side, side), output="auto", name=file.filename)
    stored_name = secrets.token_hex(16) + "." + clean.extension
    stored_size = storage.get().put(stored_name, io.BytesIO(clean.data))
    uploads.written(stored_name)
    base = uploads.safe_filename((file.filename or "").rsplit(".", 1)[0])
    return uploads.StoredFile(stored_name=stored_name, filename=f"{base}.{clean.extension}",
                              content_type=clean.content_type, size=stored_size, is_image=True)
