"""Status updates: a short message on the theme's overview and its own list, with an image
(checked and cleaned as a blog cover), a video link (a link; the privacy-friendly player
only after the viewer's click), a file or a link; and who sees what."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Attachment, Item, ItemState, Part
from app.moderation import services as moderation
from app.themes.models import Role, WorkgroupType
from tests import images
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"


def post_update(client, theme, image=None, attachment=None, **fields):
    data = {"body": "De nieuwe folder over respijtzorg is klaar!", **fields}
    if image is not None:
        data["image"] = (io.BytesIO(image[1]), image[0])
    if attachment is not None:
        data["attachments"] = [(io.BytesIO(attachment[1]), attachment[0])]
    return client.post(f"/t/{theme.slug}/updates/new", data, content_type="multipart/form-data")


def latest():
    return db.session.scalar(select(Item).order_by(Item.id.desc()))


def update(theme, body="Een korte statusupdate.", video_url=None, link_url=None, **kw):
    from app.toolkit.models import StatusUpdate
    kw.setdefault("part", Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED
                  else Part.PUBLIC)
    item = ItemFactory(theme=theme, kind=ItemKind.STATUS_UPDATE, title=body[:80], body=body,
                       **kw)
    db.session.add(StatusUpdate(item_id=item.id, video_url=video_url, link_url=link_url))
    db.session.commit()
    return item


def iframes(html: str) -> list[str]:
    return re.findall(r"<iframe[^>]*>", html, flags=re.I)


def test_an_update_shows_on_the_overview_and_its_list(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = post_update(client, theme)
    assert resp.status_code == 302
    item = latest()
    assert item.kind == ItemKind.STATUS_UPDATE and item.state == ItemState.PUBLISHED
    assert item.title == "De nieuwe folder over respijtzorg is klaar!"
    for url in (f"/t/{theme.slug}/overview", f"/t/{theme.slug}/updates", f"/updates/{item.id}"):
        assert "De nieuwe folder over respijtzorg is klaar!" in page_text(client.get(url)), url
    assert "Status updates" in page_text(client.get(f"/t/{theme.slug}/overview"))


def test_the_message_is_limited_and_what_was_typed_is_kept(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    long = "woord " * 100  # 600 characters
    resp = post_update(client, theme, body=long, link_url="https://example.org/folder")
    assert resp.status_code == 422
    assert "500 characters" in page_text(resp)
    html = resp.get_data(as_text=True)
    assert "woord woord" in html and "https://example.org/folder" in html
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_video_and_link_addresses_are_checked(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = post_update(client, theme, video_url="https://evil.example/watch?v=dQw4w9WgXcQ")
    assert resp.status_code == 422 and "YouTube or Vimeo" in page_text(resp)
    resp = post_update(client, theme, link_url="javascript:alert(1)")
    assert resp.status_code == 422 and "https://" in page_text(resp)
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_video_is_a_link_and_its_player_needs_the_viewers_click(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    yt = update(theme, "Bekijk de film over mantelzorg", video_url=YOUTUBE)
    vimeo = update(theme, "Terugblik in beeld", video_url=VIMEO)
    for url in (f"/updates/{yt.id}", f"/updates/{vimeo.id}", f"/t/{theme.slug}/updates",
                f"/t/{theme.slug}/overview"):
        html = client.get(url).get_data(as_text=True)
        assert iframes(html) == [], url  # nothing of the video site loads with the page
        # the player the click would start: YouTube's no-cookie domain, Vimeo with dnt=1
        if url != f"/updates/{vimeo.id}":
            assert f'href="{YOUTUBE}"' in html, url
            assert 'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html, url
        if url != f"/updates/{yt.id}":
            assert f'href="{VIMEO}"' in html, url
            assert 'data-embed="https://player.vimeo.com/video/76979871?dnt=1"' in html, url
        assert "youtube.com/embed" not in html, url
        assert not re.search(r'<(img|script|link)[^>]+(youtube|vimeo)', html), url
    csp = client.get(f"/updates/{yt.id}").headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in csp


def test_an_image_is_checked_cleaned_and_served_through_the_policy(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    poster = member(theme)
    client.login(poster.email)
    for name, content, problem in [
            ("foto.png", images.TEXT_AS_PNG, "not an image we accept"),
            ("tekening.svg", images.SVG, "not an image we accept"),
            ("groot.jpg", images.oversized(app.config["IMAGE_MAX_BYTES"]), "the limit for an image is 5 MB")]:
        resp = post_update(client, theme, image=(name, content), body="Getypt bericht")
        assert resp.status_code == 422 and problem in page_text(resp), name
        assert "Getypt bericht" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0

    assert post_update(client, theme, image=("vakantie.jpg", images.photo_with_exif())).status_code == 302
    item = latest()
    html = client.get(f"/updates/{item.id}").get_data(as_text=True)
    src = re.search(r'<img class="item-image" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert images.CAMERA.encode() not in served.data and not images.read_image(served.data).getexif()
    assert Client(app).get(src).status_code == 404  # members-only: a visitor gets nothing
    outsider = Client(app)
    outsider.login(UserFactory().email)
    assert outsider.get(src).status_code == 404


def test_a_file_goes_with_an_update_as_an_attachment(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = post_update(client, theme, attachment=("agenda-overleg.pdf", b"%PDF-1.4 agenda"))
    assert resp.status_code == 302
    html = client.get(f"/t/{theme.slug}/updates").get_data(as_text=True)
    match = re.search(r'href="(/attachments/\d+/agenda-overleg.pdf)" download', html)
    assert match
    download = client.get(match.group(1))
    assert download.data == b"%PDF-1.4 agenda"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_link_is_shown_as_a_link_and_nothing_is_fetched(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    post_update(client, theme, link_url="https://example.org/nieuws?id=1&x=2")
    html = client.get(f"/updates/{latest().id}").get_data(as_text=True)
    assert ('<a href="https://example.org/nieuws?id=1&amp;x=2" rel="noopener nofollow ugc">'
            in html)


def test_who_sees_an_update(client, app):
    """Visitor, non-member, member, restricted-audience outsider, admin."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    insider, outsider, admin = member(theme), member(theme), member(theme, role=Role.ADMIN)
    stranger = UserFactory()
    for_members = update(theme, "Bericht voor de leden")
    chosen = update(theme, "Bericht voor een gekozen lid", readers=[insider])

    def shows(who, url, text):
        c = Client(app)
        if who is not None:
            c.login(who.email)
        return text in page_text(c.get(url))

    overview = f"/t/{theme.slug}/overview"
    assert not shows(None, overview, "Bericht voor de leden")
    assert not shows(stranger, overview, "Bericht voor de leden")
    assert shows(outsider, overview, "Bericht voor de leden")
    assert not shows(outsider, overview, "Bericht voor een gekozen lid")
    assert shows(insider, overview, "Bericht voor een gekozen lid")
    assert shows(admin, f"/t/{theme.slug}/updates", "Bericht voor een gekozen lid")
    c = Client(app)
    c.login(outsider.email)
    assert c.get(f"/updates/{chosen.id}").status_code == 404
    assert Client(app).get(f"/updates/{for_members.id}").status_code == 404


