"""Visitors' pages are shared from a cache and members' pages kept for each member
(app/pagecache.py): what anyone is served must always be what the board would render for them
now, and nothing personal is ever shared."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from app.extensions import db
from app.items.models import ItemState, Part
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, page_text


def visitor(app, lang=None):
    return Client(app, lang=lang)


def test_visitors_share_one_rendered_page_and_get_no_cookie(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Openbare vraag")
    first = visitor(app).get(f"/t/{theme.slug}")
    second = visitor(app).get(f"/t/{theme.slug}")
    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Board-Cache"], second.headers["X-Board-Cache"]) == ("miss", "hit")
    assert first.get_data() == second.get_data()
    assert "Openbare vraag" in page_text(second)
    # Reading the board needs no cookie (no session, no CSRF token: there is no form).
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers


def test_a_hidden_post_is_gone_for_visitors_at_once(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, title="Te verbergen bericht")
    assert "Te verbergen bericht" in page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert visitor(app).get(f"/posts/{post.id}").status_code == 200
    assert visitor(app).get(f"/posts/{post.id}").headers["X-Board-Cache"] == "hit"
    admin_client = Client(app)
    admin_client.login(admin.email)
    resp = admin_client.post(f"/t/{theme.slug}/moderation/decide",
                             {"target": f"item:{post.id}", "action": "hide",
                              "reason_text": "Persoonsgegevens"})
    assert resp.status_code == 303
    assert "Te verbergen bericht" not in page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert visitor(app).get(f"/posts/{post.id}").status_code == 404


def test_an_approved_post_and_a_new_reply_show_at_once(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin, author = member(theme, role=Role.ADMIN), member(theme)
    post = ItemFactory(theme=theme, author=author, title="Wacht op vrijgave",
                       state=ItemState.PENDING)
    assert "Wacht op vrijgave" not in page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert visitor(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    from app.moderation import services as moderation
    moderation.approve_post(admin, post.id)
    db.session.commit()
    assert "Wacht op vrijgave" in page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert "Eerste antwoord" not in page_text(visitor(app).get(f"/posts/{post.id}"))
    author_client = Client(app)
    author_client.login(admin.email)
    assert author_client.post(f"/items/{post.id}/comments",
                              {"body": "Eerste antwoord"}).status_code == 302
    assert "Eerste antwoord" in page_text(visitor(app).get(f"/posts/{post.id}"))


def test_a_change_made_by_another_process_shows_at_once(app):
    """Workers, the scheduler and CLI commands share the generation through the instance
    folder: a commit in another process invalidates this process's pages."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme, title="Oude titel")
    assert "Oude titel" in page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert visitor(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    script = textwrap.dedent(f"""
        from app import create_app
        from app.extensions import db
        from app.items.models import Item
        app = create_app({{"ENVIRONMENT": "testing", "SECRET_KEY": "x" * 40,
                           "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
                           "MAIL_DELIVERY": "scheduler"}},
                         instance_path={app.instance_path!r})
        with app.app_context():
            db.session.get(Item, {post.id}).title = "Nieuwe titel"
            db.session.commit()
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    page = page_text(visitor(app).get(f"/t/{theme.slug}"))
    assert "Nieuwe titel" in page and "Oude titel" not in page


def test_logged_in_pages_are_never_shared(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    reader, outsider = member(theme, username="Lezer"), member(theme)
    ItemFactory(theme=theme, title="Alleen voor Lezer", readers=[reader])
    ItemFactory(theme=theme, title="Voor iedereen")
    assert visitor(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "miss"
    browser = Client(app)
    browser.login(reader.email)
    page = browser.get(f"/t/{theme.slug}")
    assert page.headers["X-Board-Cache"] == "miss"  # not the visitors' page
    assert "Alleen voor Lezer" in page_text(page) and "Log out" in page_text(page)
    for viewer in (visitor(app), visitor(app, lang="en")):
        text = page_text(viewer.get(f"/t/{theme.slug}"))
        assert "Voor iedereen" in text
        assert "Alleen voor Lezer" not in text and "Log out" not in text
    other = Client(app)
    other.login(outsider.email)
    assert "Alleen voor Lezer" not in page_text(other.get(f"/t/{theme.slug}"))


def test_each_language_has_its_own_page(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    dutch, english = visitor(app, lang="nl"), visitor(app, lang="en")
    for _ in range(2):
        assert "Inloggen" in page_text(dutch.get(f"/t/{theme.slug}"))
        assert "Log in" in page_text(english.get(f"/t/{theme.slug}"))
    assert english.get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    assert "Inloggen" in page_text(visitor(app).get(f"/t/{theme.slug}"))  # Dutch by default


def test_a_visitor_with_a_message_waiting_gets_their_own_page(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    visitor(app).get(f"/t/{theme.slug}")  # cached
    with_flash = visitor(app, lang="en")
    with with_flash.http.session_transaction() as sess:
        sess["_flashes"] = [("info", "Alleen voor deze bezoeker")]
    page = with_flash.get(f"/t/{theme.slug}")
    assert "Alleen voor deze bezoeker" in page_text(page) and "X-Board-Cache" not in page.headers
    for viewer in (visitor(app), visitor(app, lang="en")):
        assert "Alleen voor deze bezoeker" not in page_text(viewer.get(f"/t/{theme.slug}"))


def test_pages_showing_a_form_token_are_not_shared(app):
    """A page that shows a CSRF token belongs to one session; it must never be stored, even
    for a visitor (the token would then be handed to everybody)."""
    first, second = visitor(app), visitor(app)
    tokens = [c.get("/reset").get_data(as_text=True) for c in (first, second)]
    assert tokens[0] != tokens[1]
    assert "X-Board-Cache" not in first.get("/reset").headers  # not a cacheable view
    from app.pagecache import _mark_storable  # the rule itself, for a cacheable view
    from flask import g
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    with app.test_request_context(f"/t/{theme.slug}",
                                  environ_base={"board.page_cache": "candidate"}) as ctx:
        from flask import Response
        ctx.request.url_rule  # routed
        app.preprocess_request()
        g.csrf_token = "belongs-to-one-session"
        _mark_storable(Response("page"))
        assert ctx.request.environ["board.page_cache"] == "candidate"
        del g.csrf_token
        _mark_storable(Response("page"))
        assert ctx.request.environ["board.page_cache"] == "store"


def test_mail_bookkeeping_does_not_invalidate_pages_but_posts_do(app, mailbox):
    from app.extensions import db
    from app.mail import services as outbox
    from app.mail.models import OutboxMessage
    generation = app.extensions["page_cache_generation"]
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    before = generation.current()
    row = OutboxMessage(message_id="<cache-test@example.org>", kind="notice",
                        recipient="iemand@example.org", subject="Onderwerp", body_text="Tekst",
                        body_html="<p>Tekst</p>")
    db.session.add(row)
    db.session.commit()
    outbox.flush(app)  # delivered (MAIL_DELIVERY is "sync" in tests) and the attempt logged
    assert mailbox.wait_for("iemand@example.org")
    db.session.refresh(row)
    assert row.sent_at is not None and row.attempts_log
    assert generation.current() == before
    ItemFactory(theme=theme)
    assert generation.current() > before


def test_a_garbled_session_cookie_gets_the_page_not_an_error(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    for value in ("abc", "a.b.c", "eyJ4Ijp.zzz.yyy"):
        browser = visitor(app)
        browser.http.set_cookie("session", value)
        resp = browser.get(f"/t/{theme.slug}")
        assert resp.status_code == 200 and theme.name in page_text(resp)


def test_a_full_cache_lets_the_least_recently_read_page_go(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    posts = [ItemFactory(theme=theme) for _ in range(4)]
    cache = app.extensions["page_cache"]
    cache.clear()
    kept, cache.max_entries = cache.max_entries, 3
    try:
        a, b, c, d = (f"/posts/{p.id}" for p in posts)
        for url in (a, b, c):
            assert visitor(app).get(url).headers["X-Board-Cache"] == "miss"
        assert visitor(app).get(a).headers["X-Board-Cache"] == "hit"  # a is read again
        assert visitor(app).get(d).headers["X-Board-Cache"] == "miss"  # one must go: b
        assert visitor(app).get(a).headers["X-Board-Cache"] == "hit"
        assert visitor(app).get(c).headers["X-Board-Cache"] == "hit"
        assert visitor(app).get(b).headers["X-Board-Cache"] == "miss"
    finally:
        cache.max_entries = kept
        cache.clear()


def test_logging_in_and_out_keeps_the_visitors_pages(app):
    """Login sessions are no content: signing in or out elsewhere empties no visitor's page."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Blijft bewaard")
    someone = member(theme)
    visitor(app).get(f"/t/{theme.slug}")
    assert visitor(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    other = Client(app)
    other.login(someone.email)
    other.logout()
    assert visitor(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"


def test_a_members_page_is_kept_for_them_alone_and_shows_every_change_at_once(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    anne, bert = member(theme, username="Anne Kept"), member(theme, username="Bert Other")
    ItemFactory(theme=theme, part=Part.CLOSED, title="Intern verslag")
    client = Client(app)
    client.login(anne.email)
    first, second = client.get(f"/t/{theme.slug}"), client.get(f"/t/{theme.slug}")
    assert (first.headers["X-Board-Cache"], second.headers["X-Board-Cache"]) == ("miss", "hit")
    assert first.get_data() == second.get_data() and "Intern verslag" in page_text(second)
    assert second.headers["Cache-Control"] == "private, no-store"  # no proxy or browser keeps it

    other = Client(app)
    other.login(bert.email)
    theirs = other.get(f"/t/{theme.slug}")
    assert theirs.headers["X-Board-Cache"] == "miss"  # never someone else's page
    assert "Bert Other" in page_text(theirs) and "Anne Kept" not in page_text(theirs)

    ItemFactory(theme=theme, part=Part.CLOSED, title="Nieuw intern stuk")  # any write
    again = client.get(f"/t/{theme.slug}")
    assert again.headers["X-Board-Cache"] == "miss" and "Nieuw intern stuk" in page_text(again)


def test_a_members_kept_page_ends_with_their_login(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    insider = member(theme)
    ItemFactory(theme=theme, part=Part.CLOSED, title="Verslag kwartaal drie")
    client = Client(app)
    client.login(insider.email)
    client.get(f"/t/{theme.slug}")
    assert client.get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    copied = Client(app)  # the same session cookie, copied before logging out
    for name in ("session", "remember_token"):
        cookie = client.http.get_cookie(name)
        if cookie is not None:
            copied.http.set_cookie(name, cookie.value)
    client.logout()
    for who in (client, copied):
        text = page_text(who.get(f"/t/{theme.slug}"))  # a visitor's page, in Dutch
        assert "Verslag kwartaal drie" not in text and "Inloggen" in text


def test_a_page_showing_a_message_is_not_kept_and_the_message_shows_once(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    outsider = UserFactory()
    client = Client(app)
    client.login(outsider.email)
    client.get(f"/t/{theme.slug}")
    assert client.get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"
    assert client.get(f"/t/{theme.slug}/posts/new").status_code in (302, 303)
    told = client.get(f"/t/{theme.slug}")
    assert f"Join {theme.name} to write a post." in page_text(told)
    after = client.get(f"/t/{theme.slug}")
    assert f"Join {theme.name} to write a post." not in page_text(after)
