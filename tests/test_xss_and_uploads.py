"""Hostile post texts render inert; uploads are refused with the reason and limit named, and
served only as safe downloads."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.items.models import Attachment, Part, Item
from app.posts.rendering import render_markdown
from app.themes.models import WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, member
from tests.helpers import page_text

HOSTILE = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"evil.swf\"></object>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<form action=\"https://evil.example\"><input name=p></form>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "![x](https://evil.example/track.png\" onerror=\"alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "`<script>` in code is fine",
    "<details open ontoggle=alert(1)>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "\"><script>alert(1)</script>",
    "<p onclick=\"alert(1)\">klik</p>",
    "[a](https://ok.example \"title\\\" onmouseover=\\\"alert(1)\")",
]
SAFE_TAGS = {"p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul",
             "ol", "li", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td"}


class ActiveContent(HTMLParser):
    """Collects every element, attribute or URL in an HTML fragment that could run code."""

    def __init__(self, allowed_tags=SAFE_TAGS):
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed_tags:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "xlink:href") and value:
                scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
                if scheme and scheme.group(1).lower() not in ("http", "https", "mailto"):
                    self.found.append(f"{tag}[{name}={value[:30]}]")


def active_content(html: str, allowed_tags=SAFE_TAGS) -> list[str]:
    parser = ActiveContent(allowed_tags)
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_inert(text):
    html = render_markdown(text)
    assert active_content(html) == [], html


def test_hostile_post_is_inert_on_every_page(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    user = member(theme)
    client.login(user.email)
    for text in HOSTILE:
        resp = client.post(f"/t/{theme.slug}/posts/new", {"title": text[:150], "body": text})
        assert resp.status_code == 302, text
    board = client.get(f"/t/{theme.slug}").get_data(as_text=True)
    pages = [board] + [client.get(f"/posts/{p.id}").get_data(as_text=True)
                       for p in db.session.scalars(select(Item))]
    for html in pages:
        for fragment in re.findall(r'<div class="post-body">(.*?)</div>', html, flags=re.S):
            assert active_content(fragment) == [], fragment
        # Titles are text: no element of a hostile title survives anywhere on the page.
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg" not in html
    # What people wrote is kept as written (raw Markdown is stored too).
    assert db.session.scalar(select(Item.body).where(Item.title == HOSTILE[0][:150])) == HOSTILE[0]


def _post_with_files(client, theme, files, **extra):
    data = {"title": "Met bijlage", "body": "Zie bijlage", **extra,
            "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/t/{theme.slug}/posts/new", data, content_type="multipart/form-data")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def poster(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    return theme


def test_disallowed_type_is_refused_with_the_allowed_types_named(client, poster):
    resp = _post_with_files(client, poster, [("virus.exe", b"MZ...")])
    assert resp.status_code == 422
    text = page_text(resp)
    assert "virus.exe: this type of file is not accepted" in text and "pdf" in text
    assert "Choose the files again; the rest of what you wrote is kept." in text
    assert "Zie bijlage" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_oversized_file_is_refused_with_the_limit_stated(client, app, poster):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    try:
        resp = _post_with_files(client, poster, [("rapport.pdf", b"%PDF" + b"x" * 3000)])
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
    assert resp.status_code == 422
    assert "rapport.pdf is 3 kB; the limit is 1 kB per file." in page_text(resp)


def test_request_above_the_total_limit_gets_a_413_page(client, app, poster):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        resp = _post_with_files(client, poster, [("groot.pdf", b"%PDF" + b"x" * 5000)])
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert resp.status_code == 413 and "The limit is 2 kB for everything sent" in page_text(resp)
    assert "larger than the board accepts" in page_text(resp)


def test_a_fake_image_is_refused(client, poster):
    resp = _post_with_files(client, poster, [("foto.png", b"<html><script>alert(1)</script>")])
    assert resp.status_code == 422 and "foto.png is not a real PNG image" in page_text(resp)


def test_too_many_files_are_refused(client, app, poster):
    files = [(f"f{i}.txt", b"tekst") for i in range(app.config["UPLOAD_MAX_FILES"] + 1)]
    resp = _post_with_files(client, poster, files)
    assert resp.status_code == 422 and "at most 5 files" in page_text(resp)


def test_files_are_stored_outside_the_web_root_and_served_safely(client, app, poster):
    resp = _post_with_files(client, poster, [("../../Jaarverslag é 2026.pdf", b"%PDF-1.7 data"),
                                             ("foto.png", PNG)])
    assert resp.status_code == 302
    post = db.session.scalar(select(Item))
    pdf, png = sorted(post.attachments, key=lambda a: a.filename)
    assert pdf.filename == "Jaarverslag_e_2026.pdf" and "/" not in pdf.stored_name
    stored = app.instance_path + "/uploads/" + pdf.stored_name
    assert open(stored, "rb").read() == b"%PDF-1.7 data"
    assert not pdf.stored_name.startswith("Jaarverslag")
    download = client.get(f"/attachments/{pdf.id}/{pdf.filename}")
    assert download.headers["Content-Disposition"] == "attachment; filename=Jaarverslag_e_2026.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.data == b"%PDF-1.7 data"
    inline = client.get(f"/attachments/{png.id}/{png.filename}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert inline.mimetype == "image/png"
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'<img src="/attachments/{png.id}/foto.png?inline=1"' in page
    # A document is never served inline, whatever the URL asks.
    assert client.get(f"/attachments/{pdf.id}/x?inline=1").headers[
        "Content-Disposition"].startswith("attachment")


def test_removing_an_attachment_on_edit_deletes_the_file(client, app, poster):
    _post_with_files(client, poster, [("notulen.txt", b"notulen")])
    post = db.session.scalar(select(Item))
    att = post.attachments[0]
    path = app.instance_path + "/uploads/" + att.stored_name
    client.post(f"/posts/{post.id}/edit", {"title": post.title, "body": post.body,
                                           "remove_attachments": str(att.id)})
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    import os
    assert not os.path.exists(path)


def test_attachment_of_a_closed_post_is_hidden_from_outsiders(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    post = ItemFactory(theme=theme, part=Part.CLOSED)
    from app.posts import uploads
    (uploads.upload_folder() / "geheim.pdf").write_bytes(b"%PDF geheim")
    db.session.add(Attachment(item_id=post.id, stored_name="geheim.pdf", filename="geheim.pdf",
                              content_type="application/pdf", size=11))
    db.session.commit()
    att_id = db.session.scalar(select(Attachment.id))
    assert client.get(f"/attachments/{att_id}/geheim.pdf").status_code == 404


def test_files_follow_the_transaction_that_keeps_or_drops_their_attachments(client, app, poster):
    """An edit that removes an attachment deletes its file only once the edit is committed;
    a rolled-back edit keeps it, and a rolled-back new post leaves no stored file behind."""
    import os
    from werkzeug.datastructures import FileStorage

    from app.auth.models import User
    from app.posts import services
    _post_with_files(client, poster, [("notulen.txt", b"notulen")])
    post = db.session.scalar(select(Item))
    att = post.attachments[0]
    folder = app.instance_path + "/uploads/"
    author = db.session.get(User, post.author_id)

    services.edit_post(author, post, services.PostInput(
        title=post.title, body=post.body, remove_attachment_ids=[att.id]))
    db.session.rollback()  # the request failed at its commit
    assert os.path.exists(folder + att.stored_name)

    before = set(os.listdir(folder))
    services.create_post(author, poster, services.PostInput(
        title="Nooit bewaard", body="tekst",
        files=[FileStorage(io.BytesIO(b"bijlage"), filename="bijlage.txt")]))
    db.session.rollback()
    assert set(os.listdir(folder)) == before

    post = db.session.scalar(select(Item))
    services.edit_post(author, post, services.PostInput(
        title=post.title, body=post.body, remove_attachment_ids=[post.attachments[0].id]))
    db.session.commit()
    assert not os.path.exists(folder + att.stored_name)
