"""The one rule for images people upload (profile photos, blog covers and status-update
images, organisation logos, file thumbnails).

An upload is accepted only when it is within the caller's byte limit, Pillow reads it with one
of the JPEG, PNG, GIF or WebP decoders (no other decoder ever parses an upload), and its
dimensions, read from the header, are within the caller's pixel limit: a decompression bomb
(huge dimensions in a tiny file) is refused before any pixel is decoded. What is kept is never
the uploaded file: the first frame is decoded, turned upright as the camera's EXIF orientation
says, reduced to fit a box (or cropped to a square) and encoded again as a new JPEG or PNG from
the pixels only, so no EXIF (place, camera, time), ICC profile, comment or data hidden after the
image survives. ImageRefused carries the message shown to the person, naming the limit or the
accepted types; the callers keep their own sizes, limits and storage.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
JPEG_QUALITY = 85
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


class ImageRefused(Exception):
    """The upload is not accepted; `message` names the problem (and the limit)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image: its bytes, pixel size and content type."""

    data: bytes
    width: int
    height: int
    content_type: str

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"

    @property
    def size(self) -> int:
        return len(self.data)


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def _shown(name: str | None) -> str:
    return (name or "").strip()[:80] or _("The file")


def read_limited(stream, max_bytes: int, name: str | None = None) -> bytes:
    """The upload's bytes; refused when empty or larger than max_bytes (never reading more
    than one byte past the limit)."""
    size = None
    try:
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        pass
    if size is None or size <= max_bytes:
        data = stream.read(max_bytes + 1)
        size = len(data)
    if size == 0:
        raise ImageRefused(_("%(name)s is empty.", name=_shown(name)))
    if size > max_bytes:
        raise ImageRefused(_("%(name)s is %(size)s; the limit for an image is %(limit)s.",
                             name=_shown(name), size=human_size(size),
                             limit=human_size(max_bytes)))
    return data


def _not_accepted(name: str | None) -> ImageRefused:
    return ImageRefused(_("%(name)s is not an image we accept: use PNG, JPEG, GIF or WebP.",
                          name=_shown(name)))


def _too_many_pixels(name: str | None, max_pixels: int,
                     size: tuple[int, int] | None = None) -> ImageRefused:
    megapixels = max(1, max_pixels // 1_000_000)
    if size is None:
        return ImageRefused(_("%(name)s has too many pixels; the limit is %(n)d megapixels.",
                              name=_shown(name), n=megapixels))
    return ImageRefused(_("%(name)s has too many pixels (%(w)d × %(h)d); the limit is "
                          "%(n)d megapixels.", name=_shown(name), w=size[0], h=size[1],
                          n=megapixels))


def decode(data: bytes, max_pixels: int, name: str | None = None,
           draft_box: tuple[int, int] | None = None) -> Image.Image:
    """The first frame of an accepted image, decoded and turned upright. The dimensions are
    checked against max_pixels from the header, before decoding; a damaged or truncated
    file is refused. `draft_box` lets a JPEG decode at a reduced scale that still covers it."""
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _not_accepted(name)
            if probe.width * probe.height > max_pixels:
                raise _too_many_pixels(name, max_pixels, probe.size)
            probe.verify()  # structure and checksums; the image is opened again to decode
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            image.seek(0)  # an animation keeps its first frame
            if draft_box is not None and image.format == "JPEG":
                side = max(draft_box)  # covers the box in either orientation
                image.draft(None, (side, side))
            image.load()
            upright = ImageOps.exif_transpose(image)  # a new image, kept after the close
    except ImageRefused:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError,
            TypeError):
        raise _not_accepted(name) from None
    return upright


def has_transparency(image: Image.Image) -> bool:
    return image.mode in _ALPHA_MODES or (image.mode == "P" and "transparency" in image.info)


def encode(image: Image.Image, box: tuple[int, int], *, crop: bool = False,
           output: str = "auto", name: str | None = None) -> CleanImage:
    """The image reduced to fit `box` (never enlarged), or cropped to fill it when `crop`,
    encoded again from its pixels only. `output`: "JPEG", "PNG", or "auto" (PNG when the
    image has transparency, else JPEG). A JPEG has transparent parts on white."""
    transparent = has_transparency(image)
    fmt = ("PNG" if transparent else "JPEG") if output == "auto" else output
    try:
        if fmt == "PNG":
            picture = image.convert("RGBA" if transparent else "RGB")
        elif transparent:
            rgba = image.convert("RGBA")
            picture = Image.new("RGB", rgba.size, "white")
            picture.paste(rgba, mask=rgba.getchannel("A"))
        else:
            picture = image.convert("RGB")
        if crop:
            picture = ImageOps.fit(picture, box, Image.Resampling.LANCZOS)
        else:
            picture.thumbnail(box, Image.Resampling.LANCZOS)
        clean = Image.new(picture.mode, picture.size)  # no info: no metadata goes along
        clean.paste(picture)
        out = io.BytesIO()
        if fmt == "PNG":
            clean.save(out, "PNG", optimize=True)
        else:
            clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except (OSError, ValueError) as exc:
        raise _not_accepted(name) from exc
    return CleanImage(out.getvalue(), clean.width, clean.height,
                      "image/png" if fmt == "PNG" else "image/jpeg")


def clean_upload(stream, *, max_bytes: int, max_pixels: int, box: tuple[int, int],
                 crop: bool = False, output: str = "auto",
                 name: str | None = None) -> CleanImage:
    """Check an uploaded image against the limits and re-encode it to fit `box` (see
    encode). ImageRefused names the problem."""
    data = read_limited(stream, max_bytes, name)
    return encode(decode(data, max_pixels, name, draft_box=box), box, crop=crop,
                  output=output, name=name)
