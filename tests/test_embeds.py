"""Embeds of public items and lists for other websites (iframe pages and oEmbed): only what a
visitor may see, framable only there, and offered under "Share" on public pages only."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html

from app.extensions import db
from app.features.models import ThemeFeature
from app.items.models import ItemState, Part
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client


@pytest.fixture
def world():
    public = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, name="Open werkgroep")
    mixed = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    below_closed = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, parent=closed)
    switched_off = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    db.session.add(ThemeFeature(theme_id=switched_off.id, kind="discussions", enabled=False))
    reader = UserFactory()
    post = ItemFactory(theme=public, title="Openbaar verslag", body="Iedereen mag dit lezen.")
    private = {
        "members only": ItemFactory(theme=mixed, part=Part.CLOSED),
        "closed theme": ItemFactory(theme=closed, part=Part.CLOSED),
        "below a closed theme": ItemFactory(theme=below_closed),
        "restricted": ItemFactory(theme=public, readers=[reader]),
        "pending": ItemFactory(theme=public, state=ItemState.PENDING),
        "rejected": ItemFactory(theme=public, state=ItemState.REJECTED),
        "hidden": ItemFactory(theme=public, state=ItemState.HIDDEN),
        "deleted": ItemFactory(theme=public, state=ItemState.DELETED),
        "kind switched off": ItemFactory(theme=switched_off),
    }
    db.session.commit()
    return {"public": public, "closed": closed, "below_closed": below_closed, "post": post,
            "private": private, "reader": reader}


def _oembed(client, url, fmt="json"):
    return client.get("/oembed", query_string={"url": url, "format": fmt})


def test_a_public_item_is_embedded_in_a_page_other_sites_may_frame(app, world, client):
    post = world["post"]
    resp = client.get(f"/embed/items/{post.id}")
    assert resp.status_code == 200
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers
    doc = lxml_html.fromstring(resp.get_data(as_text=True))
    assert doc.findtext(".//h1/a") == "Openbaar verslag"
    assert "Iedereen mag dit lezen." in doc.text_content()
    assert doc.find(".//base").get("target") == "_blank"  # links open in a new tab
    assert all("noopener" in a.get("rel", "") for a in doc.iter("a"))
    assert doc.find(".//link[@rel='stylesheet']").get("href") == "/static/css/embed.css"
    # every other page still refuses to be framed by another site
    page = client.get(f"/posts/{post.id}")
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]


def test_a_public_theme_list_is_embedded_with_public_items_only(app, world, client):
    resp = client.get(f"/embed/t/{world['public'].slug}")
    assert resp.status_code == 200 and "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    doc = lxml_html.fromstring(resp.get_data(as_text=True))
    assert [a.text for a in doc.iter("a") if "/posts/" in a.get("href")] == ["Openbaar verslag"]
    for theme in (world["closed"], world["below_closed"]):
        assert client.get(f"/embed/t/{theme.slug}").status_code == 404


@pytest.mark.parametrize("who", ["visitor", "admin"])
def test_nothing_private_is_embedded_or_answered_by_oembed(app, world, who):
    """Not even for an admin who may read it all: an embed shows what a visitor sees."""
    client = Client(app)
    if who == "admin":
        client.login(UserFactory(is_platform_owner=True).email)
    for reason, item in world["private"].items():
        assert client.get(f"/embed/items/{item.id}").status_code == 404, reason
        assert _oembed(client, f"http://localhost/posts/{item.id}").status_code == 404, reason
    for theme in (world["closed"], world["below_closed"]):
        assert _oembed(client, f"http://localhost/t/{theme.slug}").status_code == 404


def test_oembed_answers_a_rich_iframe_for_a_public_item_and_theme(app, world, client):
    post = world["post"]
    resp = _oembed(client, f"http://localhost/posts/{post.id}")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    answer = json.loads(resp.get_data())
    assert answer["version"] == "1.0" and answer["type"] == "rich"
    assert answer["title"] == "Openbaar verslag"
    iframe = lxml_html.fragment_fromstring(answer["html"])
    assert iframe.tag == "iframe" and iframe.get("src") == f"http://localhost/embed/items/{post.id}"
    assert int(iframe.get("width")) == answer["width"]
    small = json.loads(client.get("/oembed", query_string={
        "url": f"http://localhost/posts/{post.id}", "maxwidth": "300"}).get_data())
    assert small["width"] == 300
    theme = json.loads(_oembed(client, f"http://localhost/t/{world['public'].slug}").get_data())
    assert theme["type"] == "rich" and f"/embed/t/{world['public'].slug}" in theme["html"]


def test_oembed_refuses_xml_other_sites_and_nonsense(app, world, client):
    post = world["post"]
    assert _oembed(client, f"http://localhost/posts/{post.id}", fmt="xml").status_code == 501
    assert _oembed(client, f"http://elders.example/posts/{post.id}").status_code == 404
    assert _oembed(client, "javascript:alert(1)").status_code == 404
    assert _oembed(client, "http://localhost/login").status_code == 404
    assert client.get("/oembed").status_code == 404


def test_a_public_item_page_offers_its_embed_code_and_oembed(app, world, client):
    post = world["post"]
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    doc = lxml_html.fromstring(html)
    code = doc.get_element_by_id("embed-code").text_content()
    assert f'src="http://localhost/embed/items/{post.id}"' in code
    assert doc.find(".//section[@class='panel share']//h2").text == "Share"
    discovery = doc.find(".//link[@type='application/json+oembed']")
    query = parse_qs(urlsplit(discovery.get("href")).query)
    assert query == {"url": [f"http://localhost/posts/{post.id}"], "format": ["json"]}
    assert 'name="robots"' not in html


def test_a_public_theme_page_offers_its_list_embed_and_feed(app, world, client):
    doc = lxml_html.fromstring(client.get(f"/t/{world['public'].slug}").get_data(as_text=True))
    code = doc.get_element_by_id("embed-code").text_content()
    assert f"/embed/t/{world['public'].slug}" in code
    assert doc.find(f".//a[@href='/t/{world['public'].slug}/feed.atom']") is not None


def test_pages_that_are_not_public_offer_no_embed(app, world):
    reader = Client(app)
    reader.login(world["reader"].email)
    restricted = reader.get(f"/posts/{world['private']['restricted'].id}")
    assert restricted.status_code == 200
    assert "embed-code" not in restricted.get_data(as_text=True)
    assert "json+oembed" not in restricted.get_data(as_text=True)
    owner = Client(app)
    owner.login(member(world["closed"], role=Role.OWNER).email)
    for path in (f"/t/{world['closed'].slug}", f"/posts/{world['private']['closed theme'].id}"):
        page = owner.get(path)
        assert page.status_code == 200
        assert not re.search(r"embed-code|feed\.atom|json\+oembed", page.get_data(as_text=True))
        assert page.headers["X-Robots-Tag"] == "noindex"
