"""Own data (W17): the privacy page, the export of everything a person wrote and everything
kept about them (a zip of JSON, CSV and their files), and deleting one's account either way."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.auth.models import LoginSession, User
from app.extensions import db
from app.inbox.models import Notice
from app.items.models import Comment, Item, Part, Star
from app.mail.models import OutboxMessage
from app.themes.models import Membership, Role, WorkgroupType
from tests.factories import (PASSWORD, CommentFactory, ItemFactory, ThemeFactory,
                             member)
from tests.helpers import Client, page_text, stored_attachment


def _client(app, user):
    c = Client(app)
    c.login(user.email)
    return c


@pytest.fixture
def writer_world(app):
    theme = ThemeFactory(name="Wijkzorg", workgroup_type=WorkgroupType.CLOSED)
    writer = member(theme, username="Wendy Schrijver")
    other = member(theme, username="Otto Ander")
    own = ItemFactory(theme=theme, author=writer, part=Part.CLOSED, title="=HYPERLINK(\"x\")",
                      body="+31 6 1234 5678 is mijn nummer")
    stored_attachment(own)
    theirs = ItemFactory(theme=theme, author=other, part=Part.CLOSED, title="Andermans stuk",
                         body="Niet van Wendy")
    CommentFactory(item=theirs, author=writer, body="@Otto klopt")
    CommentFactory(item=theirs, author=other, body="Antwoord van Otto")
    db.session.add(Star(user_id=writer.id, item_id=theirs.id))
    theirs.star_count, theirs.comment_count = 1, 2
    db.session.commit()
    return theme, writer, other, own, theirs


def test_the_privacy_page_is_linked_from_the_footer_and_the_account(app, writer_world):
    _theme, writer, *_ = writer_world
    visitor = Client(app)
    assert 'href="/privacy"' in visitor.get("/").get_data(as_text=True)
    assert "What we keep" in page_text(visitor.get("/privacy"))
    account = _client(app, writer).get("/account").get_data(as_text=True)
    assert 'href="/privacy"' in account and 'href="/account/data"' in account


def test_the_export_holds_what_you_wrote_and_what_is_kept_about_you(app, writer_world):
    _theme, writer, other, own, theirs = writer_world
    from app.inbox import services
    from app.inbox.models import NoticeKind
    services.add(writer.id, NoticeKind.REPLY, item=theirs, actor=other)
    db.session.commit()
    resp = _client(app, writer).get("/account/data/export")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert "no-store" in resp.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    names = set(archive.namelist())
    assert {"account.json", "items.json", "items.csv", "comments.json", "comments.csv"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["account"]["email"] == writer.email
    assert [m["theme"] for m in account["memberships"]] == ["Wijkzorg"]
    assert account["starred_item_ids"] == [theirs.id]
    assert len(account["login_sessions"]) == 1
    assert [(n["kind"], n["item_id"]) for n in account["notifications"]] == [("reply", theirs.id)]

    items = json.loads(archive.read("items.json"))
    assert [i["title"] for i in items] == ['=HYPERLINK("x")']  # JSON as written
    comments = json.loads(archive.read("comments.json"))
    assert [(c["body"], c["item_title"]) for c in comments] == [("@Otto klopt", "Andermans stuk")]
    assert "Antwoord van Otto" not in archive.read("comments.json").decode()

    rows = list(csv.DictReader(io.StringIO(archive.read("items.csv").decode())))
    assert rows[0]["title"] == "'=HYPERLINK(\"x\")"  # formula cells escaped
    assert rows[0]["body"] == "'+31 6 1234 5678 is mijn nummer"
    (comment_row,) = csv.DictReader(io.StringIO(archive.read("comments.csv").decode()))
    assert comment_row["body"] == "'@Otto klopt"

    (pdf,) = [n for n in names if n.startswith("files/")]
    assert pdf.endswith("verslag.pdf") and archive.read(pdf).startswith(b"%PDF")


def test_nobody_else_downloads_your_export(app, writer_world):
    _theme, writer, other, own, _theirs = writer_world
    assert Client(app).get("/account/data/export").status_code == 302  # to the login
    archive = zipfile.ZipFile(io.BytesIO(_client(app, other).get("/account/data/export").data))
    account = json.loads(archive.read("account.json"))
    assert account["account"]["email"] == other.email
    assert writer.email not in b"".join(archive.read(n) for n in archive.namelist()).decode(
        "utf-8", "replace")
    assert not [n for n in archive.namelist() if n.startswith("files/")]


def test_a_reply_to_an_item_you_can_no_longer_read_is_exported_without_its_title(app,
                                                                                writer_world):
    theme, writer, _other, _own, _theirs = writer_world
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == writer.id))
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(_client(app, writer).get("/account/data/export").data))
    (comment,) = json.loads(archive.read("comments.json"))
    assert comment["body"] == "@Otto klopt" and comment["item_title"] is None


def _delete(client, content, password=PASSWORD):
    return client.post("/account/delete", {"content": content, "password": password})


def test_a_wrong_password_deletes_nothing(app, writer_world):
    _theme, writer, *_ = writer_world
    me = _client(app, writer)
    resp = _delete(me, "keep", password="niet-mijn-wachtwoord")
    assert resp.status_code == 422 and "That is not your password." in page_text(resp)
    assert db.session.get(User, writer.id) is not None
    assert me.get("/account").status_code == 200


def test_deleting_the_account_keeping_content_shows_former_member(app, writer_world, mailbox):
    theme, writer, other, own, theirs = writer_world
    email, writer_id = writer.email, writer.id
    public = ItemFactory(theme=ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN),
                         author=writer, title="Open vraag")
    me, elsewhere = _client(app, writer), _client(app, writer)
    resp = _delete(me, "keep")
    assert resp.status_code == 302
    assert "Je account is verwijderd" in page_text(me.get("/"))  # logged out: Dutch again
    # every session ended, the login refused
    assert me.get("/account").status_code == 302 and elsewhere.get("/account").status_code == 302
    assert Client(app).post("/login", {"email": email, "password": PASSWORD}).status_code == 401
    assert db.session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == writer_id)) == 0
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.user_id == writer_id)) == 0
    # the content stays, under "former member"
    page = page_text(_client(app, other).get(f"/posts/{theirs.id}"))
    assert "@Otto klopt" in page and "former member" in page and "Wendy Schrijver" not in page
    assert db.session.get(Item, own.id).author_id is None
    visitor_page = page_text(Client(app).get(f"/posts/{public.id}"))
    assert "Open vraag" in visitor_page and "former member" in visitor_page
    assert db.session.get(Item, theirs.id).star_count == 0
    # the address may register again
    resp = Client(app).post(f"/register/{theme.slug}", {
        "email": email, "username": "Wendy Opnieuw", "password": "Een-lang-wachtwoord-42",
        "password_confirm": "Een-lang-wachtwoord-42"})
    assert resp.status_code == 200
    assert db.session.scalar(select(User).where(User.email == email)).username == "Wendy Opnieuw"


def test_an_owner_transfers_the_theme_before_deleting_the_account(app, writer_world):
    theme, writer, *_ = writer_world
    db.session.execute(Membership.__table__.update().where(Membership.user_id == writer.id)
                       .values(role=Role.OWNER))
    db.session.commit()
    resp = _delete(_client(app, writer), "keep")
    assert resp.status_code == 422
    assert "You own Wijkzorg: transfer ownership to someone else first." in page_text(resp)
    assert db.session.get(User, writer.id) is not None


def test_deleting_the_account_with_its_content(app, writer_world):
    from app import storage

    _theme, writer, other, own, theirs = writer_world
    email, own_id = writer.email, own.id
    (stored,) = [a.stored_name for a in own.attachments]
    assert storage.get().exists(stored)
    from app.inbox import services
    from app.inbox.models import NoticeKind
    services.add(writer.id, NoticeKind.REPLY, item=theirs)
    db.session.add(OutboxMessage(message_id="<w@example.org>", kind="notification",
                                 recipient=writer.email, user_id=writer.id, subject="x",
                                 body_text="x", body_html="x"))
    db.session.commit()
    resp = _delete(_client(app, writer), "delete")
    assert resp.status_code == 302
    assert db.session.get(Item, own_id) is None
    assert not storage.get().exists(stored)  # the attached file went with it
    assert db.session.scalar(select(Comment.body).where(Comment.item_id == theirs.id)) \
        == "Antwoord van Otto"
    item = db.session.get(Item, theirs.id)
    assert (item.comment_count, item.star_count) == (1, 0)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == email)) == 0
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    page = page_text(_client(app, other).get(f"/posts/{theirs.id}"))
    assert "@Otto klopt" not in page and "Antwoord van Otto" in page
    assert _client(app, other).get(f"/posts/{own_id}").status_code == 404
