"""Search inside the database (PostgreSQL full-text search or SQLite FTS5): the search rows
follow every change in the same transaction, and nothing the viewer may not see is shown,
counted or snippeted."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import signal
import textwrap
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from app.extensions import db
from app.moderation import services as moderation
from app.items.models import Part
from app.themes.models import Role, WorkgroupType
from tests.factories import (CategoryFactory, ItemFactory, CommentFactory, ThemeFactory,
                             UserFactory, member)
from tests.helpers import Client, listed_titles, page_text
from tests.test_visibility import CASES, STATUSES, VIEWERS, expected_visible

ROOT = Path(__file__).resolve().parent.parent


def result_count(resp) -> int:
    match = re.search(r"(\d+) results? for", page_text(resp))
    return int(match.group(1)) if match else 0


def test_participant_finds_a_post_by_a_word_from_a_reply_in_a_subtheme(app):
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    sub = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=root)
    reader = member(root)
    post = ItemFactory(theme=sub, part=Part.CLOSED, title="Overleg capaciteit")
    author = member(sub)
    client = Client(app)
    client.login(author.email)
    client.post(f"/items/{post.id}/comments", {"body": "Het wachtlijstbeheer moet beter."})
    c = Client(app)
    c.login(reader.email)
    resp = c.get(f"/t/{root.slug}?q=wachtlijstbeheer")
    assert listed_titles(resp) == {"Overleg capaciteit"} and result_count(resp) == 1
    assert listed_titles(c.get("/search?q=wachtlijstbeheer")) == {"Overleg capaciteit"}


def test_an_outsider_never_finds_a_closed_post_by_any_of_its_words(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author = member(theme, username="Geheimhouder")
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED, title="Reorganisatie Zuidvleugel",
                       body="Vertrouwelijk: de afdeling verhuist naar gebouw Noordster.")
    CommentFactory(item=post, author=author, body="Budget zevenhonderdduizend euro")
    words = ["Reorganisatie", "Zuidvleugel", "vertrouwelijk", "afdeling", "Noordster",
             "zevenhonderdduizend", "Geheimhouder", '"gebouw Noordster"']
    visitor, outsider, other = Client(app), Client(app), Client(app)
    outsider.login(UserFactory().email)
    other.login(member(ThemeFactory(workgroup_type=WorkgroupType.CLOSED)).email)
    for client in (visitor, outsider, other):
        for word in words:
            for url in (f"/search?q={word}", f"/t/{theme.slug}?q={word}"):
                resp = client.get(url)
                assert resp.status_code == 200
                assert listed_titles(resp) == set() and result_count(resp) == 0, (url, word)
                html = resp.get_data(as_text=True)
                assert "Reorganisatie Zuidvleugel" not in html and 'class="snippet"' not in html


@pytest.mark.parametrize("kind,part", CASES, ids=lambda v: getattr(v, "value", v))
def test_search_results_and_counts_follow_the_visibility_matrix(app, kind, part):
    parent = ThemeFactory(workgroup_type=kind)
    theme = ThemeFactory(workgroup_type=kind, parent=parent)
    people = {
        "non-member": UserFactory(),
        "other-member": member(ThemeFactory(workgroup_type=WorkgroupType.CLOSED)),
        "other-admin": member(ThemeFactory(workgroup_type=kind), role=Role.ADMIN),
        "member": member(theme), "insider": member(theme), "author": member(theme),
        "admin": member(theme, role=Role.ADMIN), "parent-admin": member(parent, role=Role.ADMIN),
        "platform-owner": UserFactory(is_platform_owner=True),
    }
    titles = {}
    for status in STATUSES:
        for restricted in (False, True):
            title = f"{status.value}-{'restricted' if restricted else 'open'}"
            ItemFactory(theme=theme, author=people["author"], title=title, part=part,
                               state=status, body=f"matrixwoord {title}",
                               readers=[people["insider"]] if restricted else None)
            titles[(status, restricted)] = title
    for viewer in VIEWERS:
        client = Client(app)
        if viewer != "visitor":
            client.login(people[viewer].email)
        expected = {t for (status, restricted), t in titles.items()
                    if expected_visible(viewer, part, status, restricted)}
        for url in ("/search?q=matrixwoord", f"/t/{theme.slug}?q=matrixwoord"):
            resp = client.get(url)
            assert listed_titles(resp) == expected, (viewer, url)
            assert result_count(resp) == len(expected), (viewer, url)
        for url in ("/search?q=matrixwoord&sort=recent",
                    f"/t/{theme.slug}?q=matrixwoord&sort=replies"):
            resp = client.get(url)
            assert listed_titles(resp) == expected, (viewer, url)
            assert result_count(resp) == len(expected), (viewer, url)


def test_the_index_follows_every_state_change(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, admin, colleague = member(theme), member(theme, role=Role.ADMIN), member(theme)
    visitor, writer = Client(app), Client(app)
    writer.login(author.email)

    def visitor_finds(word):
        return listed_titles(visitor.get(f"/search?q={word}"))

    writer.post(f"/t/{theme.slug}/posts/new", {"title": "Kerstmarkt plannen", "body": "Wie doet mee?"})
    from sqlalchemy import select
    from app.items.models import Item
    item_id = db.session.scalar(select(Item.id))
    assert visitor_finds("kerstmarkt") == set()  # pending
    assert listed_titles(writer.get("/search?q=kerstmarkt")) == {"Kerstmarkt plannen"}
    moderation.approve_post(admin, item_id)
    db.session.commit()
    assert visitor_finds("kerstmarkt") == {"Kerstmarkt plannen"}
    admin_client = Client(app)
    admin_client.login(admin.email)
    admin_client.post(f"/posts/{item_id}/edit", {"title": "Winterfeest plannen", "body": "Wie doet mee?"})
    assert visitor_finds("winterfeest") == {"Winterfeest plannen"}
    assert visitor_finds("kerstmarkt") == set()
    other = Client(app)
    other.login(colleague.email)
    other.post(f"/items/{item_id}/comments", {"body": "Ik bak oliebollen"})  # pending reply
    assert visitor_finds("oliebollen") == set()
    from app.items.models import Comment
    moderation.approve_reply(admin, db.session.scalar(select(Comment.id)))
    db.session.commit()
    assert visitor_finds("oliebollen") == {"Winterfeest plannen"}
    admin_client.post(f"/posts/{item_id}/edit", {"title": "Winterfeest plannen", "body": "x",
                                                 "audience": str(colleague.id)})
    assert visitor_finds("winterfeest") == set()  # restricted now
    assert listed_titles(other.get("/search?q=winterfeest")) == {"Winterfeest plannen"}
    admin_client.post(f"/posts/{item_id}/edit", {"title": "Winterfeest plannen", "body": "x"})
    moderation.take_down(admin, f"item:{item_id}", False, "offensive", None)
    db.session.commit()
    assert visitor_finds("winterfeest") == set()  # hidden
    assert listed_titles(writer.get("/search?q=winterfeest")) == {"Winterfeest plannen"}
    writer.post(f"/posts/{item_id}/delete")
    assert listed_titles(writer.get("/search?q=winterfeest")) == set()
    assert listed_titles(admin_client.get("/search?q=winterfeest")) == set()


def test_dutch_and_english_stemming_and_accents(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Nieuwe ideeën voor mantelzorgers", body="Overleg")
    ItemFactory(theme=theme, title="Quarterly meetings", body="Planning the meetings")
    visitor = Client(app)
    assert listed_titles(visitor.get("/search?q=ideeen")) == {"Nieuwe ideeën voor mantelzorgers"}
    assert listed_titles(visitor.get("/search?q=mantelzorger")) == {"Nieuwe ideeën voor mantelzorgers"}
    assert listed_titles(visitor.get("/search?q=meeting")) == {"Quarterly meetings"}
    html = visitor.get("/search?q=overleg").get_data(as_text=True)
    assert re.search(r'<mark class="[^"]*">Overleg</mark>', html)  # highlighted snippet


def test_search_combines_with_the_category_filter_and_sorts(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    idea, question = CategoryFactory(theme_id=theme.id, name="Idee"), CategoryFactory(theme_id=theme.id, name="Vraag")
    ItemFactory(theme=theme, title="Fietsroute A", body="fiets fiets fiets", category_id=idea.id, star_count=1)
    ItemFactory(theme=theme, title="Fietsroute B", body="fiets", category_id=question.id, star_count=9)
    visitor = Client(app)
    assert listed_titles(visitor.get(f"/t/{theme.slug}?q=fiets&category={idea.id}")) == {"Fietsroute A"}
    resp = visitor.get(f"/t/{theme.slug}?q=fiets&sort=stars")
    text = page_text(resp)
    assert text.index("Fietsroute B") < text.index("Fietsroute A")
    assert "Idee (1)" in text and "Vraag (1)" in text


HOSTILE_QUERIES = [
    "", "   ", "de het een", '"unbalanced', '"', '""', "'", "\\", "((((", "))", "AND OR NOT",
    "OR", "zorg OR", "OR zorg", "-", "--zorg", "-zorg", '-"zorg wijk"', "zorg -", "x" * 10_000,
    "🙂🙂🙂", "\u200b\u202e", "%00", "zorg\x00wijk", "\x00", "title:*", "*", "zorg*", ":",
    "^zorg", "^", "NEAR(", "NEAR(zorg wijk, 2)", "zorg NEAR wijk", "title_nl:zorg",
    "{title_nl body_en}: zorg", "item_search_fts:zorg", "zorg AND NOT wijk", "zorg + wijk",
    "'zorg' & !'wijk'", "zorg <-> wijk", "zorg:*", "zorg:A", "!zorg", "a" * 300 + " zorg",
    "ñ" * 50, "Zorg' OR 1=1 --", "\"zorg\" \"", "zorg)", "(zorg", "\t\n zorg \r"]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_get_a_helpful_page(app, query):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Zorg in de wijk")
    visitor = Client(app)
    for url in ("/search", f"/t/{theme.slug}"):
        resp = visitor.http.get(url, query_string={"q": query})
        assert resp.status_code in (200, 400), (url, query[:20])
    resp = visitor.http.get("/search", query_string={"q": "de het een"})
    assert "too common" in page_text(resp)
    resp = visitor.http.get("/search", query_string={"q": "x" * 10_000})
    assert "only the first 200 characters" in page_text(resp)
    resp = visitor.http.get("/search", query_string={"q": "-zorg"})
    assert "words with a minus sign are only left out" in page_text(resp)


@pytest.mark.parametrize("query", ["zorg*", "^zorg", "zorg:A", '"zorg', "(zorg", "zorg)",
                                   "zorg OR", "'zorg'", "{zorg}", "zorg AND", "NOT zorg"])
def test_search_syntax_of_the_databases_is_only_text(app, query):
    """Characters that mean something to FTS5 or tsquery are separators: the word is found."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Zorg in de wijk", body="Over de buurt")
    ItemFactory(theme=theme, title="Iets anders", body="Over de buurt")
    visitor = Client(app)
    assert listed_titles(visitor.get(f"/search?q={quote(query)}")) == {"Zorg in de wijk"}
    assert listed_titles(visitor.get(f"/t/{theme.slug}?q={quote(query)}")) == {"Zorg in de wijk"}


