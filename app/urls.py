"""Safe redirects: only to paths on this site."""
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


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for mails: BASE_URL when configured (or outside a request), else the
    request's own host."""
    from flask import current_app, has_request_context, url_for

    base = current_app.config.get("BASE_URL")
    if has_request_context() and not base:
        return url_for(endpoint, _external=True, **values)
    base = (base or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
