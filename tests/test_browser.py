"""Journeys in a real browser: Playwright drives Debian's Chromium against a live server."""
from __future__ import annotations

import os
import re
import threading

import pytest
from werkzeug.serving import make_server

from app.items.models import ItemState, Part, WriteAccess
from app.themes.models import Role, WorkgroupType
from tests.conftest import IN_CI
from tests.factories import PASSWORD, ThemeFactory, member, wiki_page
from tests.factories import task as task_item
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


def login(page, email, password=PASSWORD, theme_label=None):
    page.goto("/language/en")
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    if theme_label:
        page.get_by_label("Go to theme").select_option(label=theme_label)
    page.get_by_role("button", name="Log in").click()


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
    login(page, applicant.email, theme_label="Ouderenzorg")
    assert "only its members see the posts" in page.inner_text("main")
    page.get_by_role("button", name="Request membership").click()
    assert "waits for an admin" in page.inner_text("main")

    (mail,) = mailbox.wait_for(admin.email)
    admin_page = new_page()
    login(admin_page, admin.email)
    admin_page.goto(mail.link("/moderation"))
    row = admin_page.locator("li.queue-item", has_text="Anna Aanvrager")
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


def test_post_with_category_filter_and_photo_starred_and_replied_sorts_first(new_page, tmp_path):
    from tests.factories import (CategoryFactory, FilterGroupFactory, FilterValueFactory,
                                 ItemFactory, StarFactory, UserFactory)
    theme = ThemeFactory(name="Ouderenzorg", slug="ouderenzorg-b",
                         workgroup_type=WorkgroupType.CLOSED)
    CategoryFactory(theme_id=theme.id, name="Idee")
    region = FilterGroupFactory(theme_id=theme.id, name="Regio")
    FilterValueFactory(group=region, name="Noord")
    writer = member(theme, username="Wendy Schrijver")
    reader = member(theme, username="Lex Lezer")
    older = ItemFactory(theme=theme, part="closed", title="Eerdere post met één ster")
    StarFactory(user_id=UserFactory().id, item_id=older.id)
    older.star_count = 1
    from app.extensions import db
    db.session.commit()
    photo = tmp_path / "buurtfoto.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08"
                      b"\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0"
                      b"\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

    page = new_page()
    login(page, writer.email, theme_label="Ouderenzorg")
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Gezamenlijke dagbesteding")
    page.get_by_label("Text").fill("Wat als we de **dagbesteding** samen organiseren?")
    page.get_by_label("Category").select_option(label="Idee")
    page.get_by_label("Noord").check()
    page.get_by_label("Attachments").set_input_files(str(photo))
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("heading", name="Gezamenlijke dagbesteding").wait_for()
    assert "Your post is published." in page.inner_text("main")
    photo_img = page.locator("img[alt='buurtfoto.png']")
    photo_img.evaluate("img => img.complete || new Promise(r => { img.onload = img.onerror = r; })")
    assert photo_img.evaluate("img => img.naturalWidth") == 1  # the photo is shown

    other = new_page()
    login(other, reader.email)
    other.goto(f"/t/{theme.slug}")
    item = other.locator("li.post-item", has_text="Gezamenlijke dagbesteding")
    star = item.get_by_role("button", name="Give a star")
    star.click()  # JavaScript toggles it in place
    item.locator("button[aria-pressed='true']").wait_for()
    assert item.locator(".star-count").inner_text() == "1"
    item.get_by_role("button", name="Remove star").click()  # the button now asks the opposite
    item.locator("button[aria-pressed='false']").wait_for()
    assert item.locator(".star-count").inner_text() == "0"
    item.get_by_role("button", name="Give a star").click()
    item.locator("button[aria-pressed='true']").wait_for()
    assert item.locator(".star-count").inner_text() == "1"
    assert other.url.endswith(f"/t/{theme.slug}")
    item.get_by_role("link", name="Gezamenlijke dagbesteding").click()
    other.get_by_label("Your reply").fill("Goed plan, wij doen mee.")
    other.get_by_role("button", name="Reply").click()
    assert "Goed plan, wij doen mee." in other.inner_text("main")
    # The writer stars it too: 2 stars now beat the older post's 1.
    page.goto(f"/t/{theme.slug}")
    page.locator("li.post-item", has_text="Gezamenlijke dagbesteding").get_by_role(
        "button", name="Give a star").click()
    page.locator("li.post-item", has_text="Gezamenlijke dagbesteding").locator(
        "button[aria-pressed='true']").wait_for()
    page.get_by_role("link", name="Most stars").click()
    first = page.locator("li.post-item").first
    assert "Gezamenlijke dagbesteding" in first.inner_text()
    assert "1 reply" in first.inner_text() and "Idee" in first.inner_text()
    page.get_by_role("link", name="Noord (1)").click()
    assert page.locator("li.post-item").count() == 1
    shot(page, "board-phone")