def test_quotes_or_and_minus_work_as_on_the_web(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Groene daken", body="Subsidie voor groene daken in de wijk")
    ItemFactory(theme=theme, title="Daken en groen", body="Daken worden groen, zegt de subsidie")
    ItemFactory(theme=theme, title="Fietsen", body="Een fietsenstalling met subsidie")
    visitor = Client(app)

    def found(q):
        return listed_titles(visitor.get(f"/search?q={quote(q)}"))

    assert found('"groene daken"') == {"Groene daken"}
    assert found("groene daken") == {"Groene daken", "Daken en groen"}
    assert found("fietsenstalling OR daken") == {"Groene daken", "Daken en groen", "Fietsen"}
    assert found("subsidie -daken") == {"Fietsen"}
    assert found('subsidie -"groene daken"') == {"Daken en groen", "Fietsen"}




def _search_rows() -> dict:
    """Each post's search row as stored (on PostgreSQL with its tsvector)."""
    from sqlalchemy import text
    document = ", CAST(document AS text)" if db.engine.dialect.name == "postgresql" else ""
    return {r[0]: tuple(r) for r in db.session.execute(text(
        f"SELECT item_id, title_nl, title_en, body_nl, body_en{document} FROM item_search"))}


def test_a_rolled_back_post_is_never_found(app):
    from app.items.models import Item, ItemState, ReadAccess
    from app.timeutil import utcnow
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author = member(theme)
    now = utcnow()
    db.session.add(Item(theme_id=theme.id, author_id=author.id, title="Teruggedraaid",
                        body="terugdraaiwoord", body_html="<p>terugdraaiwoord</p>",
                        part=Part.PUBLIC, state=ItemState.PUBLISHED, read_access=ReadAccess.PUBLIC,
                        created_at=now, published_at=now, last_activity_at=now))
    db.session.flush()
    db.session.rollback()
    ItemFactory(theme=theme, title="Wel bewaard", body="bewaarwoord")  # a later commit
    visitor = Client(app)
    assert listed_titles(visitor.get("/search?q=terugdraaiwoord")) == set()
    assert listed_titles(visitor.get(f"/t/{theme.slug}?q=terugdraaiwoord")) == set()
    assert listed_titles(visitor.get("/search?q=bewaarwoord")) == {"Wel bewaard"}


def test_a_post_is_found_by_the_very_next_request_after_its_commit(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)  # an admin's public post needs no approval
    writer, visitor = Client(app), Client(app)
    writer.login(admin.email)
    resp = writer.post(f"/t/{theme.slug}/posts/new", {"title": "Direct vindbaar",
                                                      "body": "Onmiddellijkheidswoord"})
    assert resp.status_code in (302, 303)
    assert listed_titles(visitor.get("/search?q=onmiddellijkheidswoord")) == {"Direct vindbaar"}
    assert listed_titles(visitor.get(f"/t/{theme.slug}?q=onmiddellijkheidswoord")) == {
        "Direct vindbaar"}


def test_two_app_instances_find_each_others_posts_at_once(app, tmp_path):
    from app import create_app
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    other = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "y" * 40,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "MAIL_DELIVERY": "scheduler"},
                       instance_path=str(tmp_path / "other"))
    try:
        here, there = Client(app), Client(other)
        here.login(admin.email)
        there.login(admin.email)
        there.post(f"/t/{theme.slug}/posts/new", {"title": "Van de tweede", "body": "Tweedewoord"})
        assert listed_titles(Client(app).get("/search?q=tweedewoord")) == {"Van de tweede"}
        here.post(f"/t/{theme.slug}/posts/new", {"title": "Van de eerste", "body": "Eerstewoord"})
        assert listed_titles(Client(other).get("/search?q=eerstewoord")) == {"Van de eerste"}
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _ordered_titles(resp) -> list[str]:
    return re.findall(r'<h3><a href="/posts/\d+">([^<]+)</a></h3>', resp.get_data(as_text=True))


