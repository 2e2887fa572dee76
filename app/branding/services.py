"""Branding of an organisation (a top-level theme): colours with enough contrast, a logo that
is re-encoded before anyone sees it, an own host name, and the ONE rule for "which address
does this theme's content have" (theme_base_url), used by links in mails and feeds.

A theme is loaded together with its branding (a joined relationship), so a page knows its
organisation's branding without a query; a request on a host other than the platform's own
costs one query (by the unique host) to find its organisation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select

from app import images
from app.branding.models import ThemeBranding
from app.errors import DomainError
from app.extensions import db
from app.themes.models import Theme

HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
TEXT_ON_COLOUR = "#ffffff"  # the header, buttons and links show white text on the colours
MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
LOGO_MAX_PIXELS = 25_000_000  # larger images are refused before they are decoded


class BrandingError(DomainError):
    """Refused branding; `ratio` is the measured contrast when that was the reason."""

    def __init__(self, message: str, field: str | None = None, ratio: float | None = None):
        super().__init__(message, field)
        self.ratio = ratio


# ------------------------------------------------------------------ colours (WCAG 2.x)

def relative_luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour "#rrggbb" (WCAG 2.x definition)."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top: 1 to 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def clean_colour(value: str | None, field: str, label: str) -> str | None:
    """A colour as "#rrggbb" (lower case), or None when empty; refused when it is not a hex
    colour or white text on it is harder to read than WCAG AA allows."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if not HEX_COLOUR.fullmatch(value):
        raise BrandingError(_("%(label)s: give a colour as # and six hexadecimal digits, "
                              "like #154273.", label=label), field)
    ratio = contrast_ratio(value, TEXT_ON_COLOUR)
    if ratio < MIN_CONTRAST:
        raise BrandingError(
            _("%(label)s %(colour)s: white text on it has a contrast ratio of %(ratio)s:1; "
              "at least %(minimum)s:1 is needed (WCAG AA). Choose a darker colour.",
              label=label, colour=value, ratio=f"{ratio:.2f}", minimum=MIN_CONTRAST),
            field, ratio)
    return value


# ------------------------------------------------------------------ host names

def normalise_host(value: str | None) -> str:
    """A host name as compared: lower case, without port and trailing dot."""
    value = (value or "").strip().lower()
    if value.startswith("["):  # an IPv6 literal never names an organisation
        return value
    return value.split(":", 1)[0].rstrip(".")


def main_host() -> str | None:
    base = current_app.config.get("BASE_URL")
    return normalise_host(urlsplit(base).netloc) if base else None


def clean_host(value: str | None, theme: Theme) -> str | None:
    """A valid, unused host name for the organisation (None: none)."""
    host = normalise_host(value)
    if not host:
        return None
    labels = host.split(".")
    if (len(host) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels)
            or labels[-1].isdigit()):
        raise BrandingError(_("Give a host name such as werkgroepen.organisatie.example: "
                              "letters, digits and hyphens, in parts separated by dots."), "host")
    if host == main_host():
        raise BrandingError(_("This is the platform's own address."), "host")
    taken = db.session.scalar(select(ThemeBranding.theme_id).where(
        ThemeBranding.host == host, ThemeBranding.theme_id != theme.id))
    if taken is not None:
        raise BrandingError(_("Another organisation already uses this address."), "host")
    return host


# ------------------------------------------------------------------ logo

def clean_logo(stream, max_bytes: int, max_box: tuple[int, int],
               name: str | None = None) -> tuple[bytes, int, int]:
    """The uploaded logo checked and re-encoded by the one image rule (app/images.py):
    (PNG bytes, width, height), scaled down to fit max_box. Nothing of the upload but its
    pixels is kept; BrandingError names the problem."""
    try:
        clean = images.clean_upload(stream, max_bytes=max_bytes, max_pixels=LOGO_MAX_PIXELS,
                                    box=max_box, output="PNG", name=name)
    except images.ImageRefused as exc:
        raise BrandingError(exc.message, "logo") from None
    return clean.data, clean.width, clean.height


# ------------------------------------------------------------------ saving

def branding_of(theme: Theme) -> ThemeBranding | None:
    return db.session.get(ThemeBranding, theme.id)


