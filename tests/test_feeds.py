"""Atom feeds of public themes: only what a visitor may see, never anything private; per kind
and per category; conditional GET; autodiscovery and noindex on the theme pages."""
from __future__ import annotations

import pytest
from lxml import etree

from app.extensions import db
from app.features.models import ThemeFeature
from app.items.models import ItemState, Part
from app.themes.models import Role, WorkgroupType
from tests.factories import CategoryFactory, ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(resp) -> dict[str, dict]:
    """title -> {link, content} of each entry in an Atom answer (parsed with lxml)."""
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/atom+xml"
    root = etree.fromstring(resp.get_data())
    assert root.tag == f"{ATOM}feed"
    return {e.findtext(f"{ATOM}title"): {
        "link": e.find(f"{ATOM}link").get("href"),
        "content": e.findtext(f"{ATOM}content") or "",
        "id": e.findtext(f"{ATOM}id")} for e in root.iter(f"{ATOM}entry")}


@pytest.fixture
def matrix():
    """A half-open theme and a mixed theme with one public post each, and one post of every
    kind a visitor may not see; a closed theme, and a half-open theme below a closed one."""
    public = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, name="Open werkgroep")
    mixed = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    below_closed = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, parent=closed)
    reader = UserFactory()
    post = ItemFactory(theme=public, title="Openbaar verslag", body="Iedereen mag dit lezen.")
    ItemFactory(theme=mixed, title="Openbaar in gemengd")
    hidden = {
        "members only": ItemFactory(theme=mixed, part=Part.CLOSED, title="Alleen leden"),
        "closed theme": ItemFactory(theme=closed, part=Part.CLOSED, title="Besloten werk"),
        "below a closed theme": ItemFactory(theme=below_closed, title="Onder besloten"),
        "restricted": ItemFactory(theme=public, readers=[reader], title="Afgeschermd"),
        "pending": ItemFactory(theme=public, state=ItemState.PENDING, title="Wacht nog"),
        "rejected": ItemFactory(theme=public, state=ItemState.REJECTED, title="Afgewezen"),
        "hidden": ItemFactory(theme=public, state=ItemState.HIDDEN, title="Verborgen"),
        "deleted": ItemFactory(theme=public, state=ItemState.DELETED, title="Verwijderd"),
        "draft": ItemFactory(theme=public, state=ItemState.DRAFT, title="Concept"),
    }
    return {"public": public, "post": post, "mixed": mixed, "closed": closed, "below_closed": below_closed,
            "hidden": hidden, "reader": reader}


@pytest.mark.parametrize("who", ["visitor", "admin"])
def test_a_feed_holds_only_what_a_visitor_may_see(app, matrix, who):
    """Also when an admin (who sees everything on the pages) asks for it: a feed is public."""
    client = Client(app)
    if who == "admin":
        client.login(UserFactory(is_platform_owner=True).email)
    seen = entries(client.get(f"/t/{matrix['public'].slug}/feed.atom"))
    assert set(seen) == {"Openbaar verslag"}
    assert "Iedereen mag dit lezen." in seen["Openbaar verslag"]["content"]
    assert seen["Openbaar verslag"]["link"] == f"http://localhost/posts/{matrix['post'].id}"
    assert set(entries(client.get(f"/t/{matrix['mixed'].slug}/feed.atom"))) == {
        "Openbaar in gemengd"}


def test_no_private_item_reaches_any_feed(app, matrix, client):
    titles = set()
    for theme in (matrix["public"], matrix["mixed"]):
        for query in ("", "?kind=discussion"):
            titles |= set(entries(client.get(f"/t/{theme.slug}/feed.atom{query}")))
    assert titles.isdisjoint(item.title for item in matrix["hidden"].values())


def test_a_closed_theme_and_a_theme_below_it_have_no_feed(app, matrix):
    boss = Client(app)
    boss.login(member(matrix["closed"], role=Role.OWNER).email)
    for theme in (matrix["closed"], matrix["below_closed"]):
        assert boss.get(f"/t/{theme.slug}/feed.atom").status_code == 404
        assert Client(app).get(f"/t/{theme.slug}/feed.atom").status_code == 404
    assert Client(app).get("/t/bestaat-niet/feed.atom").status_code == 404