def test_best_match_first_then_newest(app):
    from app.timeutil import utcnow
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    now = utcnow()
    ItemFactory(theme=theme, title="Nieuw verslag", body="Het rangwoord staat in de tekst.",
                created_at=now)
    ItemFactory(theme=theme, title="Rangwoord in de titel", body="Een verslag.",
                created_at=now - timedelta(days=30))
    ItemFactory(theme=theme, title="Ouder verslag", body="Het rangwoord staat in de tekst.",
                created_at=now - timedelta(days=10))
    expected = ["Rangwoord in de titel", "Nieuw verslag", "Ouder verslag"]
    visitor = Client(app)
    assert _ordered_titles(visitor.get("/search?q=rangwoord")) == expected
    board_titles = [t for t in _ordered_titles(visitor.get(f"/t/{theme.slug}?q=rangwoord"))]
    assert board_titles == expected or listed_titles(
        visitor.get(f"/t/{theme.slug}?q=rangwoord")) == set(expected)
    text = page_text(visitor.get(f"/t/{theme.slug}?q=rangwoord"))
    positions = [text.index(t) for t in expected]
    assert positions == sorted(positions)


def test_a_common_word_returns_the_most_relevant_twenty(app):
    """The best matches are older and written last: not the first 20 found, nor the newest."""
    from app.timeutil import utcnow
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    now = utcnow()
    for i in range(25):
        ItemFactory(theme=theme, title=f"Verslag {i:02d}", body="Over de gewone subsidie.",
                    created_at=now - timedelta(hours=i))
    for i in range(3):
        ItemFactory(theme=theme, title=f"Subsidie aanvraag {i}", body="Een aanvraag.",
                    created_at=now - timedelta(days=100 + i))
    visitor = Client(app)
    for url in ("/search?q=subsidie", f"/t/{theme.slug}?q=subsidie"):
        resp = visitor.get(url)
        assert result_count(resp) == 28
        shown = [t for t in re.findall(r">(Subsidie aanvraag \d|Verslag \d\d)<",
                                       resp.get_data(as_text=True))]
        assert shown[:3] == ["Subsidie aanvraag 0", "Subsidie aanvraag 1", "Subsidie aanvraag 2"]
        assert shown[3:] == [f"Verslag {i:02d}" for i in range(17)], url


