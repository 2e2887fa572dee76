"""Profile photos: the upload must be an image Pillow can read (JPEG, PNG, GIF or WebP, within
the size and pixel limits); it is decoded, turned upright, cropped to a square, resized and
written again as a new JPEG, so nothing of the original file (EXIF with its location, other
metadata, anything hidden after the image data) is kept or served."""
from __future__ import annotations

import io
import secrets

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app import storage
from app.errors import DomainError
from app.posts.uploads import human_size, remove_after_commit, written

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
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


def square_jpeg(stream) -> bytes:
    """The photo as a new square JPEG without metadata; PhotoRefused names the problem."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise PhotoRefused(_("The photo is empty."))
    if len(data) > limit:
        raise PhotoRefused(_("The photo is larger than %(limit)s; choose a smaller one.",
                             limit=human_size(limit)))
    try:
        # Only these decoders are tried: nothing else in Pillow ever parses an upload.
        with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoRefused(_("This file is not a photo in a format we accept (JPEG, "
                                     "PNG, GIF or WebP)."))
            if probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise PhotoRefused(_("The photo has too many pixels; choose a smaller one."))
            probe.verify()
        with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # upright, as the camera meant it
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            else:
                image = image.convert("RGB")
            square = ImageOps.fit(image, (PHOTO_PIXELS, PHOTO_PIXELS),
                                  Image.Resampling.LANCZOS)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError, EOFError):
        raise PhotoRefused(_("This file is not a photo in a format we accept (JPEG, PNG, GIF "
                             "or WebP).")) from None
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True)  # no exif, icc or comment passed on
    return out.getvalue()


def store_photo(stream, previous: str | None) -> str:
    """Check, re-encode and store a new photo; the previous one goes once the request commits.
    Returns the new stored name."""
    data = square_jpeg(stream)
    name = "photo-" + secrets.token_hex(16) + ".jpg"
    storage.get().put(name, io.BytesIO(data))
    written(name)
    if previous:
        remove_after_commit(previous)
    return name


def drop_photo(previous: str | None) -> None:
    if previous:
        remove_after_commit(previous)