def test_an_update_in_a_half_open_theme_waits_for_approval(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    writer, admin = member(theme), member(theme, role=Role.ADMIN)
    client.login(writer.email)
    post_update(client, theme, body="Wachtende update")
    item = latest()
    assert item.state == ItemState.PENDING
    assert "Wachtende update" not in page_text(Client(app).get(f"/t/{theme.slug}/overview"))
    moderation.approve_post(admin, item.id)
    db.session.commit()
    assert "Wachtende update" in page_text(Client(app).get(f"/t/{theme.slug}/overview"))


def test_edit_changes_the_message_and_removes_the_image_others_cannot(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    writer, other = member(theme), member(theme)
    client.login(writer.email)
    post_update(client, theme, image=("foto.png", images.png()), video_url=YOUTUBE)
    item = latest()
    c = Client(app)
    c.login(other.email)
    assert c.get(f"/updates/{item.id}/edit").status_code == 403
    edit = client.get(f"/updates/{item.id}/edit").get_data(as_text=True)
    assert YOUTUBE in edit
    resp = client.post(f"/updates/{item.id}/edit", {"body": "Aangepast bericht",
                                                     "video_url": "", "remove_image": "y"})
    assert resp.status_code == 302
    html = client.get(f"/updates/{item.id}").get_data(as_text=True)
    assert "Aangepast bericht" in html and "item-image" not in html and "data-embed" not in html
    assert client.post(f"/updates/{item.id}/delete").status_code == 302
    assert "Aangepast bericht" not in page_text(client.get(f"/t/{theme.slug}/updates"))


def test_the_list_and_the_overview_cost_the_same_queries_for_many_updates(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    client.login(member(theme).email)
    update(theme, video_url=YOUTUBE)
    counts = {}
    for url in (f"/t/{theme.slug}/updates", f"/t/{theme.slug}/overview"):
        client.get(url)
        with counted_queries() as few:
            client.get(url)
        counts[url] = len(few)
    for i in range(15):
        update(theme, f"Update nummer {i}", link_url="https://example.org")
    for url, before in counts.items():
        with counted_queries() as many:
            resp = client.get(url)
        assert "Update nummer 14" in page_text(resp)
        assert len(many) == before, url


# ------------------------------------------------------------------ link previews

class _Pages:
    """A local HTTP server (127.0.0.1) that records the requests it gets."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        pages = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                pages.requests.append(self.path)
                if self.path == "/slow":
                    import time
                    time.sleep(3)
                    return
                if self.path == "/pdf":
                    body, kind = b"%PDF-1.4", "application/pdf"
                elif self.path == "/huge":
                    body = b"<html><head>" + b"<!-- vulling -->" * 200_000 + \
                        b"<title>Na de grens</title></head></html>"
                    kind = "text/html"
                elif self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://10.20.30.40/intern")
                    self.end_headers()
                    return
                else:
                    body = ('<html><head><title>Folder respijtzorg</title>'
                            '<meta name="description" content="Alles over logeeropvang &amp; '
                            'dagbesteding."></head><body>x</body></html>').encode()
                    kind = "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pages():
    server = _Pages()
    yield server
    server.stop()


def test_the_preview_fetcher_refuses_every_non_public_address(pages):
    from app.toolkit.linkpreview import PreviewRefused, fetch_preview

    refused = [pages.url(), pages.url(host="localhost"), pages.url(host="[::1]"),
               pages.url(host="127.1.2.3"), "http://169.254.169.254/latest/meta-data/",
               "http://10.0.0.1/", "http://192.168.1.1/", "http://[fe80::1]/",
               "http://[::ffff:127.0.0.1]:%d/" % pages.port, "http://0.0.0.0:%d/" % pages.port,
               "ftp://example.org/", "file:///etc/passwd", "gopher://127.0.0.1:70/",
               "http://user:geheim@example.org/"]
    for url in refused:
        with pytest.raises(PreviewRefused):
            fetch_preview(url, timeout=0.5)
    assert pages.requests == []  # the local server was never asked anything


def test_the_preview_fetcher_keeps_its_limits(pages):
    """With loopback allowed for this test only (the real rule refuses it, above): the
    title and description are read; a page past the size cap, a slow page, a non-page and a
    redirect to a private address give no preview."""
    from app.toolkit.linkpreview import PreviewRefused, fetch_preview

    def local(address):
        return address == "127.0.0.1"

    preview = fetch_preview(pages.url("/folder"), timeout=1, address_allowed=local)
    assert preview.title == "Folder respijtzorg"
    assert preview.description == "Alles over logeeropvang & dagbesteding."
    assert fetch_preview(pages.url("/huge"), timeout=1, max_bytes=65_536,
                         address_allowed=local) is None  # its title lies past the cap
    for path in ("/slow", "/pdf", "/redirect"):
        with pytest.raises(PreviewRefused):
            fetch_preview(pages.url(path), timeout=0.5, address_allowed=local)
    assert pages.requests == ["/folder", "/huge", "/slow", "/pdf", "/redirect"]


def test_the_scheduler_looks_at_new_links_and_a_refused_one_stays_a_plain_link(client, app,
                                                                                 pages):
    from app.scheduler import fetch_link_previews
    from app.toolkit.models import StatusUpdate

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    item = update(theme, "Zie de folder", link_url=pages.url("/folder"))
    # while the page is served, nothing is fetched
    assert 'href="%s"' % pages.url("/folder") in client.get(f"/updates/{item.id}").get_data(
        as_text=True)
    assert pages.requests == []
    fetch_link_previews(app)
    row = db.session.get(StatusUpdate, item.id)
    assert row.link_checked_at is not None and row.link_title is None
    assert pages.requests == []  # a loopback address is never fetched


def test_a_fetched_preview_is_shown_as_text(client):
    from app.toolkit.models import StatusUpdate

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    item = update(theme, "Nieuws", link_url="https://example.org/nieuws")
    row = db.session.get(StatusUpdate, item.id)
    row.link_title, row.link_description = "<script>alert(1)</script> Nieuws", "Over de regio"
    db.session.commit()
    html = client.get(f"/updates/{item.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nieuws</a>" in html
    assert "Over de regio" in html and "<script>alert" not in html
