"""Images people upload as a blog cover or with a status update.

An upload is accepted only when Pillow reads it as a PNG, JPEG, GIF or WebP image within the
size limits (IMAGE_MAX_BYTES, IMAGE_MAX_PIXELS); anything else (a text file named .png, an SVG,
a truncated or oversized file) is refused with the limit or the accepted types named. What is
stored is never the uploaded file: the image is decoded, turned upright, reduced to fit
IMAGE_MAX_SIDE pixels and encoded again (JPEG, or PNG where it has transparency), which drops
EXIF and every other piece of metadata (camera, place, time) and anything hidden after the
pixels. It is stored like an attachment (app/posts/uploads.py) and served through the same
policy-checked route.
"""
from __future__ import annotations

import io
import os
import secrets
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app import storage
from app.posts import uploads

ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
ACCEPTED_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")


class ImageRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _decode(data: bytes, name: str, max_pixels: int) -> Image.Image:
    refused = ImageRefused(_("%(name)s is not an image we accept: use PNG, JPEG, GIF or WebP.",
                             name=name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_FORMATS:
                raise refused
            if probe.width * probe.height > max_pixels:
                raise ImageRefused(_("%(name)s has too many pixels (%(w)d × %(h)d); the limit "
                                     "is %(n)d megapixels.", name=name, w=probe.width,
                                     h=probe.height, n=max_pixels // 1_000_000))
            probe.verify()  # structure and checksums; the image must be opened again after
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, SyntaxError, ValueError):
        raise refused
    return image


def store_image(file) -> uploads.StoredFile:
    """Check, clean and store one uploaded image; returns what to record on the Attachment.
    ImageRefused names the problem. The stored file goes again if the transaction rolls back."""
    name = (file.filename or "")[:80]
    max_bytes, max_pixels, side = _limits()
    file.stream.seek(0, os.SEEK_END)
    size = file.stream.tell()
    file.stream.seek(0)
    if size == 0:
        raise ImageRefused(_("%(name)s is empty.", name=name))
    if size > max_bytes:
        raise ImageRefused(_("%(name)s is %(size)s; the limit for an image is %(limit)s.",
                             name=name, size=uploads.human_size(size),
                             limit=uploads.human_size(max_bytes)))
    image = _decode(file.stream.read(max_bytes + 1), name, max_pixels)
    image = ImageOps.exif_transpose(image)  # upright, as the camera meant it
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # an animation keeps its first frame
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if transparent:
        ext, content_type = "png", "image/png"
        image.save(out, "PNG", optimize=True)
    else:
        ext, content_type = "jpg", "image/jpeg"
        image.save(out, "JPEG", quality=85, optimize=True)
    out.seek(0)
    stored_name = secrets.token_hex(16) + "." + ext
    stored_size = storage.get().put(stored_name, out)
    uploads.written(stored_name)
    base = uploads.safe_filename((file.filename or "").rsplit(".", 1)[0])
    return uploads.StoredFile(stored_name=stored_name, filename=f"{base}.{ext}",
                              content_type=content_type, size=stored_size, is_image=True)
