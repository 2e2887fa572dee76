"""Journeys in a real browser: Playwright drives Debian's Chromium against a live server."""
from __future__ import annotations

import os
import re
import threading

import pytest
from werkzeug.serving import make_server

from app.themes.models import Role, WorkgroupType
from tests.conftest import IN_CI
from tests.factories import PASSWORD, ThemeFactory, member
from tests.mailbox import free_port

CHROMIUM = os.environ.get("BOARD_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "test-artifacts")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def live_server(app):
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def new_page(chromium, live_server):
    contexts = []

    def make(locale="en-GB"):
        ctx = chromium.new_context(base_url=live_server, locale=locale,
                                   viewport={"width": 390, "height": 844})  # a phone
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def test_register_for_half_open_theme_confirm_by_mail_log_in_and_see_it(new_page, mailbox):
    ThemeFactory(name="Mantelzorg", slug="mantelzorg", workgroup_type=WorkgroupType.HALF_OPEN,
                 description="Steun voor mantelzorgers")
    page = new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("link", name="English").click()
    page.get_by_role("link", name="Register now").first.click()
    page.get_by_role("link", name="Mantelzorg").click()
    page.get_by_label("E-mail address").fill("sanne@example.org")
    page.get_by_label("User name").fill("Sanne")
    page.get_by_label("Password", exact=True).fill("kort")
    page.get_by_label("Repeat password").fill("kort")
    page.get_by_role("button", name="Register").click()
    # Refused with the reason next to the field, and what was typed is kept.
    assert "Use at least 10 characters." in page.locator(".field.has-error").first.inner_text()
    assert page.get_by_label("E-mail address").input_value() == "sanne@example.org"
    page.get_by_label("Password", exact=True).fill("mijn-lange-wachtzin")
    page.get_by_label("Repeat password").fill("mijn-lange-wachtzin")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Check your mail").wait_for()

    (mail,) = mailbox.wait_for("sanne@example.org")
    page.goto(mail.link("/confirm/"))
    assert "Your e-mail address is confirmed" in page.inner_text("main")
    shot(page, "confirmed-phone")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("E-mail address").fill("sanne@example.org")
    page.get_by_label("Password").fill("mijn-lange-wachtzin")
    page.get_by_label("Go to theme").select_option(label="Mantelzorg")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Mantelzorg").wait_for()
    assert re.search(r"/t/mantelzorg$", page.url)
    assert "You are a member." in page.inner_text("main")


def test_request_closed_theme_is_accepted_by_its_admin_then_seen(new_page, mailbox):
    theme = ThemeFactory(name="Ouderenzorg", slug="ouderenzorg",
                         workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN, username="Bart Beheerder")
    applicant = member(ThemeFactory(), username="Anna Aanvrager")

    page = new_page()
    page.goto("/language/en")
    page.goto("/login")
    page.get_by_label("E-mail address").fill(applicant.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Go to theme").select_option(label="Ouderenzorg")
    page.get_by_role("button", name="Log in").click()
    assert "only its members see the posts" in page.inner_text("main")
    page.get_by_role("button", name="Request membership").click()
    assert "waits for an admin" in page.inner_text("main")

    (mail,) = mailbox.wait_for(admin.email)
    admin_page = new_page()
    admin_page.goto("/language/en")
    admin_page.goto("/login")
    admin_page.get_by_label("E-mail address").fill(admin.email)
    admin_page.get_by_label("Password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Log in").click()
    admin_page.goto(mail.link("/requests"))
    row = admin_page.locator("li.request", has_text="Anna Aanvrager")
    shot(admin_page, "requests-phone")
    row.get_by_role("button", name="Accept").click()
    assert "Anna Aanvrager is accepted." in admin_page.inner_text("main")

    mailbox.wait_for(applicant.email)
    page.reload()
    text = page.inner_text("main")
    assert "You are a member." in text and "only its members see the posts" not in text
    page.get_by_role("link", name="Members").click()
    assert "Anna Aanvrager" in page.inner_text("main")
    shot(page, "members-phone")


def test_keyboard_user_reaches_content_with_the_skip_link(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
