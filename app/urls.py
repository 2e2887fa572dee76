"""Safe redirects: only to paths on this site."""
import re
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """The target if it is a local path (no scheme, no host, no '//' or backslash tricks)."""
    if not target or not isinstance(target, str):
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def external_url(endpoint: str, _theme=None, **values) -> str:
    """An absolute URL for mails and feeds. For a theme's content (`_theme`), its
    organisation's own address when it has one (app.branding.services.theme_base_url, the one
    rule); else BASE_URL when configured (or outside a request), else the request's own host."""
    from urllib.parse import quote

    from flask import current_app, has_request_context, url_for

    base = None
    if _theme is not None:
        from app.branding.services import theme_base_url
        base = theme_base_url(_theme)
    base = base or current_app.config.get("BASE_URL")
    if has_request_context() and not base:
        return url_for(endpoint, _external=True, **values)
    base = (base or "http://127.0.0.1:5000").rstrip("/")
    adapters = current_app.extensions.setdefault("board_url_adapters", {})
    adapter = adapters.get(base)
    if adapter is None:  # bind once per address: digests build thousands of links
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                           url_scheme=parts.scheme or "http")
        if len(adapters) > 100:
            adapters.clear()
        adapters[base] = adapter
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return url + ("#" + quote(anchor) if anchor else "")


def parse_id(value, default=None, maximum: int = 2**31 - 1):
    """A positive integer from user input (query string, form), or `default`.

    Only ASCII digits count (str.isdigit() also accepts '²', which int() refuses), and values
    past what the database stores are refused too."""
    if isinstance(value, int):
        return value if 0 < value <= maximum else default
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,10}", value):
        return default
    number = int(value)
    return number if 0 < number <= maximum else default
