"""Every route of the application, swept from app.url_map: each (method, rule) is classified
below, and the class says who must be refused. A route that is added without a line here
fails test_every_route_is_classified by name.

What "refused" means here, precisely:
- the answer is a redirect to the login page, or 401, 403 or 404 (never 200, never 422: a
  form that is shown again to someone who may not use it is not a refusal);
- nothing in the database changed: every row of every table is the same before and after.
State-changing requests are sent with a valid CSRF token, so the refusal comes from the
route's own check, not from the CSRF protection.

Classes:
  OPEN     anyone may read it (GET only; a POST here would have to be classified apart)
  ACCOUNT  a form for people without an account or login (log in, register, reset, the
           signed unsubscribe link): a visitor may send it; an empty submit changes nothing
  LOGIN    needs a login: a visitor is refused
  ADMIN    theme admins/owner or the platform owner: a visitor and a plain member are refused
  ITEM     a post, reply or attachment: a visitor is refused, and each item the viewer may
           not read (closed theme, restricted audience, someone else's pending post, deleted,
           discussions switched off) answers 404 to a member who cannot read it
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.archive.models import ArchiveJob
from app.extensions import db
from app.features.models import ThemeFeature
from app.filters.models import Category
from app.mail.models import OutboxMessage
from app.organisations.models import Organisation
from app.features import KINDS
from app.items.kinds import ItemKind
from app.people.models import ProfileField
from app.items.models import Part, ItemState
from app.themes.models import Invitation, MembershipStatus, Role, WorkgroupType
from app.timeutil import utcnow
from tests.factories import (MembershipFactory, ItemFactory, CommentFactory, ThemeFactory,
                             UserFactory, event_item, member, task, wiki_page)
from tests.helpers import Client, stored_attachment

OPEN, ACCOUNT, LOGIN, ADMIN, ITEM = "open", "account", "login", "admin", "item"

ROUTES = {
    "GET /": OPEN,
    "GET /static/<path:filename>": OPEN,
    "GET /language/<code>": OPEN,
    "GET /search": OPEN,
    "GET /healthz": OPEN,
    "GET /readyz": OPEN,
    "GET /t/<slug>": OPEN,
    "GET /t/<slug>/overview": OPEN,
    "GET /t/<slug>/organisations": OPEN,
    "POST /t/<slug>/organisations": ADMIN,
    "GET /register": OPEN,
    "GET /register/<slug>": OPEN,
    "POST /register/<slug>": ACCOUNT,
    "GET /login": OPEN,
    "POST /login": ACCOUNT,
    "POST /logout": ACCOUNT,
    "GET /reset": OPEN,
    "POST /reset": ACCOUNT,
    "GET /reset/<token>": OPEN,
    "POST /reset/<token>": ACCOUNT,
    "GET /confirm/<token>": OPEN,
    "GET /confirm/resend": OPEN,
    "POST /confirm/resend": ACCOUNT,
    "GET /unsubscribe/<token>": OPEN,
    "POST /unsubscribe/<token>": ACCOUNT,
    "GET /account": LOGIN,
    "POST /account": LOGIN,
    "POST /account/logout-everywhere": LOGIN,
    "GET /account/notifications": LOGIN,
    "POST /account/notifications": LOGIN,
    "POST /t/<slug>/join": LOGIN,
    "GET /t/<slug>/members": LOGIN,
    "GET /t/<slug>/posts/new": LOGIN,
    "POST /t/<slug>/posts/new": LOGIN,
    "GET /t/<slug>/contact": LOGIN,
    "POST /t/<slug>/contact": LOGIN,
    "GET /t/<slug>/organisations/<int:organisation_id>/contact": LOGIN,
    "POST /t/<slug>/organisations/<int:organisation_id>/contact": LOGIN,
    "GET /moderation": ADMIN,
    "GET /t/<slug>/moderation": ADMIN,
    "POST /t/<slug>/moderation/decide": ADMIN,
    "GET /t/<slug>/moderation/log": ADMIN,
    "GET /t/<slug>/moderation/posts/<int:item_id>/edit": ADMIN,
    "POST /t/<slug>/moderation/posts/<int:item_id>/edit": ADMIN,
    "GET /t/<slug>/members/<int:membership_id>/remove": ADMIN,
    "POST /t/<slug>/members/<int:membership_id>/remove": ADMIN,
    "POST /t/<slug>/members/<int:membership_id>/role": ADMIN,
    "POST /t/<slug>/transfer": ADMIN,
    "GET /t/<slug>/requests": ADMIN,
    "POST /t/<slug>/requests/<int:membership_id>": ADMIN,
    "GET /t/<slug>/subthemes/new": ADMIN,
    "POST /t/<slug>/subthemes/new": ADMIN,
    "GET /t/<slug>/settings/filters": ADMIN,
    "POST /t/<slug>/settings/filters": ADMIN,
    "POST /t/<slug>/settings/filters/<kind>/<int:entry_id>/delete": ADMIN,
    "GET /t/<slug>/digest": ADMIN,
    "POST /t/<slug>/digest": ADMIN,
    "GET /t/<slug>/features": ADMIN,
    "GET /t/<slug>/organisations/<int:organisation_id>/edit": ADMIN,
    "POST /t/<slug>/organisations/<int:organisation_id>/edit": ADMIN,
    "GET /t/<slug>/organisations/<int:organisation_id>/remove": ADMIN,
    "POST /t/<slug>/organisations/<int:organisation_id>/remove": ADMIN,
    "POST /t/<slug>/features": ADMIN,
    "GET /t/<slug>/archive": ADMIN,
    "POST /t/<slug>/archive": ADMIN,
    "GET /t/<slug>/archive/<int:archive_id>": ADMIN,
    "GET /t/<slug>/push": ADMIN,
    "POST /t/<slug>/push": ADMIN,
    "GET /platform/themes": ADMIN,
    "POST /platform/themes": ADMIN,
    "POST /platform/themes/<slug>/owner": ADMIN,
    "GET /platform/outbox/": ADMIN,
    "GET /platform/outbox/<int:message_id>": ADMIN,
    "POST /platform/outbox/<int:message_id>/retry": ADMIN,
    "GET /posts/<int:item_id>": ITEM,
    "GET /posts/<int:item_id>/edit": ITEM,
    "POST /posts/<int:item_id>/edit": ITEM,
    "POST /posts/<int:item_id>/delete": ITEM,
    "POST /posts/<int:item_id>/star": ITEM,
    "POST /posts/<int:item_id>/mute": ITEM,
    "GET /posts/<int:item_id>/report": ITEM,
    "POST /posts/<int:item_id>/report": ITEM,
    "POST /items/<int:item_id>/comments": ITEM,
    "GET /replies/<int:comment_id>": ITEM,
    "POST /replies/<int:comment_id>/delete": ITEM,
    "GET /replies/<int:comment_id>/report": ITEM,
    "POST /replies/<int:comment_id>/report": ITEM,
    "GET /attachments/<int:attachment_id>/<path:filename>": ITEM,
    "GET /u/<int:user_id>": OPEN,
    "GET /u/<int:user_id>/photo": OPEN,
    "GET /profile": LOGIN,
    "POST /profile": LOGIN,
    "GET /platform/profile-fields": ADMIN,
    "POST /platform/profile-fields": ADMIN,
    "POST /platform/profile-fields/<int:field_id>/delete": ADMIN,
    "POST /items/<int:item_id>/bookmark": ITEM,
    "GET /saved": LOGIN,
    "GET /groups": OPEN,
    "GET /groups/mine": LOGIN,
    "GET /t/<slug>/delete": ADMIN,
    "POST /t/<slug>/delete": ADMIN,
    "GET /t/<slug>/invitations": ADMIN,
    "POST /t/<slug>/invitations": ADMIN,
    "POST /t/<slug>/invitations/<int:invitation_id>/revoke": ADMIN,
    "GET /invite/<token>": OPEN,
    "POST /invite/<token>": LOGIN,
    "GET /invite/<token>/register": OPEN,
    "POST /invite/<token>/register": ACCOUNT,
    "GET /platform/deleted-themes": ADMIN,
    "POST /platform/deleted-themes/<int:theme_id>/restore": ADMIN,
    "GET /notifications": LOGIN,
    "POST /notifications/read": LOGIN,
    "GET /privacy": OPEN,
    "GET /account/data": LOGIN,
    "GET /account/data/export": LOGIN,
    "POST /account/delete": LOGIN,
    "GET /t/<slug>/files": OPEN,
    "POST /t/<slug>/files/upload": LOGIN,
    "POST /t/<slug>/files/folders": LOGIN,
    "GET /t/<slug>/files/bin": LOGIN,
    "GET /t/<slug>/files/quota": ADMIN,
    "POST /t/<slug>/files/quota": ADMIN,
    "POST /bin/<int:item_id>/restore": ITEM,
    "GET /folders/<int:item_id>": ITEM,
    "POST /folders/<int:item_id>/upload": ITEM,
    "POST /folders/<int:item_id>/folders": ITEM,
    "GET /folders/<int:item_id>/zip": ITEM,
    "GET /folders/<int:item_id>/settings": ITEM,
    "POST /folders/<int:item_id>/settings": ITEM,
    "POST /folders/<int:item_id>/delete": ITEM,
    "GET /files/<int:item_id>": ITEM,
    "GET /files/<int:item_id>/download": ITEM,
    "GET /files/<int:item_id>/versions/<int:version_id>": ITEM,
    "GET /files/<int:item_id>/thumbnail": ITEM,
    "GET /files/<int:item_id>/settings": ITEM,
    "POST /files/<int:item_id>/settings": ITEM,
    "POST /files/<int:item_id>/delete": ITEM,
    "GET /t/<slug>/questions": OPEN,
    "GET /t/<slug>/questions/new": LOGIN,
    "POST /t/<slug>/questions/new": LOGIN,
    "GET /questions/<int:item_id>": ITEM,
    "GET /questions/<int:item_id>/edit": ITEM,
    "POST /questions/<int:item_id>/edit": ITEM,
    "POST /questions/<int:item_id>/delete": ITEM,
    "POST /questions/<int:item_id>/best": ITEM,
    "POST /answers/<int:comment_id>/star": ITEM,
    "GET /t/<slug>/blog": OPEN,
    "GET /t/<slug>/blog/new": LOGIN,
    "POST /t/<slug>/blog/new": LOGIN,
    "GET /blog/<int:item_id>": ITEM,
    "GET /blog/<int:item_id>/edit": ITEM,
    "POST /blog/<int:item_id>/edit": ITEM,
    "POST /blog/<int:item_id>/delete": ITEM,
    "GET /t/<slug>/updates": OPEN,
    "GET /t/<slug>/updates/new": LOGIN,
    "POST /t/<slug>/updates/new": LOGIN,
    "GET /updates/<int:item_id>": ITEM,
    "GET /updates/<int:item_id>/edit": ITEM,
    "POST /updates/<int:item_id>/edit": ITEM,
    "POST /updates/<int:item_id>/delete": ITEM,
    "GET /t/<slug>/agenda": OPEN,
    "GET /t/<slug>/agenda.ics": OPEN,
    "GET /t/<slug>/agenda/<token>.ics": OPEN,
    "POST /agenda/feed-token": LOGIN,
    "GET /t/<slug>/events/new": LOGIN,
    "POST /t/<slug>/events/new": LOGIN,
    "GET /events/<int:item_id>": ITEM,
    "GET /events/<int:item_id>/event.ics": ITEM,
    "GET /events/<int:item_id>/edit": ITEM,
    "POST /events/<int:item_id>/edit": ITEM,
    "POST /events/<int:item_id>/delete": ITEM,
    "POST /events/<int:item_id>/cancel": ITEM,
    "POST /events/<int:item_id>/answer": ITEM,
    "GET /embed/items/<int:item_id>": ITEM,
    "GET /embed/t/<slug>": OPEN,
    "GET /t/<slug>/feed.atom": OPEN,
    "GET /oembed": OPEN,
    "GET /t/<slug>/branding": ADMIN,
    "POST /t/<slug>/branding": ADMIN,
    "GET /t/<slug>/branding.css": OPEN,
    "GET /t/<slug>/logo": OPEN,
    "GET /t/<slug>/wiki": OPEN,
    "GET /t/<slug>/wiki/new": LOGIN,
    "POST /t/<slug>/wiki/new": LOGIN,
    "GET /wiki/<int:item_id>": ITEM,
    "GET /wiki/<int:item_id>/edit": ITEM,
    "POST /wiki/<int:item_id>/edit": ITEM,
    "POST /wiki/<int:item_id>/delete": ITEM,
    "GET /wiki/<int:item_id>/history": ITEM,
    "GET /wiki/<int:item_id>/diff": ITEM,
    "GET /wiki/<int:item_id>/revisions/<int:number>": ITEM,
    "POST /wiki/<int:item_id>/revisions/<int:number>/restore": ITEM,
    "GET /t/<slug>/tasks": OPEN,
    "GET /t/<slug>/tasks/new": LOGIN,
    "POST /t/<slug>/tasks/new": LOGIN,
    "GET /tasks/mine": LOGIN,
    "GET /tasks/<int:item_id>": ITEM,
    "GET /tasks/<int:item_id>/edit": ITEM,
    "POST /tasks/<int:item_id>/edit": ITEM,
    "POST /tasks/<int:item_id>/delete": ITEM,
    "POST /tasks/<int:item_id>/state": ITEM,
    "POST /tasks/<int:item_id>/assignees": ITEM,
}
# The kind of item an ITEM route's address leads to (by its first path segment); every
# other item route takes any item, and is swept with discussions.
ROUTE_KINDS = {"questions": ItemKind.QUESTION, "answers": ItemKind.QUESTION,
               "blog": ItemKind.BLOG, "updates": ItemKind.STATUS_UPDATE,
               "folders": ItemKind.FOLDER, "files": ItemKind.FILE, "bin": ItemKind.FILE,
               "events": ItemKind.EVENT, "wiki": ItemKind.WIKI_PAGE, "tasks": ItemKind.TASK}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app) -> set[str]:
    return {f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _unclassified(app) -> list[str]:
    return sorted(_routes(app) - ROUTES.keys())


def test_every_route_is_classified(app):
    routes = _routes(app)
    assert _unclassified(app) == [], "classify these routes in ROUTES"
    assert sorted(ROUTES.keys() - routes) == [], "these routes no longer exist"
    open_writes = [r for r in routes if r.split()[0] in STATE_CHANGING and ROUTES[r] == OPEN]
    assert open_writes == []


def test_a_route_added_without_a_class_is_named(tmp_path):
    from app import create_app

    other = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "s" * 40,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                       instance_path=str(tmp_path))
    other.add_url_rule("/t/<slug>/export", "export", lambda slug: "", methods=["GET", "POST"])
    assert _unclassified(other) == ["GET /t/<slug>/export", "POST /t/<slug>/export"]


# ------------------------------------------------------------------------- the world

def _item(post) -> dict:
    reply = CommentFactory(item=post)
    db.session.flush()
    return {"item_id": post.id, "comment_id": reply.id,
            "attachment_id": stored_attachment(post, commit=False), "filename": "verslag.pdf"}


def _file_items(theme, **kw) -> dict:
    """A folder with a file in it (with a stored version and thumbnail), as the upload
    service stores them; the arguments of the folder's and the file's routes."""
    import io as _io
    import secrets

    from app import storage
    from app.files.models import File, FileVersion, Folder
    from app.items.kinds import ItemKind

    folder = ItemFactory(theme=theme, kind=ItemKind.FOLDER, body="", **kw)
    item = ItemFactory(theme=theme, kind=ItemKind.FILE, body="", title="verslag.pdf", **kw)
    name, thumb = secrets.token_hex(8) + ".pdf", secrets.token_hex(8) + ".jpg"
    storage.get().put(name, _io.BytesIO(b"%PDF-1.4 test"))
    storage.get().put(thumb, _io.BytesIO(b"\xff\xd8\xff thumbnail"))
    db.session.add(Folder(item_id=folder.id))
    file = File(item_id=item.id, folder_id=folder.id, name_key="verslag.pdf",
                stored_name=name, content_type="application/pdf", size=13,
                thumbnail_name=thumb)
    version = FileVersion(file=file, number=1, stored_name=name, filename="verslag.pdf",
                          size=13, content_type="application/pdf")
    db.session.add_all([file, version])
    db.session.flush()
    return {"folder": {"item_id": folder.id}, "file": {"item_id": item.id,
                                                       "version_id": version.id}}


@pytest.fixture
def world(app):
    """A half-open theme in which `reader` is a plain member, with one readable post and posts
    the reader may not read, one of each reason; and whatever else the routes' arguments name."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(theme, role=Role.OWNER)
    reader = member(theme)
    requester = UserFactory()
    waiting = MembershipFactory(user=requester, theme=theme, status=MembershipStatus.PENDING)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    other_admin = member(closed, role=Role.ADMIN)
    switched_off = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    MembershipFactory(user=reader, theme=switched_off)
    for k in KINDS:
        db.session.add(ThemeFeature(theme_id=switched_off.id, kind=k.key, enabled=False))
    org = Organisation(theme_id=theme.id, name="Gemeente Sweep", contact_email="info@example.org")
    category = Category(theme_id=theme.id, name="Sweepcategorie")
    db.session.add_all([org, category])
    outbox = OutboxMessage(message_id="<sweep@example.org>", kind="test", recipient="a@example.org",
                           subject="Sweep", body_text="x", body_html="<p>x</p>")
    field = ProfileField(label_nl="Website", label_en="Website")
    db.session.add_all([outbox, field])
    db.session.flush()
    archive = ArchiveJob(theme_id=theme.id, requested_by_id=owner.id)  # being built
    db.session.add(archive)
    db.session.flush()
    def one(kind, **kw):
        if kind in (ItemKind.FOLDER, ItemKind.FILE):
            return _file_items(**kw)[kind.value]
        if kind == ItemKind.EVENT:
            return _item(event_item(**kw))
        if kind == ItemKind.WIKI_PAGE:
            return {**_item(wiki_page(**kw)), "number": 1}
        if kind == ItemKind.TASK:
            return _item(task(**kw))
        return _item(ItemFactory(kind=kind, **kw))

    def unreadable_of(kind):
        return {
            "closed theme": one(kind, theme=closed, part=Part.CLOSED),
            "restricted audience": one(kind, theme=theme, readers=[owner]),
            "someone else's pending item": one(kind, theme=theme, state=ItemState.PENDING),
            "deleted": one(kind, theme=theme, state=ItemState.DELETED),
            "kind switched off": one(kind, theme=switched_off),
        }

    unreadable = {kind: unreadable_of(kind) for kind in ItemKind}
    readable = {kind: one(kind, theme=theme) for kind in ItemKind}
    pending_for_admin = ItemFactory(theme=theme, state=ItemState.PENDING)
    invitation = Invitation(theme_id=theme.id, email="invited@example.org", token_hash="0" * 64,
                            expires_at=utcnow() + timedelta(days=1))
    deleted_theme = ThemeFactory(deleted_at=utcnow())
    db.session.add(invitation)
    db.session.commit()
    args = {"slug": theme.slug, "membership_id": waiting.id, "organisation_id": org.id,
            "kind": "category", "entry_id": category.id, "message_id": outbox.id,
            "token": "not-a-valid-token", "code": "en", "filename": "css/board.css",
            "item_id": pending_for_admin.id, "user_id": reader.id, "field_id": field.id,
            "invitation_id": invitation.id, "theme_id": deleted_theme.id,
            "archive_id": archive.id}
    return {"theme": theme, "owner": owner, "reader": reader, "other_admin": other_admin,
            "args": args,
            "unreadable": unreadable, "readable": readable}


