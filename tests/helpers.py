"""Helpers for tests: a CSRF-aware client, the visible text of a page, counting a page's SQL
statements, and an attachment stored as an upload would be."""
from __future__ import annotations

import io
import re
import secrets
from contextlib import contextmanager


class Client:
    """Flask test client that fills in the CSRF token like a browser submitting a form."""

    def __init__(self, app, lang="en"):
        self.app = app
        self.http = app.test_client()
        if lang:
            self.get(f"/language/{lang}")

    def csrf_token(self) -> str:
        page = self.get("/reset").get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, "no CSRF token on /reset"
        return match.group(1)

    def _request(self, method, url, **kw):
        # Each request gets its own app context (and so its own flask.g and db session), as
        # in a real server; otherwise requests would reuse the test's context and share g.
        from app.extensions import db
        with self.app.app_context():
            resp = getattr(self.http, method)(url, **kw)
        db.session.expire_all()  # the test's session must re-read what the request changed
        return resp

    def get(self, url, **kw):
        return self._request("get", url, **kw)

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self._request("post", url, data=data, **kw)

    def login(self, email, password=None, **extra):
        from tests.factories import PASSWORD
        resp = self.post("/login", {"email": email, "password": password or PASSWORD, **extra})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        return resp

    def logout(self):
        return self.post("/logout")


def page_text(resp) -> str:
    """The visible text of an HTML response (tags stripped, whitespace collapsed)."""
    html = resp.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace(
        "&amp;", "&").replace("&quot;", '"').strip()


def listed_titles(resp) -> set[str]:
    """The titles in a page's post list (board or search results)."""
    html = resp.get_data(as_text=True)
    block = re.search(r'<ol class="post-list">(.*?)</ol>', html, flags=re.S)
    return set(re.findall(r'<h3><a href="/posts/\d+">([^<]+)</a></h3>', block.group(1))) if block else set()


def form_fields(resp, form_index: int = -1) -> dict:
    """What a browser would send back from a page's form (the last one by default): text
    inputs, checked boxes and radios, selected options, text areas; lists for repeated names;
    without the CSRF token (Client.post adds it)."""
    from html.parser import HTMLParser

    forms: list[list[tuple[str, str]]] = []

    class Parser(HTMLParser):
        textarea = select = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                forms.append([])
            elif not forms:
                return
            elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                forms[-1].append((a["name"], a.get("value") or ""))
            elif tag == "textarea":
                self.textarea = [a.get("name"), ""]
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and "selected" in a:
                forms[-1].append((self.select, a.get("value") or ""))

        def handle_endtag(self, tag):
            if tag == "textarea" and self.textarea:
                # a browser drops one line break right after <textarea>
                text = self.textarea[1]
                text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
                forms[-1].append((self.textarea[0], text))
                self.textarea = None
            elif tag == "select":
                self.select = None

        def handle_data(self, data):
            if self.textarea:
                self.textarea[1] += data

    Parser(convert_charrefs=True).feed(resp.get_data(as_text=True))
    result: dict = {}
    for name, value in forms[form_index]:
        if name == "csrf_token":
            continue
        if name in result:
            result[name] = (result[name] if isinstance(result[name], list)
                            else [result[name]]) + [value]
        else:
            result[name] = value
    return result


# What any page a member opens may cost in SQL statements, whatever the data behind it.
PAGE_QUERY_BUDGET = 12


@contextmanager
def counted_queries():
    """The SQL statements run inside the block (a list filled as they run). Pages are rendered
    in it: the page cache and the shared board lists are emptied first, so a page read before
    is not answered from them."""
    from flask import current_app
    from sqlalchemy import event

    from app.extensions import db

    if "page_cache" in current_app.extensions:
        current_app.extensions["page_cache"].clear()
    current_app.extensions["shared_post_lists"].clear()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def stored_attachment(item, commit: bool = True) -> int:
    """A small PDF attached to `item`, its file in the configured storage; the attachment id."""
    from app import storage
    from app.extensions import db
    from app.items.models import Attachment

    name = secrets.token_hex(8) + ".pdf"
    size = storage.get().put(name, io.BytesIO(b"%PDF-1.4 test"))
    att = Attachment(item_id=item.id, stored_name=name, filename="verslag.pdf",
                     content_type="application/pdf", size=size)
    db.session.add(att)
    db.session.commit() if commit else db.session.flush()
    return att.id
