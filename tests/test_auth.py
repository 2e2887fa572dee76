"""Accounts end to end: registration with the confirmation mail from a real SMTP server,
login, logout, password reset, and every kind of bad input."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.auth.models import User
from app.extensions import db
from app.timeutil import utcnow
from app.themes.models import Membership, MembershipStatus, WorkgroupType
from tests.factories import PASSWORD, ThemeFactory, UserFactory, member, OrganisationFactory
from tests.helpers import Client, page_text

GOOD = "een-lange-zin-als-wachtwoord"


def register(client, theme, email="new@example.org", username="Nieuwe Deelnemer",
             password=GOOD, confirm=None, **extra):
    return client.post(f"/register/{theme.slug}", {
        "email": email, "username": username, "password": password,
        "password_confirm": confirm if confirm is not None else password, **extra})


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_registration_starts_by_choosing_a_theme(client):
    parent = ThemeFactory(name="Zorgregio Noord")
    ThemeFactory(name="Mantelzorg", parent=parent)
    resp = client.get("/register")
    text = page_text(resp)
    assert "Zorgregio Noord" in text and "Mantelzorg" in text
    assert f'href="/register/{parent.slug}"' in resp.get_data(as_text=True)


def test_register_confirm_by_mail_then_member_of_half_open_theme(client, mailbox):
    theme = ThemeFactory(name="Mantelzorg", workgroup_type=WorkgroupType.HALF_OPEN)
    org = OrganisationFactory(theme=theme, name="Thuiszorg Noord")
    resp = register(client, theme, organisation=str(org.id))
    assert resp.status_code == 200
    assert "We sent a link to new@example.org" in page_text(resp)

    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user is not None and not user.is_confirmed
    assert user.password_hash.startswith("scrypt:") and GOOD not in user.password_hash

    (mail,) = mailbox.wait_for("new@example.org")
    assert "Confirm your e-mail address" in mail.subject
    assert "Mantelzorg" in mail.text and mail.html  # multipart: text and HTML
    link = mail.link("/confirm/")

    resp = client.get(path_of(link))
    assert resp.status_code == 302 and resp.headers["Location"] == f"/t/{theme.slug}"
    page = page_text(client.get(f"/t/{theme.slug}"))
    assert "Your e-mail address is confirmed" in page
    assert "You are a member." in page
    db.session.refresh(user)
    assert user.is_confirmed
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.status == MembershipStatus.ACTIVE and membership.organisation_id == org.id


def test_unconfirmed_account_cannot_log_in_and_can_ask_a_new_link(client, mailbox):
    theme = ThemeFactory()
    register(client, theme)
    mailbox.wait_for("new@example.org")
    resp = client.post("/login", {"email": "new@example.org", "password": GOOD})
    assert resp.status_code == 403
    assert "Confirm your e-mail address first" in page_text(resp)
    resp = client.post("/confirm/resend", {"email": "new@example.org"})
    assert resp.status_code == 302
    mails = mailbox.wait_for("new@example.org", count=2)
    assert mails[1].link("/confirm/")


def test_weak_password_is_refused_and_the_form_is_kept(client):
    theme = ThemeFactory()
    resp = register(client, theme, email="keep@example.org", username="Behouden", password="kort")
    assert resp.status_code == 422
    text = page_text(resp)
    assert "Use at least 10 characters." in text
    html = resp.get_data(as_text=True)
    assert 'value="keep@example.org"' in html and 'value="Behouden"' in html
    assert db.session.scalar(select(User).where(User.email == "keep@example.org")) is None

    for weak, message in [("wachtwoord123", "too easy to guess"),
                          ("aaaaaaaaaaaa", "Repeated characters or words are easy to guess."),
                          ("qwertyuiop123", "commonly used password"),
                          ("iloveyou2026", "commonly used password"),
                          ("passwordpassword", "Repeated characters or words"),
                          ("behouden-is-fijn", "Do not use your e-mail address or user name")]:
        resp = register(client, theme, email="keep@example.org", username="Behouden", password=weak)
        assert resp.status_code == 422 and message in page_text(resp), weak
    # The address and user name count as words to avoid, also disguised.
    resp = register(client, theme, email="sneeuwwitje@example.org", username="Zeven Dwergen",
                    password="Sn33uwW1tje!1")
    assert resp.status_code == 422 and "too easy to guess" in page_text(resp)
    resp = register(client, theme, email="roodkapje@example.org", username="Zeven Dwergen",
                    password="Sn33uwW1tje!1")
    assert resp.status_code == 200


def test_the_password_rule_is_explained_in_both_languages(app):
    from tests.helpers import Client
    theme = ThemeFactory()
    english = page_text(Client(app, lang="en").get(f"/register/{theme.slug}"))
    assert "At least 10 characters and hard to guess" in english and "zxcvbn" in english
    dutch = page_text(Client(app, lang="nl").get(f"/register/{theme.slug}"))
    assert "Minstens 10 tekens en moeilijk te raden" in dutch
    resp = Client(app, lang="nl").post(f"/register/{theme.slug}", {
        "email": "a@example.org", "username": "Iemand", "password": "qwertyuiop123",
        "password_confirm": "qwertyuiop123"})
    assert resp.status_code == 422 and "te makkelijk te raden" in page_text(resp)


def test_passwords_must_match(client):
    resp = register(client, ThemeFactory(), confirm="een-andere-zin-als-wachtwoord")
    assert resp.status_code == 422 and "The passwords differ." in page_text(resp)


def test_registering_a_known_address_answers_as_a_new_one_and_mails_its_owner(client,
                                                                                 mailbox):
    theme = ThemeFactory(name="Mantelzorg")
    owner = UserFactory(email="taken@example.org", username="Bezet")
    known = register(client, theme, email="TAKEN@example.org", username="Iemand Anders")
    new = register(client, theme, email="vrij@example.org", username="Nog Iemand")
    assert known.status_code == new.status_code == 200
    assert (page_text(known).replace("taken@example.org", "X")
            == page_text(new).replace("vrij@example.org", "X"))
    (mail,) = mailbox.wait_for("taken@example.org")
    assert "tried to register" in mail.subject and "Mantelzorg" in mail.text
    assert mail.link(f"/login?theme={theme.slug}") and mail.link("/reset")
    assert "Confirm your e-mail address" in mailbox.wait_for("vrij@example.org")[0].subject
    # Nothing changed for the owner: no second account, no new membership, same password.
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email == "taken@example.org")) == 1
    assert db.session.get(User, owner.id).memberships == []
    assert db.session.scalar(select(User).where(User.username == "Iemand Anders")) is None
    client.login("taken@example.org")


def test_an_account_made_in_someone_elses_name_cannot_be_taken_over(app, client, mailbox):
    """Someone registers an address that is not theirs (with a password of their own); when
    the address's owner registers later, they get a link to choose the password themselves,
    never one that confirms the stranger's account as it stands."""
    theme = ThemeFactory()
    register(client, theme, email="later@example.org", username="Indringer",
             password="stranger-chose-this-9471")
    stranger_link = path_of(mailbox.wait_for("later@example.org")[0].link("/confirm/"))
    db.session.execute(update(User).where(User.email == "later@example.org")
                       .values(created_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    mailbox.clear()

    owner = Client(app)
    resp = register(owner, theme, email="later@example.org", username="Echte Eigenaar")
    assert resp.status_code == 200 and "We sent a link" in page_text(resp)
    (mail,) = mailbox.wait_for("later@example.org")
    assert "Someone tried to register with your address" in mail.subject
    assert "/confirm/" not in mail.text and "choose its password yourself" in mail.text
    resp = owner.post(path_of(mail.link("/reset/")), {"password": "de-echte-eigenaar-8352",
                                                      "password_confirm": "de-echte-eigenaar-8352"})
    assert resp.status_code == 302
    # The stranger's password opens nothing, and their confirmation link is spent.
    assert client.post("/login", {"email": "later@example.org",
                                  "password": "stranger-chose-this-9471"}).status_code == 401
    assert client.get(stranger_link).status_code == 400
    assert Client(app).login("later@example.org", "de-echte-eigenaar-8352").status_code == 302


def test_a_confirmation_link_logs_in_once(app, client, mailbox):
    theme = ThemeFactory()
    register(client, theme)
    link = path_of(mailbox.wait_for("new@example.org")[0].link("/confirm/"))
    first = Client(app)
    assert first.get(link).headers["Location"] == f"/t/{theme.slug}"
    assert first.get("/account").status_code == 200
    later = Client(app)
    resp = later.get(link)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert later.get("/account").status_code == 302  # not logged in


def test_registering_again_a_moment_later_sends_no_second_link(client, mailbox):
    """A second submit right after the first (a double click) finds the link on its way."""
    theme = ThemeFactory()
    register(client, theme, email="vlot@example.org", username="Vlot")
    assert len(mailbox.wait_for("vlot@example.org")) == 1
    resp = register(client, theme, email="vlot@example.org", username="Vlot2")
    assert resp.status_code == 200 and "We sent a link" in page_text(resp)
    assert len(mailbox.to("vlot@example.org")) == 1


def test_a_taken_user_name_is_named(client):
    UserFactory(username="Bezet")
    resp = register(client, ThemeFactory(), email="free@example.org", username="bezet")
    assert resp.status_code == 422 and "This user name is taken" in page_text(resp)


def test_reset_and_resend_do_the_same_work_for_known_and_unknown_addresses(client, mailbox,
                                                                           monkeypatch):
    from app.mail import services as mail_services
    rendered = []
    real = mail_services.render_mail

    def counting(*args, **kwargs):
        rendered.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(mail_services, "render_mail", counting)
    UserFactory(email="bekend@example.org")
    UserFactory(email="onbevestigd@example.org", email_confirmed_at=None)
    for address in ("bekend@example.org", "onbekend@example.org"):
        client.post("/reset", {"email": address})
    assert rendered == ["reset", "reset"]
    rendered.clear()
    for address in ("onbevestigd@example.org", "onbekend@example.org", "bekend@example.org"):
        resp = client.post("/confirm/resend", {"email": address})
        assert resp.status_code == 302
    assert rendered == ["confirm", "confirm", "confirm"]
    assert len(mailbox.wait_for("onbevestigd@example.org")) == 1
    assert mailbox.to("onbekend@example.org") == []


def test_invalid_email_is_named(client):
    resp = register(client, ThemeFactory(), email="not-an-address")
    assert resp.status_code == 422 and "Invalid email address" in page_text(resp)


def test_register_for_unknown_theme_is_404(client):
    assert client.get("/register/bestaat-niet").status_code == 404


def test_tampered_and_expired_links_are_explained(client, app, mailbox):
    theme = ThemeFactory()
    register(client, theme)
    link = path_of(mailbox.wait_for("new@example.org")[0].link("/confirm/"))
    resp = client.get(link[:-3] + "abc")
    assert resp.status_code == 400 and "The link is not valid" in page_text(resp)
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        resp = client.get(link)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 48 * 3600
    assert resp.status_code == 400 and "The link has expired." in page_text(resp)
    assert not db.session.scalar(select(User).where(User.email == "new@example.org")).is_confirmed


def test_login_lands_on_the_chosen_theme(client):
    theme = ThemeFactory(name="Klimaatplan")
    user = member(theme)
    resp = client.post("/login", {"email": user.email.upper(), "password": PASSWORD,
                                  "theme": theme.slug})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/t/{theme.slug}"
    assert user.username in page_text(client.get("/"))


def test_login_without_choice_lands_on_own_theme_and_next_is_kept_local(client):
    theme = ThemeFactory()
    user = member(theme)
    resp = client.post("/login?next=https://evil.example/", {"email": user.email,
                                                             "password": PASSWORD})
    assert resp.headers["Location"] == f"/t/{theme.slug}"
    client.logout()
    resp = client.post("/login?next=/account", {"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"] == "/account"


def test_wrong_password_and_unknown_address_get_the_same_answer(client):
    user = UserFactory()
    a = client.post("/login", {"email": user.email, "password": "fout-wachtwoord-123"})
    b = client.post("/login", {"email": "nobody@example.org", "password": "fout-wachtwoord-123"})
    assert a.status_code == b.status_code == 401
    assert "E-mail address or password is not right." in page_text(a)
    assert page_text(a).replace(user.email, "X") == page_text(b).replace("nobody@example.org", "X")


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory()
    client.login(user.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200
    client.logout()
    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def _copy_cookies(source, target):
    for name in ("session", "remember_token"):
        cookie = source.http.get_cookie(name)
        if cookie is not None:
            target.http.set_cookie(name, cookie.value)


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(app, client):
    from tests.helpers import Client
    user = UserFactory()
    client.post("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = client.http.get_cookie("remember_token").value
    thief = Client(app)
    _copy_cookies(client, thief)
    assert thief.get("/account").status_code == 200  # a copied cookie works while logged in
    client.logout()
    assert client.get("/account").status_code == 302
    assert thief.get("/account").status_code == 302
    # Nor does the remember cookie alone bring the session back.
    only_remember = Client(app)
    only_remember.http.set_cookie("remember_token", remember)
    assert only_remember.get("/account").status_code == 302


def test_log_out_everywhere_ends_every_session(app, client, other_client):
    user = UserFactory()
    client.login(user.email)
    other_client.post("/login", {"email": user.email, "password": PASSWORD, "remember": "y"},
                      headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                                             "Gecko/20100101 Firefox/128.0"})
    page = page_text(client.get("/account"))
    assert "Where you are logged in" in page and "Firefox, Linux" in page
    assert "(this device)" in page
    assert client.get("/account/logout-everywhere").status_code == 405
    assert client.post("/account/logout-everywhere", csrf=False).status_code == 400
    assert other_client.get("/account").status_code == 200
    resp = client.post("/account/logout-everywhere")
    assert resp.status_code == 302
    assert "Je bent op elk apparaat uitgelogd." in page_text(client.get("/"))  # Dutch: logged out
    assert client.get("/account").status_code == 302
    assert other_client.get("/account").status_code == 302
    from app.auth.models import LoginSession
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_the_account_page_shows_when_a_session_was_last_used(app, client):
    from datetime import timedelta

    from sqlalchemy import update

    from app.auth.models import LoginSession
    from app.timeutil import utcnow
    user = UserFactory()
    client.login(user.email)
    long_ago = utcnow() - timedelta(days=3)
    db.session.execute(update(LoginSession).values(last_seen_at=long_ago))
    db.session.commit()
    client.get("/")  # a page view notes the use (at most every few minutes)
    db.session.expire_all()
    seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert seen > long_ago + timedelta(days=2)


def test_a_session_unused_for_its_lifetime_has_ended_and_is_purged(app, client):
    from datetime import timedelta

    from sqlalchemy import update

    from app.auth.models import LoginSession
    from app.scheduler import purge_unconfirmed
    from app.timeutil import utcnow
    user = UserFactory()
    client.login(user.email)
    fresh = UserFactory()
    from tests.helpers import Client
    Client(app).login(fresh.email)
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(
        last_seen_at=utcnow() - timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"] + 60)))
    db.session.commit()
    assert client.get("/account").status_code == 302
    purge_unconfirmed(app)  # the nightly job
    db.session.expire_all()
    assert db.session.scalars(select(LoginSession.user_id)).all() == [fresh.id]


def test_login_is_rate_limited(client, app):
    user = UserFactory()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.post("/login", {"email": user.email, "password": "fout-wachtwoord-1"})
                 .status_code for _ in range(4)]
        last = client.post("/login", {"email": user.email, "password": PASSWORD})
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes[:3] == [401, 401, 401] and codes[3] == 429
    assert last.status_code == 429 and "Too many attempts" in page_text(last)


def test_password_reset_never_reveals_whether_an_address_exists(client, mailbox):
    user = UserFactory(email="known@example.org")
    known = client.post("/reset", {"email": "known@example.org"})
    unknown = client.post("/reset", {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert (page_text(known).replace("known@example.org", "X")
            == page_text(unknown).replace("unknown@example.org", "X"))
    (mail,) = mailbox.wait_for("known@example.org")
    assert mailbox.to("unknown@example.org") == []

    link = path_of(mail.link("/reset/"))
    resp = client.post(link, {"password": "nieuw-lang-wachtwoord", "password_confirm":
                              "nieuw-lang-wachtwoord"})
    assert resp.status_code == 302
    client.logout()
    assert client.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 401
    assert client.post("/login", {"email": user.email,
                                  "password": "nieuw-lang-wachtwoord"}).status_code == 302
    # The link works once.
    assert client.get(link).status_code == 400


def test_password_change_logs_out_other_sessions(client, other_client, mailbox):
    user = UserFactory()
    other_client.login(user.email)
    assert other_client.get("/account").status_code == 200
    client.post("/reset", {"email": user.email})
    link = path_of(mailbox.wait_for(user.email)[0].link("/reset/"))
    client.post(link, {"password": "nieuw-lang-wachtwoord", "password_confirm":
                       "nieuw-lang-wachtwoord"})
    assert other_client.get("/account").status_code == 302


def test_form_without_csrf_token_is_refused_and_nothing_is_created(client):
    theme = ThemeFactory()
    resp = client.post(f"/register/{theme.slug}", {
        "email": "csrf@example.org", "username": "Csrf", "password": GOOD,
        "password_confirm": GOOD}, csrf=False)
    assert resp.status_code == 400
    assert "The form had expired or came from another page" in page_text(resp)
    assert db.session.scalar(select(User).where(User.email == "csrf@example.org")) is None


def test_same_address_joins_more_themes_from_the_account(client):
    first, second = ThemeFactory(name="Eerste"), ThemeFactory(name="Tweede")
    user = member(first)
    client.login(user.email)
    page = page_text(client.get("/account"))
    assert "Tweede" in page and "Join another theme" in page
    resp = client.post(f"/t/{second.slug}/join")
    assert resp.status_code == 302
    assert "Welcome to Tweede!" in page_text(client.get(f"/t/{second.slug}"))
    assert {m.theme.name for m in db.session.get(User, user.id).memberships} == {"Eerste", "Tweede"}


def test_hostile_input_never_gives_500(client):
    theme = ThemeFactory()
    for value in ["x" * 10_000, "\x00\x01", "🙂" * 50, "<script>alert(1)</script>", "' OR 1=1 --"]:
        resp = register(client, theme, email=value, username=value, password=value)
        assert resp.status_code == 422, value[:20]
        assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)
        resp = client.post("/login", {"email": value, "password": value, "theme": value})
        assert resp.status_code in (401, 422), value[:20]
    assert client.get("/confirm/" + "A" * 5000).status_code == 400
    assert client.get("/reset/%00%ff").status_code == 400
    assert client.get("/t/%00").status_code == 400
    assert client.get("/login?theme=%00").status_code == 400
    assert client.get("/register/a%00b").status_code == 400


def test_control_characters_are_removed_from_what_people_type(client, mailbox):
    resp = register(client, ThemeFactory(), email="ctrl@example.org", username="Na\x00am\x07")
    assert resp.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "ctrl@example.org")).username == "Naam"