def test_moderation_journey_reject_resubmit_approve_report_hide(new_page, mailbox):
    theme = ThemeFactory(name="Buurtzorg", slug="buurtzorg", workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN, username="Bea Beheerder")
    poster = member(theme, username="Piet Poster")
    reporter = member(theme, username="Rita Melder")

    page = new_page()
    login(page, poster.email)
    page.goto("/t/buurtzorg/posts/new")
    page.get_by_label("Title").fill("Rommelmarkt zaterdag")
    page.get_by_label("Text").fill("Koop mijn oude fiets voor 50 euro!")
    page.get_by_role("button", name="Publish").click()
    assert "waits for approval" in page.inner_text("main")
    post_url = page.url

    visitor = new_page()
    visitor.goto("/language/en")
    assert visitor.goto(post_url).status == 404
    visitor.goto("/t/buurtzorg")
    assert "Rommelmarkt" not in visitor.inner_text("main")

    moderator = new_page()
    login(moderator, admin.email)
    moderator.get_by_role("link", name="Moderation 1 waiting").click()
    item = moderator.locator("li.queue-item", has_text="Rommelmarkt zaterdag")
    item.get_by_text("Reject…").click()
    item.get_by_label("Reason for rejecting").select_option(label="Advertising or spam is not allowed here.")
    item.get_by_label("Explanation for the author").fill("Vertel over de rommelmarkt zelf.")
    item.get_by_role("button", name="Reject").click()
    assert "Rejected; the author is told why." in moderator.inner_text("main")

    page.goto(post_url)
    text = page.inner_text("main")
    assert "Advertising or spam is not allowed here." in text
    assert "Vertel over de rommelmarkt zelf." in text
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Text").fill("Zaterdag is er rommelmarkt op het plein, van 9 tot 14 uur.")
    page.get_by_role("button", name="Save changes").click()
    assert "waits for approval" in page.inner_text("main")

    moderator.goto("/t/buurtzorg/moderation")
    moderator.locator("li.queue-item", has_text="Rommelmarkt zaterdag").get_by_role(
        "button", name="Approve").click()
    assert "Approved: it is published." in moderator.inner_text("main")

    visitor.goto(post_url)
    assert "van 9 tot 14 uur" in visitor.inner_text("main")

    rita = new_page()
    login(rita, reporter.email)
    rita.goto(post_url)
    rita.get_by_role("link", name="Report").click()
    rita.get_by_label("Offensive or a personal attack").check()
    rita.get_by_label("Explain").fill("Er staat een telefoonnummer in.")
    rita.get_by_role("button", name="Report").click()
    assert "The admins of this theme will look at it" in rita.inner_text("main")

    moderator.goto("/t/buurtzorg/moderation")
    item = moderator.locator("li.queue-item", has_text="Er staat een telefoonnummer in.")
    item.get_by_text("Hide…").click()
    item.get_by_label("Reason for hiding").select_option(label="It contains personal data of others.")
    item.get_by_role("button", name="Hide").click()
    assert "Hidden; the author and reporters are told." in moderator.inner_text("main")
    shot(moderator, "queue-after-hide")
    assert visitor.goto(post_url).status == 404
    page.goto(post_url)
    assert "An admin hid this post" in page.inner_text("main")
    assert mailbox.wait_for(reporter.email)


