"""Images for upload tests, made with Pillow: a photo with EXIF metadata, and files that only
pretend to be images."""
from __future__ import annotations

import io

from PIL import Image

CAMERA = "Camera-van-Lotte"  # the EXIF "Make" of the photo; must not survive the upload
GPS_IFD = 0x8825


def photo_with_exif(width=2000, height=1000) -> bytes:
    """A JPEG photo carrying EXIF: camera make, time taken and a GPS position."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0132] = "2026:11:01 10:00:00"  # DateTime
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (52.0, 5.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width=40, height=30) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 90, 200, 128)).save(out, "PNG")
    return out.getvalue()


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')
TEXT_AS_PNG = b"Dit is geen afbeelding, alleen tekst met een .png-naam.\n"


def oversized(limit: int) -> bytes:
    """A JPEG signature followed by padding past `limit` bytes."""
    return b"\xff\xd8\xff\xe0" + b"\0" * (limit + 1024)


def read_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
