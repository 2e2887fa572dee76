"""The one rule for uploaded images (app/images.py): only JPEG, PNG, GIF and WebP decoders read
an upload, limits in bytes and pixels are named when refused, a decompression bomb is refused
from its header, EXIF is applied (upright) and dropped, and transparency survives where the
output is PNG. The four places that take images (profile photo, blog cover and status-update
image, organisation logo, file thumbnail) refuse the same bad files the same way."""
from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from flask_babel import force_locale
from PIL import Image, ImageFile
from sqlalchemy import func, select

from app import images as rule
from app.branding.models import ThemeBranding
from app.extensions import db
from app.files.models import File
from app.items.models import Attachment, Item
from app.people.models import Profile
from app.themes.models import Role, WorkgroupType
from tests import images
from tests.factories import ThemeFactory, member
from tests.helpers import Client, page_text

MB = 1024 * 1024
BOX = (1600, 1600)


def clean(data: bytes, *, name="upload.jpg", max_bytes=5 * MB, max_pixels=40_000_000,
          box=BOX, crop=False, output="auto") -> rule.CleanImage:
    return rule.clean_upload(io.BytesIO(data), max_bytes=max_bytes, max_pixels=max_pixels,
                             box=box, crop=crop, output=output, name=name)


def refusal(data: bytes, language="en", **kw) -> str:
    with force_locale(language), pytest.raises(rule.ImageRefused) as refused:
        clean(data, **kw)
    return refused.value.message


