"""Profile photos: the upload is checked and re-encoded by the one image rule (app/images.py):
decoded, turned upright, cropped to a 400-pixel square and written again as a new JPEG, so
nothing of the original file (EXIF with its location, other metadata, anything hidden after
the image data) is kept or served."""
from __future__ import annotations

import io
import secrets

from flask import current_app
from flask_babel import gettext as _

from app import images, storage
from app.errors import DomainError
from app.posts.uploads import human_size, remove_after_commit, written

PHOTO_PIXELS = 400  # the stored square's side
MAX_SOURCE_PIXELS = 40_000_000  # larger images are refused before they are decoded


class PhotoRefused(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="photo")


def max_bytes() -> int:
    return current_app.config["PROFILE_PHOTO_MAX_BYTES"]


def limits_text() -> str:
    """The limits, as the form states them."""
    return _("A JPEG, PNG, GIF or WebP image of at most %(limit)s; it is cropped to a square.",
             limit=human_size(max_bytes()))


def square_jpeg(stream, name: str | None = None) -> bytes:
    """The photo as a new square JPEG without metadata; PhotoRefused names the problem."""
    try:
        return images.clean_upload(stream, max_bytes=max_bytes(), max_pixels=MAX_SOURCE_PIXELS,
                                   box=(PHOTO_PIXELS, PHOTO_PIXELS), crop=True, output="JPEG",
                                   name=name).data
    except images.ImageRefused as exc:
        raise PhotoRefused(exc.message) from None


def store_photo(stream, previous: str | None, name: str | None = None) -> str:
    """Check, re-encode and store a new photo (`name`: the uploaded file's name, for the
    messages); the previous one goes once the request commits. Returns the new stored name."""
    data = square_jpeg(stream, name)
    name = "photo-" + secrets.token_hex(16) + ".jpg"
    storage.get().put(name, io.BytesIO(data))
    written(name)
    if previous:
        remove_after_commit(previous)
    return name


def drop_photo(previous: str | None) -> None:
    if previous:
        remove_after_commit(previous)
