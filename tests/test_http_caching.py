"""What browsers and a reverse proxy may keep: visitors' pages carry an ETag and may be kept
briefly by a shared proxy (answered 304 when unchanged); a logged-in page or one that sets a
cookie is kept by nobody."""
from __future__ import annotations

from app.themes.models import WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory
from tests.helpers import Client, page_text


def test_a_visitor_page_is_revalidated_with_its_etag(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Eerste bericht")
    visitor = Client(app)
    first = visitor.get(f"/t/{theme.slug}")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert first.headers["Vary"] == "Cookie"  # a proxy never hands it to a logged-in browser
    etag = first.headers["ETag"]

    again = visitor.get(f"/t/{theme.slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag

    ItemFactory(theme=theme, title="Nieuw bericht")
    changed = visitor.get(f"/t/{theme.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Nieuw bericht" in page_text(changed)
    assert changed.headers["ETag"] != etag


def test_a_logged_in_page_is_kept_by_no_cache(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Eerste bericht")
    etag = Client(app).get(f"/t/{theme.slug}").headers["ETag"]
    user = UserFactory()
    member = Client(app)
    member.login(user.email)
    resp = member.get(f"/t/{theme.slug}", headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in resp.headers


def test_a_page_that_sets_a_cookie_is_kept_by_no_cache(app):
    resp = Client(app, lang=None).get("/login")  # a form: the CSRF token starts a session
    assert resp.status_code == 200
    assert "Set-Cookie" in resp.headers
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in resp.headers


def test_proxies_revalidate_too_when_told_to(app, monkeypatch):
    cache = app.extensions["page_cache"]
    from app.pagecache import shared_cache_control

    monkeypatch.setattr(cache, "cache_control", shared_cache_control(0))
    cache.clear()
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    resp = Client(app).get(f"/t/{theme.slug}")
    assert resp.headers["Cache-Control"] == "public, no-cache"