def _saved(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def bomb_png(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of width × height black pixels: a few kB on disk, hundreds of
    megabytes once decoded."""
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", data) + _chunk(b"IEND", b""))


def bmp() -> bytes:
    return _saved(Image.new("RGB", (40, 40), "green"), "BMP")


def truncated_jpeg() -> bytes:
    return images.photo_with_exif(400, 300)[:600]


def not_accepted(name: str) -> str:
    return f"{name} is not an image we accept: use PNG, JPEG, GIF or WebP."


# --------------------------------------------------------------------------- the rule itself

def test_a_gps_exif_photo_is_reencoded_without_any_metadata(app):
    original = images.photo_with_exif(2000, 1000)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(images.GPS_IFD)  # it has GPS
    result = clean(original)
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (1600, 800)
    image = images.read_image(result.data)
    assert image.format == "JPEG" and image.size == (1600, 800)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert "icc_profile" not in image.info and "comment" not in image.info
    assert b"Exif" not in result.data and images.CAMERA.encode() not in result.data
    assert result.size == len(result.data)


def test_an_orientation_6_photo_is_turned_upright(app):
    # Stored sideways: the left half red, the right half blue; orientation 6 says "turn a
    # quarter clockwise to view", so upright the red half is on top.
    image = Image.new("RGB", (400, 200), (220, 0, 0))
    image.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    result = clean(_saved(image, "JPEG", exif=exif), box=(100, 100))
    upright = images.read_image(result.data).convert("RGB")
    assert upright.size == (50, 100) and (result.width, result.height) == (50, 100)
    red, green, blue = upright.getpixel((25, 10))
    assert red > 180 and blue < 60  # top: red
    red, green, blue = upright.getpixel((25, 90))
    assert blue > 180 and red < 60  # bottom: blue
    assert len(upright.getexif()) == 0  # the orientation is applied, not carried along


@pytest.mark.parametrize("name, data", [
    ("tekening.svg", images.SVG),
    ("notitie.png", images.TEXT_AS_PNG),
    ("foto.bmp", bmp()),  # an image, but not a decoder we let read uploads
    ("kapot.jpg", truncated_jpeg()),
    ("kapot.png", images.png(200, 200)[:80]),
])
def test_what_is_not_an_accepted_image_is_refused_naming_the_accepted_types(app, name, data):
    assert refusal(data, name=name) == not_accepted(name)
    assert refusal(data, name=name, language="nl") == (
        f"{name} is geen afbeelding die we aannemen: gebruik PNG, JPEG, GIF of WebP.")


def test_an_empty_file_and_one_over_the_byte_limit_are_refused_naming_the_limit(app):
    assert refusal(b"", name="leeg.jpg") == "leeg.jpg is empty."
    big = images.oversized(20 * 1024)
    assert refusal(big, name="groot.jpg", max_bytes=20 * 1024) == (
        "groot.jpg is 21 kB; the limit for an image is 20 kB.")


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(app, monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load

    def spying_load(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    # Beyond Pillow's own safety limit: refused while the header is read.
    huge = bomb_png(30_000, 30_000)
    assert len(huge) < 200 * 1024  # tiny on disk, 900 megapixels decoded
    assert refusal(huge, name="bom.png") == (
        "bom.png has too many pixels; the limit is 40 megapixels.")
    # Under Pillow's limit but over ours: refused with its size named.
    big = bomb_png(10_000, 6_000)
    assert refusal(big, name="bom.png", max_pixels=25_000_000) == (
        "bom.png has too many pixels (10000 × 6000); the limit is 25 megapixels.")
    assert decoded == []  # no pixel of either was decoded
    small = clean(bomb_png(300, 200))  # the same kind of file, within the limit, is fine
    assert (small.width, small.height) == (300, 200) and decoded


def test_transparency_survives_where_png_is_the_output(app):
    image = Image.new("RGBA", (800, 400), (0, 90, 200, 0))
    image.paste((0, 90, 200, 255), (400, 0, 800, 400))
    for output in ("PNG", "auto"):
        result = clean(_saved(image, "PNG"), box=(400, 120), output=output)
        assert result.content_type == "image/png" and (result.width, result.height) == (240, 120)
        back = images.read_image(result.data)
        assert back.format == "PNG" and back.mode == "RGBA"
        assert back.getpixel((10, 60))[3] == 0 and back.getpixel((230, 60))[3] == 255
    # A palette GIF with a transparent colour, too.
    gif = Image.new("P", (60, 60), 0)
    gif.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    gif.paste(1, (30, 0, 60, 60))
    result = clean(_saved(gif, "GIF", transparency=0), name="anim.gif", output="PNG")
    back = images.read_image(result.data)
    assert back.getpixel((5, 5))[3] == 0 and back.getpixel((50, 5)) == (200, 0, 0, 255)


def test_a_jpeg_output_puts_transparency_on_white_and_a_crop_is_square(app):
    image = Image.new("RGBA", (300, 600), (0, 0, 255, 0))
    result = clean(_saved(image, "PNG"), box=(400, 400), crop=True, output="JPEG")
    back = images.read_image(result.data)
    assert back.format == "JPEG" and back.size == (400, 400)
    assert all(channel > 245 for channel in back.getpixel((200, 200)))


# --------------------------------------------------------------------------- the four callers

@pytest.fixture
def org(app):
    """An organisation (a closed top-level theme) whose owner uploads everywhere."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER)
    client = Client(app)
    client.login(owner.email)
    return {"theme": theme, "owner": owner, "client": client}


def _profile(client, theme, name, data):
    return client.post("/profile", {
        "name": "Anna de Vries", "name_visibility": "public", "photo_visibility": "logged_in",
        "organisation": "", "organisation_visibility": "themes", "function": "",
        "function_visibility": "logged_in", "email_visibility": "private", "phone": "",
        "phone_visibility": "private", "about": "", "about_visibility": "public",
        "photo": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _cover(client, theme, name, data):
    return client.post(f"/t/{theme.slug}/blog/new", {
        "title": "Terugblik", "intro": "Wat we leerden.", "body": "Verslag.",
        "cover": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _update(client, theme, name, data):
    return client.post(f"/t/{theme.slug}/updates/new", {
        "body": "De folder is klaar!", "image": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def _logo(client, theme, name, data):
    return client.post(f"/t/{theme.slug}/branding", {"logo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


FORMS = {"profile photo": _profile, "blog cover": _cover, "status update image": _update,
         "organisation logo": _logo}
LIMIT = {"profile photo": 40, "blog cover": 40, "status update image": 40,
         "organisation logo": 25}
BAD = [
    ("tekening.svg", images.SVG),
    ("notitie.png", images.TEXT_AS_PNG),
    ("foto.jpg", bmp()),
    ("kapot.jpg", truncated_jpeg()),
    ("bom.png", bomb_png(30_000, 30_000)),
    ("groot.png", bomb_png(10_000, 6_000)),
]


def _expected(form: str, name: str) -> str:
    if name == "bom.png":
        return f"bom.png has too many pixels; the limit is {LIMIT[form]} megapixels."
    if name == "groot.png":
        return (f"groot.png has too many pixels (10000 × 6000); the limit is "
                f"{LIMIT[form]} megapixels.")
    return not_accepted(name)


def _nothing_stored():
    assert db.session.scalar(select(func.count()).select_from(Profile)) == 0
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(ThemeBranding)) == 0


@pytest.mark.parametrize("name, data", BAD, ids=[name for name, _data in BAD])
def test_every_form_that_takes_an_image_refuses_a_bad_one_the_same_way(org, name, data):
    client, theme = org["client"], org["theme"]
    for form, post in FORMS.items():
        resp = post(client, theme, name, data)
        assert resp.status_code == 422, form
        assert _expected(form, name) in page_text(resp), form
    _nothing_stored()
    # The file store keeps files as they are, but never makes a thumbnail of such a file:
    # it is refused as not what its name says, or stored with the icon instead.
    resp = client.post(f"/t/{theme.slug}/files/upload", {"files": [(io.BytesIO(data), name)]},
                       content_type="multipart/form-data")
    if resp.status_code == 422:
        assert re.search(rf"{re.escape(name)}( is not a real|: this type of file)",
                         page_text(resp))
        assert db.session.scalar(select(func.count()).select_from(File)) == 0
    else:
        assert resp.status_code == 302
        file = db.session.scalar(select(File))
        assert file.thumbnail_name is None
        assert client.get(f"/files/{file.item_id}/thumbnail").status_code == 404


def test_every_form_that_takes_an_image_keeps_it_without_its_exif(org):
    """The same photo through each place: upright, reduced and without its metadata."""
    client, theme = org["client"], org["theme"]
    photo = images.photo_with_exif(2000, 1000)
    for form, post in FORMS.items():
        assert post(client, theme, "vakantie.jpg", photo).status_code == 302, form
    assert client.post(f"/t/{theme.slug}/files/upload",
                       {"files": [(io.BytesIO(photo), "vakantie.jpg")]},
                       content_type="multipart/form-data").status_code == 302
    owner = org["owner"]
    file = db.session.scalar(select(File))
    served = {
        "profile photo": client.get(f"/u/{owner.id}/photo"),
        "organisation logo": client.get(f"/t/{theme.slug}/logo"),
        "thumbnail": client.get(f"/files/{file.item_id}/thumbnail"),
    }
    attachments = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
    assert [a.filename for a in attachments] == ["vakantie.jpg", "vakantie.jpg"]  # cover, update
    for att in attachments:
        served[f"attachment {att.id}"] = client.get(f"/attachments/{att.id}/{att.filename}")
    sizes = {}
    for where, resp in served.items():
        assert resp.status_code == 200, where
        assert images.CAMERA.encode() not in resp.data, where
        image = images.read_image(resp.data)
        assert len(image.getexif()) == 0 and "exif" not in image.info, where
        sizes[where] = image.size
    assert sizes["profile photo"] == (400, 400)
    assert sizes["organisation logo"] == (240, 120)
    assert sizes["thumbnail"] == (480, 240)
    assert [sizes[f"attachment {a.id}"] for a in attachments] == [(1600, 800), (1600, 800)]
