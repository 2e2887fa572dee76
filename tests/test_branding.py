"""Branding of an organisation (a top-level theme): colours refused below WCAG AA contrast with
the measured ratio shown, a re-encoded logo, an own host that opens the organisation's page,
X-Forwarded-Host only from trusted proxies, and mails about its content on its own address."""
from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from PIL import Image
from sqlalchemy import select

from app.branding.models import ThemeBranding
from app.branding.services import contrast_ratio
from app.extensions import db
from app.items.models import Comment, Part
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, page_text

HOST = "werkgroepen.zorgregio-noord.example"


def png(size=(800, 300), colour=(21, 66, 115)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@contextmanager
def base_url(app, url="http://werkgroepen.example"):
    """Own hosts need the platform's own address (BASE_URL) to tell them apart."""
    before = app.config.get("BASE_URL")
    app.config["BASE_URL"] = url
    try:
        yield
    finally:
        app.config["BASE_URL"] = before


@pytest.fixture
def organisation():
    theme = ThemeFactory(name="Zorgregio Noord", slug="zorgregio-noord")
    return theme, member(theme, role=Role.OWNER)


def _save(client, theme, **data):
    return client.post(f"/t/{theme.slug}/branding", data, content_type="multipart/form-data")


def _branded(theme, **values):
    branding = ThemeBranding(theme_id=theme.id, **values)
    db.session.add(branding)
    db.session.commit()
    return branding


def test_contrast_follows_wcag_relative_luminance():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_a_colour_with_too_little_contrast_is_refused_with_its_ratio(app, organisation):
    theme, owner = organisation
    client = Client(app)
    client.login(owner.email)
    resp = _save(client, theme, primary_color="#ffcc00", accent_color="#0e2f52")
    assert resp.status_code == 422
    text = page_text(resp)
    assert "1.51:1" in text and "4.5:1" in text  # the measured ratio, and what is needed
    assert 'value="#ffcc00"' in resp.get_data(as_text=True)  # what was typed is kept
    assert db.session.get(ThemeBranding, theme.id) is None
    assert _save(client, theme, primary_color="#777777").status_code == 422
    assert "4.48:1" in page_text(_save(client, theme, primary_color="#777777"))
    assert _save(client, theme, primary_color="blue").status_code == 422


def test_an_accepted_pair_colours_every_page_of_the_organisation(app, organisation):
    theme, owner = organisation
    sub = ThemeFactory(parent=theme, name="Werkgroep wondzorg")
    client = Client(app)
    client.login(owner.email)
    resp = _save(client, theme, primary_color="#154273", accent_color="#767676")
    assert resp.status_code == 302
    visitor = Client(app)
    for path in (f"/t/{theme.slug}", f"/t/{sub.slug}", f"/posts/{ItemFactory(theme=sub).id}"):
        html = visitor.get(path).get_data(as_text=True)
        assert f'href="/t/{theme.slug}/branding.css?v=' in html, path
    css = visitor.get(f"/t/{theme.slug}/branding.css").get_data(as_text=True)
    assert css.strip() == ":root { --blue: #154273; --blue-dark: #767676; }"
    other = ThemeFactory()
    assert "branding.css" not in visitor.get(f"/t/{other.slug}").get_data(as_text=True)


def test_only_an_organisations_admins_change_its_branding(app, organisation):
    theme, owner = organisation
    sub = ThemeFactory(parent=theme)
    link = f'href="/t/{theme.slug}/branding"'
    admin = Client(app)
    admin.login(owner.email)
    assert link in admin.get(f"/t/{sub.slug}").get_data(as_text=True)
    plain = Client(app)
    plain.login(member(theme).email)
    assert link not in plain.get(f"/t/{sub.slug}").get_data(as_text=True)
    assert _save(plain, theme, primary_color="#154273").status_code == 403
    boss = Client(app)
    boss.login(UserFactory(is_platform_owner=True).email)
    assert boss.get(f"/t/{sub.slug}/branding").status_code == 404  # subthemes inherit
    assert db.session.get(ThemeBranding, theme.id) is None


def test_a_logo_is_verified_scaled_and_reencoded(app, organisation):
    theme, owner = organisation
    client = Client(app)
    client.login(owner.email)
    resp = _save(client, theme, logo=(io.BytesIO(png()), "logo.png"))
    assert resp.status_code == 302
    logo = Client(app).get(f"/t/{theme.slug}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    image = Image.open(io.BytesIO(logo.get_data()))
    assert image.format == "PNG" and image.width <= 400 and image.height <= 120
    assert f'src="/t/{theme.slug}/logo?v=' in Client(app).get(f"/t/{theme.slug}").get_data(
        as_text=True)


@pytest.mark.parametrize("name,data", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("logo.png", b"\x89PNG\r\n\x1a\n not really a png"),
    ("logo.png", png()[:60]),
])
def test_a_logo_that_is_not_a_raster_image_is_refused(app, organisation, name, data):
    theme, owner = organisation
    client = Client(app)
    client.login(owner.email)
    resp = _save(client, theme, logo=(io.BytesIO(data), name))
    assert resp.status_code == 422
    assert "PNG, JPEG, GIF or WebP" in page_text(resp)
    assert Client(app).get(f"/t/{theme.slug}/logo").status_code == 404


def test_a_logo_above_the_limit_is_refused(app, organisation):
    theme, owner = organisation
    client = Client(app)
    client.login(owner.email)
    big = io.BytesIO()
    Image.effect_noise((800, 800), 100).save(big, format="PNG")
    assert big.tell() > app.config["BRANDING_LOGO_MAX_BYTES"]
    resp = _save(client, theme, logo=(io.BytesIO(big.getvalue()), "groot.png"))
    assert resp.status_code == 422 and "at most 512 kB" in page_text(resp)


def test_the_own_host_is_set_by_the_platform_owner_only_and_validated(app, organisation):
    theme, owner = organisation
    client = Client(app)
    client.login(owner.email)
    assert _save(client, theme, host=HOST).status_code == 302
    assert db.session.get(ThemeBranding, theme.id).host is None  # not the owner's to set
    boss = Client(app)
    boss.login(UserFactory(is_platform_owner=True).email)
    for bad in ("geen host", "localhost", "-x.example", "a..example", "1.2.3.4"):
        resp = _save(boss, theme, host=bad)
        assert resp.status_code == 422, bad
    assert _save(boss, theme, host=HOST.upper() + ".").status_code == 302
    assert db.session.get(ThemeBranding, theme.id).host == HOST
    other = ThemeFactory()
    resp = _save(boss, other, host=HOST)
    assert resp.status_code == 422 and "already uses this address" in page_text(resp)


def _get(app, host, path="/"):
    """A request on `host`, in its own app context (as in a server: its own flask.g)."""
    with app.app_context():
        return app.test_client().get(path, base_url=f"https://{host}")


def test_the_own_host_opens_the_organisations_page_and_keeps_its_branding(app, organisation):
    theme, _owner = organisation
    sub = ThemeFactory(parent=theme, name="Werkgroep wondzorg")
    _branded(theme, host=HOST, primary_color="#154273")
    with base_url(app):
        home = _get(app, HOST)
        assert home.status_code == 200
        assert "<h1>Zorgregio Noord</h1>" in home.get_data(as_text=True)
        assert f'href="/t/{theme.slug}/branding.css' in home.get_data(as_text=True)
        subpage = _get(app, HOST, f"/t/{sub.slug}")
        assert f'href="/t/{theme.slug}/branding.css' in subpage.get_data(as_text=True)
        # the main site and any unknown host show the list of organisations
        for host in ("werkgroepen.example", "onbekend.example"):
            main = _get(app, host)
            assert main.status_code == 200 and "branding.css" not in main.get_data(as_text=True)
            assert "<h1>Zorgregio Noord</h1>" not in main.get_data(as_text=True)


def _proxy_app(tmp_path, app, trusted):
    from app import create_app

    return create_app({"ENVIRONMENT": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "BASE_URL": "https://werkgroepen.example", "PAGE_CACHE": False,
                       "TRUSTED_PROXIES": trusted}, instance_path=str(tmp_path))


def test_x_forwarded_host_counts_only_from_a_trusted_proxy(app, organisation, tmp_path):
    theme, _owner = organisation
    _branded(theme, host=HOST, primary_color="#154273")
    proxied = _proxy_app(tmp_path, app, ["10.0.0.2", "10.1.0.0/16"])
    headers = {"X-Forwarded-Host": HOST, "X-Forwarded-Proto": "https"}

    def home(peer):
        with proxied.app_context():
            return proxied.test_client().get("/", base_url="http://werkgroepen.example",
                                             headers=headers,
                                             environ_base={"REMOTE_ADDR": peer})

    untrusted = home("192.0.2.7")
    assert untrusted.status_code == 200 and "branding.css" not in untrusted.get_data(as_text=True)
    for peer in ("10.0.0.2", "10.1.4.5"):
        trusted = home(peer)
        assert f'/t/{theme.slug}/branding.css' in trusted.get_data(as_text=True), peer
    with proxied.app_context():  # by default nobody is trusted
        default = _proxy_app(tmp_path / "d", app, None).test_client().get(
            "/", base_url="http://werkgroepen.example", headers=headers,
            environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert "branding.css" not in default.get_data(as_text=True)


def test_mails_about_the_organisations_content_use_its_host_and_logo(app, organisation,
                                                                     mailbox):
    theme, _owner = organisation
    sub = ThemeFactory(parent=theme, workgroup_type=WorkgroupType.CLOSED)
    _branded(theme, host=HOST, logo_png=png((10, 10)), logo_width=10, logo_height=10)
    author = member(sub)
    post = ItemFactory(theme=sub, author=author, part=Part.CLOSED, title="Wondzorg in de wijk")
    replier = Client(app)
    replier.login(member(sub).email)
    replier.post(f"/items/{post.id}/comments", {"body": "Goed plan."})
    (mail,) = mailbox.wait_for(author.email)
    reply = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert mail.link(f"/replies/{reply.id}") == f"http://{HOST}/replies/{reply.id}"
    assert f'src="http://{HOST}/t/{theme.slug}/logo?v=' in mail.html
    # a theme without an own address keeps the platform's
    plain_theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    other_author = member(plain_theme)
    other = ItemFactory(theme=plain_theme, author=other_author, part=Part.CLOSED)
    second = Client(app)
    second.login(member(plain_theme).email)
    second.post(f"/items/{other.id}/comments", {"body": "Eens."})
    (plain,) = mailbox.wait_for(other_author.email)
    assert HOST not in plain.text and "/logo" not in plain.html


def test_feeds_and_embed_code_of_an_organisation_link_to_its_own_address(app, organisation):
    """On the platform's port too, when BASE_URL names one (a trial run)."""
    from lxml import etree

    theme, _owner = organisation
    _branded(theme, host=HOST)
    post = ItemFactory(theme=ThemeFactory(parent=theme), title="Openbaar verslag")
    with base_url(app, "http://127.0.0.1:5000"):
        feed = etree.fromstring(Client(app).get(f"/t/{post.theme.slug}/feed.atom").get_data())
        link = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link")
        assert link.get("href") == f"http://{HOST}:5000/posts/{post.id}"
        page = Client(app).get(f"/posts/{post.id}").get_data(as_text=True)
        assert f"src=&#34;http://{HOST}:5000/embed/items/{post.id}&#34;" in page
