"""Link previews of status updates: the title and description of the page a link points to.

Fetching an address someone typed is server-side request forgery territory, so it is done
only by the scheduler (never while a page is served) and only within strict limits:

- http and https only, no user name or password in the address, default or explicit port;
- the host name is resolved once and EVERY address it resolves to must be a public one
  (no private, loopback, link-local, multicast, reserved or unspecified address, IPv4 or
  IPv6); the connection then goes to that vetted address (so a second, different DNS answer
  cannot send it elsewhere), with the host name for TLS and the Host header;
- LINK_PREVIEW_TIMEOUT seconds per connection and read, at most LINK_PREVIEW_MAX_BYTES read,
  only text/html answers, at most 3 redirects, each checked again as above;
- what is kept is plain text (at most 200 and 300 characters), shown escaped.

A refused or failed fetch leaves the link as a plain link; it is not tried again.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
TITLE_MAX, DESCRIPTION_MAX = 200, 300


class PreviewRefused(Exception):
    """The address may not or could not be fetched; the reason says why."""


@dataclass
class Preview:
    title: str
    description: str


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_private or ip.is_unspecified)


def _vetted_address(host: str, port: int, address_allowed) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise PreviewRefused(f"cannot resolve {host}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise PreviewRefused(f"no address for {host}")
    for address in addresses:
        if not address_allowed(address):
            raise PreviewRefused(f"{host} resolves to a non-public address ({address})")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _HeadParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key in ("og:title", "og:description", "description") and key not in self.meta:
                self.meta[key] = attrs.get("content", "")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title and len(self.title) < 1000:
            self.title += data


def _clean(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def parse_preview(html: str) -> Preview | None:
    parser = _HeadParser()
    try:
        parser.feed(html)
    except Exception:  # a broken page gives no preview, never an error
        return None
    title = _clean(parser.meta.get("og:title") or parser.title, TITLE_MAX)
    description = _clean(parser.meta.get("og:description") or parser.meta.get("description", ""),
                         DESCRIPTION_MAX)
    return Preview(title, description) if title else None


def _read_capped(response, max_bytes: int, timeout: float) -> bytes:
    """At most max_bytes of the body, within a few timeouts in all (a server that sends a
    byte now and then cannot hold the fetcher)."""
    deadline = time.monotonic() + 3 * timeout
    chunks, size = [], 0
    while size < max_bytes:
        if time.monotonic() > deadline:
            raise PreviewRefused("the page came too slowly")
        chunk = response.read1(min(16_384, max_bytes - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def fetch_preview(url: str, *, timeout: float = 3.0, max_bytes: int = 262_144,
                  address_allowed=is_public_address) -> Preview | None:
    """The preview of a page, within the limits above; PreviewRefused when the address may
    not be fetched or the answer is not a page."""
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise PreviewRefused("only http and https addresses are fetched")
        if parts.username or parts.password or not parts.hostname:
            raise PreviewRefused("no host, or a user name in the address")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise PreviewRefused("not a valid port") from exc
        address = _vetted_address(parts.hostname, port, address_allowed)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = kind(parts.hostname, port, address, timeout)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", path, headers={"User-Agent": "Werkgroepen-linkvoorbeeld/1.0",
                                               "Accept": "text/html"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise PreviewRefused("a redirect without a target")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise PreviewRefused(f"answered {response.status}")
            content_type = (response.getheader("Content-Type") or "").lower()
            if not content_type.startswith("text/html"):
                raise PreviewRefused(f"not a web page ({content_type or 'no type'})")
            body = _read_capped(response, max_bytes, timeout)
        except (OSError, http.client.HTTPException) as exc:
            raise PreviewRefused(f"could not fetch: {exc.__class__.__name__}") from exc
        finally:
            conn.close()
        charset = response.headers.get_content_charset() or "utf-8"
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        return parse_preview(text)
    raise PreviewRefused("too many redirects")


def fetch_pending(limit: int = 20, **limits) -> int:
    """Fetch the previews of status updates whose link was not looked at yet (the scheduler's
    job; commits nothing itself). Returns how many were looked at."""
    from flask import current_app
    from sqlalchemy import select

    from app.extensions import db
    from app.timeutil import utcnow
    from app.toolkit.models import StatusUpdate

    config = current_app.config
    limits.setdefault("timeout", config.get("LINK_PREVIEW_TIMEOUT", 3.0))
    limits.setdefault("max_bytes", config.get("LINK_PREVIEW_MAX_BYTES", 262_144))
    rows = db.session.scalars(select(StatusUpdate).where(
        StatusUpdate.link_url.is_not(None), StatusUpdate.link_checked_at.is_(None))
        .limit(limit)).all()
    for row in rows:
        try:
            preview = fetch_preview(row.link_url, **limits)
        except PreviewRefused as exc:
            current_app.logger.info("no link preview for update %s: %s", row.item_id, exc)
            preview = None
        row.link_title = preview.title if preview else None
        row.link_description = preview.description if preview else None
        row.link_checked_at = utcnow()
    db.session.flush()
    return len(rows)
