"""Search: a real whoosh index (temp dir) that follows every change after commit and never
shows, counts or snippets what the viewer may not see."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.extensions import db
from app.moderation import services as moderation
from app.posts.models import Part
from app.search import index as search_index
from app.themes.models import Role, WorkgroupType
from tests.factories import (CategoryFactory, PostFactory, ReplyFactory, ThemeFactory,
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
    post = PostFactory(theme=sub, part=Part.CLOSED, title="Overleg capaciteit")
    author = member(sub)
    client = Client(app)
    client.login(author.email)
    client.post(f"/posts/{post.id}/replies", {"body": "Het wachtlijstbeheer moet beter."})
    c = Client(app)
    c.login(reader.email)
    resp = c.get(f"/t/{root.slug}?q=wachtlijstbeheer")
    assert listed_titles(resp) == {"Overleg capaciteit"} and result_count(resp) == 1
    assert listed_titles(c.get("/search?q=wachtlijstbeheer")) == {"Overleg capaciteit"}


def test_an_outsider_never_finds_a_closed_post_by_any_of_its_words(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author = member(theme, username="Geheimhouder")
    post = PostFactory(theme=theme, author=author, part=Part.CLOSED, title="Reorganisatie Zuidvleugel",
                       body="Vertrouwelijk: de afdeling verhuist naar gebouw Noordster.")
    ReplyFactory(post=post, author=author, body="Budget zevenhonderdduizend euro")
    search_index.update_posts([post.id])
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
            PostFactory(theme=theme, author=people["author"], title=title, part=part,
                               status=status, body=f"matrixwoord {title}",
                               audience=[people["insider"]] if restricted else None)
            titles[(status, restricted)] = title
    search_index.reindex_all()
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
        # The filter inside whoosh alone (before the SQL check) already keeps to the policy.
        from app.permissions import viewer_for
        from app.posts.models import Post
        from app.search.services import parse, search_ids
        user = None if viewer == "visitor" else db.session.get(type(people["member"]), people[viewer].id)
        hits = search_ids(parse("matrixwoord"), viewer_for(user) if user else viewer_for(None))
        assert {db.session.get(Post, i).title for i in hits} == expected, viewer


def test_the_index_follows_every_state_change(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, admin, colleague = member(theme), member(theme, role=Role.ADMIN), member(theme)
    visitor, writer = Client(app), Client(app)
    writer.login(author.email)

    def visitor_finds(word):
        return listed_titles(visitor.get(f"/search?q={word}"))

    writer.post(f"/t/{theme.slug}/posts/new", {"title": "Kerstmarkt plannen", "body": "Wie doet mee?"})
    from sqlalchemy import select
    from app.posts.models import Post
    post_id = db.session.scalar(select(Post.id))
    assert visitor_finds("kerstmarkt") == set()  # pending
    assert listed_titles(writer.get("/search?q=kerstmarkt")) == {"Kerstmarkt plannen"}
    moderation.approve_post(admin, post_id)
    assert visitor_finds("kerstmarkt") == {"Kerstmarkt plannen"}
    admin_client = Client(app)
    admin_client.login(admin.email)
    admin_client.post(f"/posts/{post_id}/edit", {"title": "Winterfeest plannen", "body": "Wie doet mee?"})
    assert visitor_finds("winterfeest") == {"Winterfeest plannen"}
    assert visitor_finds("kerstmarkt") == set()
    other = Client(app)
    other.login(colleague.email)
    other.post(f"/posts/{post_id}/replies", {"body": "Ik bak oliebollen"})  # pending reply
    assert visitor_finds("oliebollen") == set()
    from app.posts.models import Reply
    moderation.approve_reply(admin, db.session.scalar(select(Reply.id)))
    assert visitor_finds("oliebollen") == {"Winterfeest plannen"}
    admin_client.post(f"/posts/{post_id}/edit", {"title": "Winterfeest plannen", "body": "x",
                                                 "audience": str(colleague.id)})
    assert visitor_finds("winterfeest") == set()  # restricted now
    assert listed_titles(other.get("/search?q=winterfeest")) == {"Winterfeest plannen"}
    admin_client.post(f"/posts/{post_id}/edit", {"title": "Winterfeest plannen", "body": "x"})
    moderation.take_down(admin, f"post:{post_id}", False, "offensive", None)
    assert visitor_finds("winterfeest") == set()  # hidden
    assert listed_titles(writer.get("/search?q=winterfeest")) == {"Winterfeest plannen"}
    writer.post(f"/posts/{post_id}/delete")
    assert listed_titles(writer.get("/search?q=winterfeest")) == set()
    assert listed_titles(admin_client.get("/search?q=winterfeest")) == set()


def test_dutch_and_english_stemming_and_accents(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    PostFactory(theme=theme, title="Nieuwe ideeën voor mantelzorgers", body="Overleg")
    PostFactory(theme=theme, title="Quarterly meetings", body="Planning the meetings")
    search_index.reindex_all()
    visitor = Client(app)
    assert listed_titles(visitor.get("/search?q=ideeen")) == {"Nieuwe ideeën voor mantelzorgers"}
    assert listed_titles(visitor.get("/search?q=mantelzorger")) == {"Nieuwe ideeën voor mantelzorgers"}
    assert listed_titles(visitor.get("/search?q=meeting")) == {"Quarterly meetings"}
    html = visitor.get("/search?q=overleg").get_data(as_text=True)
    assert re.search(r'<mark class="[^"]*">Overleg</mark>', html)  # highlighted snippet


def test_search_combines_with_the_category_filter_and_sorts(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    idea, question = CategoryFactory(theme_id=theme.id, name="Idee"), CategoryFactory(theme_id=theme.id, name="Vraag")
    PostFactory(theme=theme, title="Fietsroute A", body="fiets fiets fiets", category_id=idea.id, star_count=1)
    PostFactory(theme=theme, title="Fietsroute B", body="fiets", category_id=question.id, star_count=9)
    search_index.reindex_all()
    visitor = Client(app)
    assert listed_titles(visitor.get(f"/t/{theme.slug}?q=fiets&category={idea.id}")) == {"Fietsroute A"}
    resp = visitor.get(f"/t/{theme.slug}?q=fiets&sort=stars")
    text = page_text(resp)
    assert text.index("Fietsroute B") < text.index("Fietsroute A")
    assert "Idee (1)" in text and "Vraag (1)" in text


@pytest.mark.parametrize("query", ["", "   ", "de het een", '"unbalanced', "((((", "AND OR NOT",
                                   "x" * 10_000, "🙂🙂🙂", "\u200b\u202e", "%00", "title:*", "*",
                                   "a" * 300 + " zorg", "ñ" * 50])
def test_hostile_queries_get_a_helpful_page(app, query):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    PostFactory(theme=theme, title="Zorg in de wijk")
    visitor = Client(app)
    for url in ("/search", f"/t/{theme.slug}"):
        resp = visitor.http.get(url, query_string={"q": query})
        assert resp.status_code in (200, 400), (url, query[:20])
    resp = visitor.http.get("/search", query_string={"q": "de het een"})
    assert "too common" in page_text(resp)
    resp = visitor.http.get("/search", query_string={"q": "x" * 10_000})
    assert "only the first 200 characters" in page_text(resp)


def test_a_missing_or_corrupt_index_is_rebuilt(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    PostFactory(theme=theme, title="Herbouwde index")
    path = Path(app.config["SEARCH_INDEX_DIR"])
    import shutil
    shutil.rmtree(path, ignore_errors=True)
    visitor = Client(app)
    assert listed_titles(visitor.get("/search?q=herbouwde")) == {"Herbouwde index"}
    for toc in path.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    assert listed_titles(visitor.get("/search?q=herbouwde")) == {"Herbouwde index"}


def _stored(ix) -> dict:
    with ix.searcher() as s:
        return {d["id"]: d for d in s.all_stored_fields()}


def test_reindex_equals_incremental(app, tmp_path):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    author, insider = member(theme), member(theme)
    client = Client(app)
    client.login(author.email)
    for i in range(5):
        client.post(f"/t/{theme.slug}/posts/new", {"title": f"Post {i}", "body": f"tekst {i}",
                                                   "part": "closed" if i % 2 else "public",
                                                   **({"audience": str(insider.id)} if i == 3 else {})})
    incremental = _stored(search_index.open_index())
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "rebuilt")
    try:
        rebuilt = _stored(search_index.open_index())  # missing: built from the database
    finally:
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path).parent / "search")
    assert incremental == rebuilt and len(rebuilt) == 5


def test_concurrent_writers_threads_and_processes_lose_no_update(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    posts = [PostFactory(theme=theme, title=f"Parallel {i}", body=f"parallelwoord nummer{i}")
             for i in range(24)]
    ids = [p.id for p in posts]
    search_index.open_index()  # exists (empty of these posts? they were indexed at commit)
    # Start from an index without them, then write from 4 threads and 2 processes at once.
    ix = search_index.open_index()
    writer = ix.writer(timeout=30)
    for pid in ids:
        writer.delete_by_term("id", str(pid))
    writer.commit()
    chunks = [ids[i::6] for i in range(6)]
    threads = []
    for chunk in chunks[:4]:
        def work(c=chunk):
            with app.app_context():
                search_index.update_posts(c)
        threads.append(threading.Thread(target=work))
    env = dict(os.environ, BOARD_ENVIRONMENT="testing", BOARD_SECRET_KEY="x" * 40,
               BOARD_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
               BOARD_SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"])
    code = ("import sys; from app import create_app; from app.search.index import update_posts;"
            "app = create_app(instance_path=sys.argv[2]);"
            "ctx = app.app_context(); ctx.push();"
            "update_posts([int(x) for x in sys.argv[1].split(',')])")
    procs = [subprocess.Popen([sys.executable, "-c", code, ",".join(map(str, chunk)),
                               app.instance_path], env=env, cwd=ROOT)
             for chunk in chunks[4:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        assert p.wait(timeout=120) == 0
    stored = _stored(search_index.open_index())
    assert {str(i) for i in ids} <= set(stored)


def test_reindex_command_shows_progress(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    for i in range(3):
        PostFactory(theme=theme)
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 3 posts." in result.output


def test_the_kept_policy_filter_follows_changes_and_rebuilds(app):
    """The whoosh filter sets are kept per index state (app.search.services._allowed_docs):
    checked on whoosh alone, without the SQL re-check that would hide a stale set."""
    from sqlalchemy import update
    from app.permissions import viewer_for
    from app.posts.models import Post, PostStatus
    from app.search.services import parse, search_ids

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    shown = PostFactory(theme=theme, title="Zichtbaar", body="filterwoord een")
    hidden = PostFactory(theme=theme, title="Verborgen", body="filterwoord twee")

    def whoosh_finds():
        return set(search_ids(parse("filterwoord"), viewer_for(None)))

    assert whoosh_finds() == {shown.id, hidden.id}
    assert whoosh_finds() == {shown.id, hidden.id}  # the kept set answers the same
    moderation.take_down(admin, f"post:{hidden.id}", False, "offensive", None)
    assert whoosh_finds() == {shown.id}
    # A change the index has not seen, then a rebuild: the rebuilt index's new segments
    # never meet a set kept for the old ones.
    db.session.execute(update(Post).where(Post.id == shown.id).values(status=PostStatus.HIDDEN))
    db.session.commit()
    assert whoosh_finds() == {shown.id}  # the index still says published (not yet re-read)
    search_index.reindex_all()
    assert whoosh_finds() == set()
    db.session.execute(update(Post).values(status=PostStatus.PUBLISHED))
    db.session.commit()
    search_index.reindex_all()
    assert whoosh_finds() == {shown.id, hidden.id}


def test_a_stopping_worker_writes_what_waits_for_the_index(app):
    """Background indexing gathers changes for SEARCH_INDEX_DELAY; a process that stops in
    between (a gunicorn worker restarting) still writes them."""
    import textwrap
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author = member(theme)
    assert search_index.open_index().doc_count() == 0  # the index exists (and is empty)
    script = textwrap.dedent(f"""
        from app import create_app
        from app.extensions import db
        from app.posts.models import Post, Part, PostStatus
        from app.timeutil import utcnow
        app = create_app({{"ENVIRONMENT": "testing", "SECRET_KEY": "x" * 40,
                           "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
                           "SEARCH_INDEX_DIR": {app.config["SEARCH_INDEX_DIR"]!r},
                           "SEARCH_INDEXING": "thread", "SEARCH_INDEX_DELAY": 30,
                           "MAIL_DELIVERY": "scheduler"}}, instance_path={app.instance_path!r})
        with app.app_context():
            now = utcnow()
            db.session.add(Post(theme_id={theme.id}, author_id={author.id}, title="Afscheidspost",
                                body="afscheidswoord", body_html="<p>afscheidswoord</p>",
                                part=Part.PUBLIC, status=PostStatus.PUBLISHED, restricted=False,
                                created_at=now, published_at=now, last_activity_at=now))
            db.session.commit()
        # exits at once: the indexer is still gathering (30 s)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, cwd=ROOT)
    search_index.forget_index()
    assert listed_titles(Client(app).get("/search?q=afscheidswoord")) == {"Afscheidspost"}
