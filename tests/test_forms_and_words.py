"""Forms tell what went wrong at their top (linked to the fields) and what the required mark
means; the Dutch interface uses the handbooks' words and no raw stored values."""
from __future__ import annotations

import re

from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.moderation import services as moderation
from app.items.models import ItemState
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, page_text


def summary(resp) -> str:
    """The error summary block of a page ('' when there is none)."""
    match = re.search(r'<div class="error-summary[^"]*" role="alert">(.*?)</div>',
                      resp.get_data(as_text=True), flags=re.S)
    return match.group(1) if match else ""


def test_a_failed_log_in_shows_an_error_summary_linked_to_the_field(client):
    user = UserFactory()
    resp = client.post("/login", {"email": user.email, "password": "niet-het-goede-wachtwoord"})
    assert resp.status_code == 401
    block = summary(resp)
    assert 'href="#password"' in block and "E-mail address or password is not right." in block
    html = resp.get_data(as_text=True)
    assert html.index('class="error-summary') < html.index('id="email"')  # above the form
    empty = client.post("/login", {"email": "", "password": ""})
    assert empty.status_code == 422
    assert 'href="#email"' in summary(empty) and 'href="#password"' in summary(empty)
    assert client.get("/login").status_code == 200 and summary(client.get("/login")) == ""


def test_forms_with_required_fields_explain_the_mark(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    dutch = Client(app, lang="nl")
    text = page_text(dutch.get(f"/register/{theme.slug}"))
    assert "* verplicht veld" in text
    assert text.index("* verplicht veld") < text.index("E-mailadres")
    assert "* required field" in page_text(Client(app).get("/login"))


def test_the_outbox_names_states_and_kinds_in_dutch(app):
    owner = UserFactory(is_platform_owner=True, locale="nl")
    db.session.add(OutboxMessage(message_id="<een@werkgroepen.localhost>", kind="account",
                                 recipient="iemand@example.org", subject="Bevestig je adres",
                                 locale="nl", body_text="tekst", body_html="<p>tekst</p>",
                                 status=OutboxStatus.SENT))
    db.session.commit()
    client = Client(app, lang="nl")
    client.login(owner.email)
    html = client.get("/platform/outbox/").get_data(as_text=True)
    assert "verzonden" in page_text(client.get("/platform/outbox/"))
    assert "account (bevestiging, wachtwoord)" in page_text(client.get("/platform/outbox/"))
    assert not re.search(r">\s*(sent|account)\s*<", html)
    message_id = db.session.scalar(db.select(OutboxMessage.id))
    shown = client.get(f"/platform/outbox/{message_id}").get_data(as_text=True)
    assert not re.search(r"<dd>\s*(sent|account)\s*</dd>", shown)
    assert "verzonden" in page_text(client.get(f"/platform/outbox/{message_id}"))


def test_dutch_admins_release_posts_and_authors_screen_them_off(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN, locale="nl")
    ItemFactory(theme=theme, state=ItemState.PENDING, title="Wacht nog")
    approved = ItemFactory(theme=theme, state=ItemState.PENDING, title="Mag erdoor")
    moderation.approve_post(admin, approved.id)
    db.session.commit()
    client = Client(app, lang="nl")
    client.login(admin.email)
    queue = client.get(f"/t/{theme.slug}/moderation").get_data(as_text=True)
    assert re.search(r"<button[^>]*>\s*Vrijgeven\s*</button>", queue)
    assert "Goedkeuren" not in queue
    log = page_text(client.get(f"/t/{theme.slug}/moderation/log"))
    assert "gaf vrij Mag erdoor" in log and "keurde goed" not in log
    writer = member(theme, locale="nl")
    member(theme)  # someone to screen the post off for
    author = Client(app, lang="nl")
    author.login(writer.email)
    form = page_text(author.get(f"/t/{theme.slug}/posts/new"))
    assert "Post afschermen" in form