def test_a_word_inside_an_attachment_name_is_found(app):
    import io
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    writer = Client(app)
    writer.login(admin.email)
    writer.post(f"/t/{theme.slug}/posts/new",
                {"title": "Met bijlage", "body": "Zie bijlage",
                 "attachments": [(io.BytesIO(b"tekst"), "bijlage-Begrotingsnota_2027.v2.txt")]},
                content_type="multipart/form-data")
    visitor = Client(app)
    for word in ("begrotingsnota", "Begrotingsnota_2027", "2027", "v2"):
        assert listed_titles(visitor.get(f"/search?q={word}")) == {"Met bijlage"}, word
        assert listed_titles(visitor.get(f"/t/{theme.slug}?q={word}")) == {"Met bijlage"}, word


def test_renamed_author_and_organisation_are_found_by_their_new_names(app):
    from app.organisations.models import Organisation
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author = member(theme, username="Oudenaam")
    org = Organisation(theme_id=theme.id, name="Oudstichting")
    db.session.add(org)
    db.session.commit()
    ItemFactory(theme=theme, author=author, organisation=org, title="Wie schreef dit")
    visitor = Client(app)
    assert listed_titles(visitor.get("/search?q=oudenaam")) == {"Wie schreef dit"}
    author.username, org.name = "Nieuwenaam", "Nieuwstichting"
    db.session.commit()
    assert listed_titles(visitor.get("/search?q=oudenaam")) == set()
    assert listed_titles(visitor.get("/search?q=nieuwenaam")) == {"Wie schreef dit"}
    assert listed_titles(visitor.get("/search?q=nieuwstichting")) == {"Wie schreef dit"}


