"""Feeds, embed pages and the oEmbed endpoint: public content for other websites and readers.
A closed theme, and every item a visitor may not see, answers 404 here."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   url_for)

from app.filters.models import Category
from app.extensions import db
from app.items.kinds import ItemKind, item_url
from app.outward import services
from app.pagecache import cacheable
from app.permissions import is_public_theme, load_public_item
from app.themes.services import get_theme_by_slug
from app.urls import external_url, parse_id

bp = Blueprint("outward", __name__, template_folder="templates")

EMBED_ITEMS = 10  # items in an embedded list
DEFAULT_SIZE = {"item": (600, 400), "theme": (600, 500)}


def _public_theme_or_404(slug):
    theme = get_theme_by_slug(slug)
    if theme is None or not is_public_theme(theme):
        abort(404)
    return theme


def _kind_arg() -> ItemKind | None:
    value = request.args.get("kind")
    if not value:
        return None
    try:
        return ItemKind(value)
    except ValueError:
        abort(404)


def _category_arg(theme) -> Category | None:
    value = request.args.get("category")
    if not value:
        return None
    category_id = parse_id(value)
    category = db.session.get(Category, category_id) if category_id else None
    if category is None or category.theme_id != theme.id:
        abort(404)
    return category


@bp.route("/t/<slug>/feed.atom")
def theme_feed(slug):
    """Atom feed of a public theme: all its public items, or one kind (?kind=) or one
    category (?category=)."""
    theme = _public_theme_or_404(slug)
    kind, category = _kind_arg(), _category_arg(theme)
    config = current_app.config
    items = services.public_items(theme, kind=kind,
                                  category_id=category.id if category else None,
                                  limit=config["FEED_ENTRIES"])
    title = f"{theme.name} — {config['BOARD_NAME']}"
    if kind is not None:
        title = f"{services.kind_label(kind)}: {title}"
    if category is not None:
        title = f"{category.name}: {title}"
    body, updated = services.atom_feed(
        theme, items, title=title,
        self_url=external_url("outward.theme_feed", _theme=theme, slug=theme.slug,
                              kind=kind.value if kind else None,
                              category=category.id if category else None),
        page_url=external_url("themes.show", _theme=theme, slug=theme.slug,
                              category=category.id if category else None))
    services.mark_indexable()
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = f"public, max-age={int(config['FEED_MAX_AGE'])}"
    response.set_etag(services.etag_of(body))
    response.last_modified = updated
    return response.make_conditional(request)


def _embeddable(response):
    """Another website may frame this page (and no other: the app's headers refuse it)."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-ancestors *; "
        "base-uri 'none'; form-action 'none'")
    response.frame_anywhere = True
    return response


@bp.route("/embed/items/<int:item_id>")
@cacheable
def embed_item(item_id):
    item = load_public_item(item_id)
    if item is None:
        abort(404)
    page = render_template("outward/embed_item.html", item=item,
                           link=item_url(item, external=True))
    return _embeddable(Response(page, mimetype="text/html"))


@bp.route("/embed/t/<slug>")
@cacheable
def embed_theme(slug):
    theme = _public_theme_or_404(slug)
    kind = _kind_arg()
    items = services.public_items(theme, kind=kind, limit=EMBED_ITEMS)
    page = render_template("outward/embed_theme.html", theme=theme, items=items, kind=kind,
                           link=external_url("themes.show", _theme=theme, slug=theme.slug))
    return _embeddable(Response(page, mimetype="text/html"))


def _size(name: str, default: int) -> int:
    value = parse_id(request.args.get(name), None, maximum=4000)
    return min(default, value) if value else default


@bp.route("/oembed")
def oembed():
    """oEmbed (https://oembed.com) for public items and public themes: type "rich", an
    iframe of the embed page. JSON only (format=xml: 501, as the spec allows)."""
    fmt = request.args.get("format", "json")
    if fmt == "xml":
        abort(501)
    if fmt != "json":
        abort(400)
    target = services.resolve_public_url(request.args.get("url", ""))
    if target is None:
        abort(404)
    from app.items.models import Item

    if isinstance(target, Item):
        width, height = DEFAULT_SIZE["item"]
        title, src = target.title, services.embed_item_url(target)
        author = target.author.username if target.author else None
    else:
        width, height = DEFAULT_SIZE["theme"]
        title, src, author = target.name, services.embed_theme_url(target), None
    width, height = _size("maxwidth", width), _size("maxheight", height)
    answer = {"version": "1.0", "type": "rich", "title": title,
              "provider_name": current_app.config["BOARD_NAME"],
              "provider_url": url_for("themes.home", _external=True),
              "html": services.iframe_html(src, title, width, height),
              "width": width, "height": height, "cache_age": 3600}
    if author:
        answer["author_name"] = author
    services.mark_indexable()
    response = jsonify(answer)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