def test_a_switched_off_kind_leaves_the_feed(app, matrix, client):
    db.session.add(ThemeFeature(theme_id=matrix["public"].id, kind="discussions", enabled=False))
    db.session.commit()
    assert entries(client.get(f"/t/{matrix['public'].slug}/feed.atom")) == {}


def test_a_feed_per_kind_and_per_category(app, client):
    theme = ThemeFactory()
    category = CategoryFactory(theme_id=theme.id, name="Vragen")
    other = CategoryFactory(theme_id=ThemeFactory().id)
    ItemFactory(theme=theme, title="Een vraag", category_id=category.id)
    ItemFactory(theme=theme, title="Iets anders")
    feed = client.get(f"/t/{theme.slug}/feed.atom?category={category.id}")
    assert set(entries(feed)) == {"Een vraag"}
    assert b"Vragen" in feed.get_data()  # the feed's title names the category
    assert set(entries(client.get(f"/t/{theme.slug}/feed.atom?kind=discussion"))) == {
        "Een vraag", "Iets anders"}
    assert client.get(f"/t/{theme.slug}/feed.atom?kind=nonsense").status_code == 404
    assert client.get(f"/t/{theme.slug}/feed.atom?category={other.id}").status_code == 404
    assert client.get(f"/t/{theme.slug}/feed.atom?category=x").status_code == 404


def test_a_feed_is_bounded_and_newest_first(app, client):
    from datetime import timedelta

    from app.timeutil import utcnow

    theme = ThemeFactory()
    start = utcnow() - timedelta(days=60)
    for n in range(app.config["FEED_ENTRIES"] + 5):
        ItemFactory(theme=theme, title=f"Bericht {n:02d}", created_at=start + timedelta(days=n))
    root = etree.fromstring(client.get(f"/t/{theme.slug}/feed.atom").get_data())
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert len(titles) == app.config["FEED_ENTRIES"]
    assert titles[0] == f"Bericht {app.config['FEED_ENTRIES'] + 4:02d}"


def test_a_feed_answers_conditional_requests(app, client):
    theme = ThemeFactory()
    ItemFactory(theme=theme)
    first = client.get(f"/t/{theme.slug}/feed.atom")
    assert first.headers["Cache-Control"].startswith("public")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(f"/t/{theme.slug}/feed.atom",
                      headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/t/{theme.slug}/feed.atom",
                      headers={"If-Modified-Since": modified}).status_code == 304
    ItemFactory(theme=theme, title="Nieuw bericht")
    fresh = client.get(f"/t/{theme.slug}/feed.atom", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "Nieuw bericht" in entries(fresh)


def test_a_public_theme_page_announces_its_feed_and_is_indexable(app, matrix, client):
    page = client.get(f"/t/{matrix['public'].slug}")
    html = page.get_data(as_text=True)
    assert (f'<link rel="alternate" type="application/atom+xml" '
            f'href="/t/{matrix["public"].slug}/feed.atom"') in html
    assert 'name="robots"' not in html and "X-Robots-Tag" not in page.headers


def test_pages_that_are_not_public_say_noindex(app, matrix):
    visitor = Client(app)
    closed = visitor.get(f"/t/{matrix['closed'].slug}")
    assert closed.status_code == 200
    assert '<meta name="robots" content="noindex">' in closed.get_data(as_text=True)
    assert closed.headers["X-Robots-Tag"] == "noindex"
    assert "application/atom+xml" not in closed.get_data(as_text=True)
    reader = Client(app)
    reader.login(matrix["reader"].email)
    restricted = reader.get(f"/posts/{matrix['hidden']['restricted'].id}")
    assert restricted.status_code == 200
    assert restricted.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in restricted.get_data(as_text=True)
    for path in ("/login", "/search", f"/posts/{matrix['hidden']['deleted'].id}"):
        assert visitor.get(path).headers["X-Robots-Tag"] == "noindex", path


def test_a_feed_costs_the_same_queries_for_few_and_many_entries(app, client):
    from tests.helpers import counted_queries

    organisation = ThemeFactory()
    theme = ThemeFactory(parent=organisation)
    counts = []
    for n in (2, 25):
        for _i in range(n):
            ItemFactory(theme=theme, author=UserFactory(), category_id=CategoryFactory(
                theme_id=theme.id).id)
        with counted_queries() as statements:
            assert client.get(f"/t/{theme.slug}/feed.atom").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6, counts