def save_branding(theme: Theme, *, primary: str | None, accent: str | None,
                  logo=None, remove_logo: bool = False, host: str | None = None,
                  set_host: bool = False, logo_filename: str | None = None) -> ThemeBranding:
    """Change a top-level theme's branding (flushes). `host` only counts with `set_host`
    (the platform owner's part of the form); `logo_filename` names the upload in messages."""
    if theme.parent_id is not None:
        raise BrandingError(_("Only an organisation (a top-level theme) has its own branding."))
    primary = clean_colour(primary, "primary_color", _("Primary colour"))
    accent = clean_colour(accent, "accent_color", _("Accent colour"))
    cleaned_host = clean_host(host, theme) if set_host else None
    picture = None
    if logo is not None and not remove_logo:
        config = current_app.config
        picture = clean_logo(logo, config["BRANDING_LOGO_MAX_BYTES"],
                             tuple(config["BRANDING_LOGO_BOX"]), logo_filename)
    branding = branding_of(theme) or ThemeBranding(theme_id=theme.id)
    branding.primary_color, branding.accent_color = primary, accent
    if set_host:
        branding.host = cleaned_host
    if remove_logo:
        branding.logo_png = branding.logo_width = branding.logo_height = None
    elif picture is not None:
        branding.logo_png, branding.logo_width, branding.logo_height = picture
    db.session.add(branding)
    db.session.flush()
    return branding


# ------------------------------------------------------------------ what pages and mails use

@dataclass(frozen=True)
class Brand:
    """What a page or mail needs of a theme's branding (hex colours are validated)."""

    theme_id: int
    slug: str
    name: str
    host: str | None
    primary: str | None
    accent: str | None
    has_logo: bool
    version: int  # changes with every saved branding: part of the logo's and style's URL

    @property
    def has_style(self) -> bool:
        return bool(self.primary or self.accent)


def _brand(branding: ThemeBranding, theme: Theme) -> Brand:
    primary, accent = branding.primary_color, branding.accent_color
    return Brand(theme_id=theme.id, slug=theme.slug, name=theme.name, host=branding.host,
                 primary=primary if primary and HEX_COLOUR.fullmatch(primary) else None,
                 accent=accent if accent and HEX_COLOUR.fullmatch(accent) else None,
                 has_logo=branding.has_logo, version=int(branding.updated_at.timestamp()))


def forget_cached() -> None:
    """After a change of branding within this request."""
    if has_request_context():
        g.pop("_host_brand", None)


def brand_for(theme: Theme | None) -> Brand | None:
    """The branding that applies to a theme: its organisation's (the top-level theme's). No
    query: a theme is loaded with its branding."""
    if theme is None:
        return None
    root = theme.root
    return _brand(root.branding, root) if root.branding is not None else None


def host_brand() -> Brand | None:
    """The organisation whose own host this request came in on. None on the main site: the
    host of BASE_URL, every host nobody registered, and every host when BASE_URL is unset
    (own hosts need it: without it nothing says which host is the platform's own)."""
    if not has_request_context():
        return None
    main = main_host()
    host = normalise_host(request.host)
    if not main or host == main:
        return None
    if "_host_brand" not in g:
        branding = db.session.scalar(select(ThemeBranding).where(ThemeBranding.host == host))
        g._host_brand = _brand(branding, branding.theme) if branding is not None else None
    return g._host_brand


def page_brand(theme: Theme | None = None) -> Brand | None:
    """The branding a page shows: its theme's organisation, else the one of the host."""
    return brand_for(theme) or host_brand()


def _scheme_and_port() -> tuple[str, str]:
    """The platform's scheme, and its port when BASE_URL names one (a trial run on :5000):
    own hosts are served the same way as the platform's own address."""
    base = current_app.config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        return parts.scheme or "https", f":{parts.port}" if parts.port else ""
    return (request.scheme if has_request_context() else "http"), ""


def theme_base_url(theme: Theme | None) -> str | None:
    """THE rule for the address of a theme's content in mails and feeds: its organisation's
    own host when it has one, else None (the platform's address: BASE_URL). Never taken from
    a request's Host header."""
    brand = brand_for(theme)
    if brand is None or not brand.host:
        return None
    scheme, port = _scheme_and_port()
    return f"{scheme}://{brand.host}{port}"


def mail_brand(theme: Theme | None) -> dict | None:
    """What the mail layout shows for a mail about a theme's content: the organisation's
    name, logo (on its own address) and primary colour."""
    brand = brand_for(theme)
    if brand is None:
        return None
    from app.urls import external_url

    logo_url = (external_url("branding.logo", _theme=theme, slug=brand.slug, v=brand.version)
                if brand.has_logo else None)
    return {"name": brand.name, "logo_url": logo_url, "colour": brand.primary}
