"""Sharing outwards: Atom feeds, embeds (iframe pages and oEmbed), and telling search engines
what they may index. Everything here shows only what a visitor without a login may see:
permissions.public_items_clause() in every query, permissions.is_public_theme() for every
theme, permissions.load_public_item() for every single item.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.items.kinds import SHOW_ENDPOINTS, ItemKind, item_url
from app.items.models import Item
from app.permissions import is_public_item, is_public_theme, load_public_item, public_items_clause
from app.themes.models import Theme
from app.urls import external_url


def mark_indexable() -> None:
    """This page shows only public content: search engines may index it. Every other answer
    says noindex (meta robots and X-Robots-Tag)."""
    if has_request_context():
        g.indexable = True


def share_theme(theme: Theme) -> bool:
    """A public theme's page: indexable, with its feed and embed under "Share". True when
    public."""
    if not is_public_theme(theme):
        return False
    g.shared_theme = theme
    mark_indexable()
    return True


def shared_item():
    """The item of this page when it is an item's own page and the item is public (then the
    page is indexable and offers its embed and oEmbed), else None. Any kind: the item comes
    from permissions.load_item."""
    if not has_request_context():
        return None
    if "shared_item" not in g:
        item = g.get("shown_item")
        shown = (item is not None
                 and request.endpoint == SHOW_ENDPOINTS.get(ItemKind(item.kind))
                 and is_public_item(item))
        g.shared_item = item if shown else None
        if shown:
            mark_indexable()
    return g.shared_item


def kind_label(kind: ItemKind) -> str:
    from app.features import KINDS

    return str(next((k.label for k in KINDS if k.item_kind == kind), kind.value))


def public_items(theme: Theme, *, kind: ItemKind | None = None, category_id: int | None = None,
                 limit: int = 30) -> list[Item]:
    """The newest public items of a public theme (the caller checked the theme)."""
    query = (select(Item).where(Item.theme_id == theme.id, public_items_clause())
             .options(joinedload(Item.author), joinedload(Item.category))
             .order_by(Item.published_at.desc(), Item.id.desc()).limit(limit))
    if kind is not None:
        query = query.where(Item.kind == kind)
    if category_id is not None:
        query = query.where(Item.category_id == category_id)
    return list(db.session.scalars(query))


def _aware(moment: datetime | None) -> datetime:
    moment = moment or datetime(2000, 1, 1)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def item_updated(item: Item) -> datetime:
    return _aware(max(filter(None, (item.published_at, item.updated_at, item.created_at))))


def atom_feed(theme: Theme, items: list[Item], *, title: str, self_url: str,
              page_url: str) -> tuple[bytes, datetime]:
    """The Atom document of these items, and when it last changed."""
    from feedgen.feed import FeedGenerator

    updated = max((item_updated(i) for i in items), default=_aware(theme.created_at))
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    if theme.description:
        feed.subtitle(theme.description[:500])
    feed.updated(updated)
    feed.generator(current_app.config["BOARD_NAME"])
    for item in items:
        url = item_url(item, external=True)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.title(item.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(_aware(item.published_at or item.created_at))
        entry.updated(item_updated(item))
        entry.author(name=item.author.username if item.author else _("unknown"))
        if item.category is not None:
            entry.category(term=item.category.name)
        entry.content(item.body_html, type="html")
    return feed.atom_str(pretty=True), updated


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


# ------------------------------------------------------------------ embeds and oEmbed

def embed_item_url(item: Item) -> str:
    return external_url("outward.embed_item", _theme=item.theme, item_id=item.id)


def embed_theme_url(theme: Theme, kind: ItemKind | None = None) -> str:
    return external_url("outward.embed_theme", _theme=theme, slug=theme.slug,
                        kind=kind.value if kind else None)


def iframe_html(src: str, title: str, width: int, height: int) -> str:
    """The snippet another website pastes: an iframe of an embed page (escaped)."""
    from markupsafe import escape

    return (f'<iframe src="{escape(src)}" title="{escape(title)}" width="{int(width)}" '
            f'height="{int(height)}" loading="lazy" style="border:0;max-width:100%"></iframe>')


def _known_host(host: str) -> bool:
    from app.branding.services import main_host, normalise_host
    from app.branding.models import ThemeBranding

    if host in {normalise_host(request.host), main_host()}:
        return True
    return db.session.scalar(select(ThemeBranding.theme_id)
                             .where(ThemeBranding.host == host)) is not None


def resolve_public_url(url: str):
    """What a URL of this site shows, if the outside world may see it: a public item, or a
    public theme (its board); else None. Only this site's own addresses count."""
    from app.branding.services import normalise_host

    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    host = normalise_host(parts.netloc)
    if parts.scheme not in ("http", "https") or not host or not _known_host(host):
        return None
    adapter = current_app.url_map.bind(parts.netloc, url_scheme=parts.scheme)
    try:
        endpoint, args = adapter.match(parts.path or "/", method="GET")
    except HTTPException:  # no such page, or a redirect (RequestRedirect is one too)
        return None
    kinds = {endpoint_name: kind for kind, endpoint_name in SHOW_ENDPOINTS.items()}
    if endpoint in kinds:
        return load_public_item(args.get("item_id"), kinds[endpoint])
    theme = None
    if endpoint in ("themes.show", "features.overview", "outward.embed_theme"):
        from app.themes.services import get_theme_by_slug
        theme = get_theme_by_slug(args.get("slug", ""))
    elif endpoint == "themes.home":
        theme = _host_theme(host)
    if theme is not None and is_public_theme(theme):
        return theme
    return None


def _host_theme(host: str) -> Theme | None:
    from app.branding.models import ThemeBranding

    theme_id = db.session.scalar(select(ThemeBranding.theme_id).where(ThemeBranding.host == host))
    return db.session.get(Theme, theme_id) if theme_id is not None else None