# ------------------------------------------------------------------ small screens (WCAG 1.4.10)

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 && r.width > 0) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide.slice(0, 8)};
}"""


def _small_screen_board():
    """A board with everything that tends to be wide: long names, a decision log with long
    reasons, an outbox message with a long Message-ID and a long link."""
    from app.extensions import db
    from app.mail.models import OutboxMessage, OutboxStatus
    from app.moderation import services as moderation
    from app.organisations.models import Organisation
    from tests.factories import MembershipFactory, ItemFactory, CommentFactory, UserFactory

    theme = ThemeFactory(name="Samenwerkingsverband Jeugdhulpverlening Noordoost",
                         slug="smal", workgroup_type=WorkgroupType.HALF_OPEN)
    sub = ThemeFactory(name="Ketenpartners", slug="smal-sub", parent=theme,
                       workgroup_type=WorkgroupType.CLOSED)
    org = Organisation(theme=theme, name="Stichting Maatschappelijke Dienstverlening")
    db.session.add(org)
    owner = UserFactory(username="Platformbeheerder", is_platform_owner=True)
    admin = member(theme, role=Role.ADMIN, username="Beheerder Met Een Lange Naam")
    people = [member(theme, username=f"Deelnemer {i}") for i in range(3)]
    MembershipFactory(user=people[0], theme=sub, role=Role.ADMIN)
    db.session.commit()
    posts = []
    for i in range(3):
        post = ItemFactory(theme=theme, author=people[i], state=ItemState.PENDING,
                           title=f"Samenwerkingsafspraken jeugdhulpverlening {i}")
        posts.append(post)
    for i, post in enumerate(posts):
        if i == 2:
            moderation.reject_post(admin, post.id, "other",
                                   "Onvoldoendeonderbouwdvoorstelzonderbronvermelding " * 3)
        else:
            moderation.approve_post(admin, post.id)
    CommentFactory(item=posts[0], author=people[1],
                 body="Zie https://www.example.org/een/heel/lang/pad/naar/een/document/"
                      "over/samenwerkingsafspraken-in-de-jeugdhulpverlening.pdf")
    db.session.add(OutboxMessage(
        message_id="<" + "a1b2c3d4e5f6" * 8 + "@werkgroepen.localhost>", kind="account",
        recipient="een.heel.lang.emailadres.van.iemand@gemeente-noorderveld.example.org",
        subject="Bevestig je e-mailadres voor Werkgroepen", locale="nl",
        body_text="Klik: https://werkgroepen.example.org/confirm/" + "eyJ1IjoxfQ" * 20,
        body_html="<p>x</p>", status=OutboxStatus.SENT))
    db.session.commit()
    return theme, posts, owner, admin


def test_pages_fit_a_small_screen_and_the_log_scrolls_by_keyboard(chromium, live_server):
    from app.extensions import db
    from app.mail.models import OutboxMessage
    from tests.factories import event_item
    theme, posts, owner, admin = _small_screen_board()
    event = event_item(theme=theme, author=owner, max_attendees=12,
                       title="Regio-overleg over mantelzorg, respijtzorg en vervoer",
                       location="Gemeentehuis Noorderveld, raadzaal op de tweede verdieping")
    message_id = db.session.scalar(db.select(OutboxMessage.id))
    pages = {
        "visitor": ["/", f"/t/{theme.slug}", f"/posts/{posts[0].id}",
                    f"/t/{theme.slug}/organisations", "/login", "/search?q=samenwerking",
                    f"/t/{theme.slug}/agenda"],
        "owner": ["/", f"/t/{theme.slug}", f"/posts/{posts[0].id}", f"/posts/{posts[2].id}",
                  f"/t/{theme.slug}/members", "/platform/themes", "/platform/outbox/",
                  f"/platform/outbox/{message_id}", f"/t/{theme.slug}/moderation",
                  f"/t/{theme.slug}/moderation/log", f"/t/{theme.slug}/posts/new",
                  f"/t/{theme.slug}/organisations", f"/t/{theme.slug}/agenda",
                  f"/events/{event.id}", f"/t/{theme.slug}/events/new"],
    }
    problems = []
    for width in (320, 360):
        for who, urls in pages.items():
            ctx = chromium.new_context(base_url=live_server, locale="en-GB",
                                       viewport={"width": width, "height": 700})
            page = ctx.new_page()
            page.set_default_timeout(10_000)
            if who == "owner":
                login(page, owner.email)
            else:
                page.goto("/language/en")
            for url in urls:
                assert page.goto(url).status == 200, url
                found = page.evaluate(OVERFLOW_JS)
                if found["scroll"] > found["inner"]:
                    problems.append((width, who, url, found))
            ctx.close()
    assert not problems, "\n".join(map(str, problems))

    # The decision log's table is wider than a phone: its scroll area is reached with Tab and
    # scrolled with the arrow keys.
    ctx = chromium.new_context(base_url=live_server, locale="en-GB",
                               viewport={"width": 360, "height": 700})
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    login(page, owner.email)
    page.goto(f"/t/{theme.slug}/moderation/log")
    region = page.get_by_role("region", name="Decision log")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    for _ in range(60):
        page.keyboard.press("Tab")
        if region.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the log's scroll area is not reached with Tab")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    ctx.close()


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""
    def luminance(css):
        r, g, b = (int(float(v)) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _tab_to(page, predicate_js, tries=80):
    for _ in range(tries):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate_js}; }}"):
            return
    raise AssertionError(f"Tab never reached {predicate_js}")


def test_focus_ring_contrasts_and_a_star_toggled_by_keyboard_keeps_focus(new_page):
    from tests.factories import ItemFactory
    theme = ThemeFactory(name="Sterren", slug="sterren", workgroup_type=WorkgroupType.CLOSED)
    reader = member(theme)
    ItemFactory(theme=theme, part="closed", title="Een post om te waarderen")
    page = new_page()
    login(page, reader.email, theme_label="Sterren")
    page.get_by_role("heading", name="Sterren").wait_for()

    # The focus ring against the page and against the dark header: at least 3:1.
    page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    header_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    _tab_to(page, "el.closest('.site-header') !== null && el.tagName === 'A'")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert _contrast(ring, header_bg) >= 3, (ring, header_bg)
    _tab_to(page, "el.closest('main') !== null && el.tagName === 'A'")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert _contrast(ring, page_bg) >= 3, (ring, page_bg)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    # A star toggled with Enter: focus stays on the button, its state flips and is announced.
    _tab_to(page, "el.matches('button.star')")
    assert page.evaluate("document.activeElement.getAttribute('aria-pressed')") == "false"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement.matches('button.star[aria-pressed=true]')")
    assert page.locator("#live-status").inner_text() == "Starred"
    assert page.locator(".star-count").inner_text() == "1"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement.matches('button.star[aria-pressed=false]')")
    assert page.locator("#live-status").inner_text() == "Not starred"
    assert page.locator("#live-status").get_attribute("aria-live") == "polite"


def test_several_files_uploaded_at_once_with_progress_then_tiles_and_a_refusal(
        new_page, tmp_path, app):
    theme = ThemeFactory(name="Gemeentearchief", slug="gemeentearchief-b",
                         workgroup_type=WorkgroupType.CLOSED)
    writer = member(theme, username="Fleur Bestanden")
    from PIL import Image
    photo = tmp_path / "plattegrond.png"
    Image.new("RGB", (300, 200), (20, 120, 200)).save(photo)
    notes = tmp_path / "notulen.txt"
    notes.write_text("Notulen van de werkgroep")
    big = tmp_path / "groot.txt"
    big.write_bytes(b"x" * 3000)

    page = new_page()
    login(page, writer.email, theme_label="Gemeentearchief")
    page.goto(f"/t/{theme.slug}/files")
    assert "each at most 20 MB" in page.inner_text("main")  # stated before the upload
    page.get_by_label("Choose files").set_input_files([str(photo), str(notes)])
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(rf"/t/{theme.slug}/files$"))
    page.get_by_text("Uploaded: plattegrond.png, notulen.txt.").wait_for()
    assert page.locator("a.file-link").all_inner_texts() == ["notulen.txt", "plattegrond.png"]
    page.get_by_role("link", name="tiles").click()
    thumb = page.locator(".file-tile img")
    thumb.evaluate("img => img.complete || new Promise(r => { img.onload = img.onerror = r; })")
    assert thumb.evaluate("img => img.naturalWidth") == 300  # the thumbnail is shown
    app.config["FILES_MAX_BYTES"] = 1000
    try:
        page.get_by_label("Choose files").set_input_files(str(big))
        page.get_by_role("button", name="Upload", exact=True).click()
        page.get_by_text("groot.txt is 3 kB; the limit is 1 kB per file.").wait_for()
    finally:
        app.config["FILES_MAX_BYTES"] = 20 * 1024 * 1024
    assert page.get_by_label("Choose files").is_visible()  # the form is there again
    shot(page, "files-upload-refused")
def test_in_a_browser_the_player_loads_only_after_the_click(new_page):
    """A status update's video (tests/test_status_updates.py): a link, and a button that puts
    the privacy-friendly player in the page; nothing reaches the video site before."""
    from tests.test_status_updates import YOUTUBE, update
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    item = update(theme, "Bekijk de film", video_url=YOUTUBE)
    page = new_page()
    video_requests = []
    page.on("request", lambda r: video_requests.append(r.url)
            if ("youtube" in r.url or "vimeo" in r.url) else None)
    page.route(re.compile(r"https://www\.youtube-nocookie\.com/.*"),
               lambda route: route.fulfill(body="<html><body>speler</body></html>",
                                           content_type="text/html"))
    page.goto("/language/en")
    page.goto(f"/updates/{item.id}")
    assert page.locator("iframe").count() == 0
    assert video_requests == []
    page.get_by_role("button", name="Show video here").click()
    frame = page.locator("iframe.video-player")
    frame.wait_for()
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert frame.get_attribute("title") == "Video from YouTube"
    page.wait_for_timeout(300)
    assert video_requests and all(u.startswith("https://www.youtube-nocookie.com/embed/")
                                  for u in video_requests)

def test_a_member_adds_an_event_and_answers_attending_by_keyboard(new_page):
    theme = ThemeFactory(name="Agendathema", slug="agendathema",
                         workgroup_type=WorkgroupType.CLOSED)
    lid = member(theme)
    page = new_page()
    login(page, lid.email, theme_label="Agendathema")
    page.goto("/t/agendathema/agenda")
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Teamuitje")
    page.get_by_label("Date", exact=True).fill("2030-06-14")
    page.get_by_label("Start time", exact=True).fill("10:00")
    page.get_by_label("End time", exact=True).fill("09:00")
    page.get_by_label("Place", exact=True).fill("Boswachterij")
    page.get_by_label("Description").fill("We wandelen en lunchen samen.")
    page.get_by_role("button", name="Publish").click()
    # The end before the start: named, and what was typed is still there.
    page.get_by_text("The end comes before the start").first.wait_for()
    assert page.get_by_label("Place", exact=True).input_value() == "Boswachterij"
    page.get_by_label("End time", exact=True).fill("12:30")
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("heading", name="Teamuitje").wait_for()
    assert "10:00–12:30" in page.locator(".event-facts").inner_text()

    _tab_to(page, "el.matches('.answer-form button[value=attending]')")
    page.keyboard.press("Enter")
    page.get_by_text("You are attending.").wait_for()
    assert page.locator(".answer-form button[value=attending]").get_attribute(
        "aria-pressed") == "true"
    assert "1 attending" in page.locator(".answer-counts").inner_text()
    page.goto("/t/agendathema/agenda")
    assert "Teamuitje" in page.locator(".event-list").inner_text()
# ------------------------------------------------------------------ wiki and tasks


def test_in_a_browser_two_people_save_at_once_and_the_second_keeps_their_text(app, new_page):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER)
    colleague = member(theme)
    page = wiki_page(theme=theme, author=owner, part=Part.CLOSED, title="Gedeeld rooster",
                     body="maandag: Anna", write_access=WriteAccess.MEMBERS)
    first, second = new_page(), new_page()
    login(first, owner.email)
    login(second, colleague.email)
    first.goto(f"/wiki/{page.id}/edit")
    second.goto(f"/wiki/{page.id}/edit")
    first.get_by_label("Text", exact=True).fill("maandag: Anna\ndinsdag: Carla")
    first.get_by_role("button", name="Save changes").click()
    first.wait_for_url(re.compile(r"/wiki/%d$" % page.id))
    second.get_by_label("Text", exact=True).fill("maandag: Anna\nwoensdag: Dirk")
    second.get_by_role("button", name="Save changes").click()
    alert = second.locator("#conflict")
    assert "changed this page while you were editing it" in alert.inner_text()
    assert "dinsdag: Carla" in second.locator("table.diff").first.inner_text()
    assert second.get_by_label("Text", exact=True).input_value() == "maandag: Anna\nwoensdag: Dirk"


def test_in_a_browser_on_a_phone_a_card_changes_state_with_the_keyboard(app, new_page):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner, worker = member(theme, role=Role.OWNER), member(theme)
    task_item(theme=theme, author=owner, part=Part.CLOSED, assignees=[worker], title="Toetsenbordklus")
    page = new_page()
    login(page, worker.email)
    page.goto(f"/t/{theme.slug}/tasks")
    choice = page.get_by_label("State of “Toetsenbordklus”")
    choice.focus()
    choice.select_option("done")
    page.keyboard.press("Tab")  # to the card's own button
    assert page.evaluate("document.activeElement.textContent").strip().startswith("Change")
    with page.expect_navigation():  # the form is sent, and the board comes back
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/t/{theme.slug}/tasks")
    assert "is now: Done" in page.locator("body").inner_text()
    done = page.locator("section[aria-labelledby=column-done]")
    assert "Toetsenbordklus" in done.inner_text()
    assert "Toetsenbordklus" not in page.locator("section[aria-labelledby=column-new]").inner_text()