def _kind_of(rule: str) -> ItemKind:
    return ROUTE_KINDS.get(rule.strip("/").split("/")[0], ItemKind.DISCUSSION)


def _url(rule: str, args: dict) -> str:
    def fill(match):
        return str(args[match.group(1)])
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", fill, rule)


def _snapshot() -> dict:
    """Every row of every table, to compare before and after a request."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(select(t)).all()))
                for t in db.metadata.sorted_tables}


def _send(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


def _to_login(resp) -> bool:
    return resp.status_code == 302 and resp.headers["Location"].split("?")[0].endswith("/login")


def _refused(resp) -> bool:
    return resp.status_code in (401, 403, 404) or _to_login(resp)


def _changes(before: dict) -> list[str]:
    after = _snapshot()
    return [name for name in before if before[name] != after[name]]


def _sweep(app, world, who, classes, items=None, methods=("GET", "POST"), skip=()):
    """Problems found: routes of these classes (and methods) that did not refuse `who` (or,
    given items, did not answer 404 for each of them), or that changed the database."""
    client = Client(app)
    if who is not None:
        client.login(world[who].email)
    problems = []
    for route, cls in sorted(ROUTES.items()):
        if cls not in classes or route in skip:
            continue
        method, rule = route.split(" ", 1)
        if method not in methods:
            continue
        kind = _kind_of(rule)
        for label, item in (world[items][kind] if items else {"": world["readable"][kind]}).items():
            url = _url(rule, {**world["args"], **item})
            before = _snapshot()
            resp = _send(client, method, url)
            if items:  # a visitor may be sent to log in first where a route needs a login
                wanted = resp.status_code == 404 or (who is None and _to_login(resp))
            else:
                wanted = _refused(resp)
            if not wanted:
                problems.append(f"{route} {label}: {resp.status_code} {url}")
            changed = _changes(before)
            if changed:
                problems.append(f"{route} {label}: changed {changed}")
    return problems


def test_a_visitor_is_refused_everywhere_but_open_pages_and_account_forms(app, world):
    """Member and admin pages, and every state-changing item route (on a post the visitor
    may read: starring or replying still needs a login)."""
    assert _sweep(app, world, None, {LOGIN, ADMIN}) == []
    assert _sweep(app, world, None, {ITEM}, methods=STATE_CHANGING) == []


def test_every_item_url_answers_404_to_a_visitor_who_may_not_read_it(app, world):
    assert _sweep(app, world, None, {ITEM}, items="unreadable", methods=("GET",)) == []


def test_account_forms_sent_empty_by_a_visitor_change_nothing(app, world):
    client = Client(app)
    problems = []
    for route, cls in ROUTES.items():
        if cls != ACCOUNT:
            continue
        method, rule = route.split(" ", 1)
        before = _snapshot()
        resp = _send(client, method, _url(rule, world["args"]))
        if resp.status_code >= 500:
            problems.append(f"{route}: {resp.status_code}")
        if _changes(before):
            problems.append(f"{route}: changed {_changes(before)}")
    assert problems == []


def test_a_plain_member_is_refused_on_every_admin_route(app, world):
    assert _sweep(app, world, "reader", {ADMIN}) == []


def test_an_admin_of_another_theme_is_refused_on_this_themes_admin_routes(app, world):
    """(Their own queue overview, /moderation, leads them to their own theme's queue.)"""
    assert _sweep(app, world, "other_admin", {ADMIN}, skip={"GET /moderation"}) == []


def test_the_admin_routes_are_built_right_so_the_refusals_mean_something(app, world):
    """The same URLs open for the people they are for (GET only: nothing changes)."""
    owner, boss = Client(app), Client(app)
    owner.login(world["owner"].email)
    boss.login(UserFactory(is_platform_owner=True).email)
    for route, cls in ROUTES.items():
        method, rule = route.split(" ", 1)
        if cls == ADMIN and method == "GET":
            client = boss if rule.startswith("/platform") else owner
            resp = client.get(_url(rule, world["args"]))
            assert resp.status_code in (200, 302), f"{route}: {resp.status_code}"


def test_every_item_url_answers_404_to_a_member_who_may_not_read_it(app, world):
    assert _sweep(app, world, "reader", {ITEM}, items="unreadable") == []


def test_the_item_urls_open_for_a_reader_of_a_readable_item(app, world):
    client = Client(app)
    client.login(world["reader"].email)
    for route, cls in ROUTES.items():
        method, rule = route.split(" ", 1)
        if cls == ITEM and method == "GET":
            resp = client.get(_url(rule, {**world["args"], **world["readable"][_kind_of(rule)]}))
            if resp.status_code == 302:  # /replies/<id> leads to the reply's page of its post
                assert "/posts/" in resp.headers["Location"], f"{route}: {resp.headers['Location']}"
                continue
            assert resp.status_code in (200, 403), f"{route}: {resp.status_code}"
