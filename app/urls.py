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