def test_reindex_repairs_and_equals_what_the_transactions_wrote(app):
    from sqlalchemy import text
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    author, insider = member(theme), member(theme)
    client = Client(app)
    client.login(author.email)
    for i in range(3):
        client.post(f"/t/{theme.slug}/posts/new", {"title": f"Herstel {i}", "body": f"tekst {i}",
                                                   "part": "closed" if i % 2 else "public",
                                                   **({"audience": str(insider.id)} if i == 2 else {})})
    written = _search_rows()
    assert len(written) == 3
    db.session.execute(text("DELETE FROM item_search"))
    db.session.commit()
    assert listed_titles(client.get("/search?q=herstel")) == set()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 3 posts." in result.output
    db.session.remove()
    assert _search_rows() == written
    assert listed_titles(client.get("/search?q=herstel")) == {"Herstel 0", "Herstel 1", "Herstel 2"}


def test_every_post_committed_before_a_kill_9_is_found(app):
    """A writer killed mid-stream (SIGKILL: no exit handlers) loses nothing it committed."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author = member(theme)
    script = textwrap.dedent(f"""
        import sys
        from app import create_app
        from app.extensions import db
        from app.items.models import Item, ItemState, Part, ReadAccess
        from app.timeutil import utcnow
        app = create_app({{"ENVIRONMENT": "testing", "SECRET_KEY": "x" * 40,
                           "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
                           "MAIL_DELIVERY": "scheduler"}}, instance_path={app.instance_path!r})
        letters = "abcdefghijklmnopqrstuvwxyz"
        with app.app_context():
            for i in range(100000):
                word = "nood" + letters[i // 26 % 26] + letters[i % 26] + "stop"
                now = utcnow()
                db.session.add(Item(theme_id={theme.id}, author_id={author.id},
                                    title=f"Noodstop {{word}}", body=word, body_html=word,
                                    part=Part.PUBLIC, state=ItemState.PUBLISHED,
                                    read_access=ReadAccess.PUBLIC, created_at=now, published_at=now,
                                    last_activity_at=now))
                db.session.commit()
                print(word, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    committed = []
    try:
        for line in proc.stdout:
            committed.append(line.strip())
            if len(committed) >= 30:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and len(committed) == 30
    visitor = Client(app)
    for word in committed:
        assert listed_titles(visitor.get(f"/search?q={word}")) == {f"Noodstop {word}"}, word


def test_a_very_long_run_of_letters_is_saved_and_left_out_of_search(app):
    """A hash or encoded blob in a post is no word to search for; the post is saved on both
    databases (PostgreSQL refuses lexemes over 2,047 bytes) and found by its other words."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author = member(theme)
    client = Client(app)
    client.login(author.email)
    blob = "a1b2c3" * 500
    resp = client.post(f"/t/{theme.slug}/posts/new",
                       {"title": "Controlegetal", "body": f"checksum {blob} waterschap"})
    assert resp.status_code == 302
    found = page_text(client.get("/search?q=waterschap"))
    assert "Controlegetal" in found
    assert "Controlegetal" not in page_text(client.get(f"/search?q={blob[:80]}"))
