"""Questions ("Vragen"): asking, answering, the best answer (who may mark it, shown first,
changed or dropped), the open / answered filter, stars on answers, and who sees what."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Comment, Item, ItemState, Part
from app.moderation import services as moderation
from app.themes.models import Role, WorkgroupType
from tests.factories import CommentFactory, ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text


def ask(client, theme, **fields):
    data = {"title": "Wie kent een goede logeeropvang?", "body": "Liefst in **Noord**.", **fields}
    return client.post(f"/t/{theme.slug}/questions/new", data)


def latest():
    return db.session.scalar(select(Item).order_by(Item.id.desc()))


def question(theme, **kw):
    """A published question (the detail row is made as the service makes it)."""
    from app.toolkit.models import Question
    kw.setdefault("part", Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED
                  else Part.PUBLIC)
    item = ItemFactory(theme=theme, kind=ItemKind.QUESTION, **kw)
    db.session.add(Question(item_id=item.id))
    db.session.commit()
    return item


def answer(item, author, body="Probeer het Mantelzorgpunt.", **kw):
    c = CommentFactory(item=item, author=author, body=body, **kw)
    item.comment_count += 1
    db.session.commit()
    return c


def mark(client, item, comment_id):
    return client.post(f"/questions/{item.id}/best", {"comment_id": str(comment_id or "")})


def answer_ids_in_order(resp) -> list[int]:
    return [int(i) for i in re.findall(r'id="reply-(\d+)"', resp.get_data(as_text=True))]


def test_a_member_asks_in_a_closed_theme_and_members_answer(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    asker, helper = member(theme), member(theme)
    client.login(asker.email)
    resp = ask(client, theme)
    assert resp.status_code == 302
    q = latest()
    assert q.kind == ItemKind.QUESTION and q.state == ItemState.PUBLISHED
    assert resp.headers["Location"].endswith(f"/questions/{q.id}")

    other = Client(app)
    other.login(helper.email)
    resp = other.post(f"/items/{q.id}/comments", {"body": "Bel het **Mantelzorgpunt**."})
    assert resp.status_code == 302
    page = other.get(f"/questions/{q.id}")
    text = page_text(page)
    assert "Wie kent een goede logeeropvang?" in text and "Bel het Mantelzorgpunt" in text
    assert "1 answer" in text
    # the board of discussions does not list questions; the questions tab does
    assert "Wie kent een goede" not in page_text(other.get(f"/t/{theme.slug}"))
    assert "Wie kent een goede" in page_text(other.get(f"/t/{theme.slug}/questions"))


def test_who_sees_a_question(client, app):
    """Visitor, non-member, member, restricted-audience outsider, admin."""
    half_open = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    insider, outsider, admin = member(closed), member(closed), member(closed, role=Role.ADMIN)
    stranger = UserFactory()
    public = question(half_open, title="Openbare vraag")
    members_only = question(closed, part=Part.CLOSED, title="Vraag voor leden")
    chosen = question(closed, part=Part.CLOSED, title="Afgeschermde vraag", readers=[insider])

    def sees(who, item):
        c = Client(app)
        if who is not None:
            c.login(who.email)
        return c.get(f"/questions/{item.id}").status_code == 200

    assert sees(None, public) and sees(stranger, public)
    assert not sees(None, members_only) and not sees(stranger, members_only)
    assert sees(outsider, members_only) and sees(insider, members_only)
    assert sees(insider, chosen) and sees(admin, chosen)
    assert not sees(outsider, chosen) and not sees(stranger, chosen)

    c = Client(app)
    c.login(outsider.email)
    listing = page_text(c.get(f"/t/{closed.slug}/questions"))
    assert "Vraag voor leden" in listing and "Afgeschermde vraag" not in listing
    assert "Vraag voor leden" not in page_text(Client(app).get(f"/t/{closed.slug}/questions"))


def test_a_question_in_a_half_open_theme_waits_for_approval(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    asker, admin = member(theme), member(theme, role=Role.ADMIN)
    client.login(asker.email)
    ask(client, theme, title="Wachtende vraag")
    q = latest()
    assert q.state == ItemState.PENDING
    visitor = Client(app)
    assert visitor.get(f"/questions/{q.id}").status_code == 404
    assert "Wachtende vraag" not in page_text(visitor.get(f"/t/{theme.slug}/questions"))
    boss = Client(app)
    boss.login(admin.email)
    assert "Wachtende vraag" in page_text(boss.get(f"/t/{theme.slug}/moderation"))
    moderation.approve_post(admin, q.id)
    db.session.commit()
    assert "Wachtende vraag" in page_text(visitor.get(f"/t/{theme.slug}/questions"))


def test_bad_input_is_named_and_kept(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = ask(client, theme, title="", body="Mijn uitleg blijft staan")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Mijn uitleg blijft staan" in html and "This field is required." in html


def test_the_asker_marks_the_best_answer_which_is_shown_first(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    asker, first, second = member(theme), member(theme), member(theme)
    q = question(theme, author=asker)
    early = answer(q, first, "Eerste antwoord")
    late = answer(q, second, "Tweede antwoord, het beste")
    client.login(asker.email)
    page = client.get(f"/questions/{q.id}")
    assert answer_ids_in_order(page) == [early.id, late.id]
    assert "Best answer" not in page_text(page)

    assert mark(client, q, late.id).status_code == 302
    page = client.get(f"/questions/{q.id}")
    assert answer_ids_in_order(page) == [late.id, early.id]
    text = page_text(page)
    assert text.index("Best answer") < text.index("Tweede antwoord") < text.index("Eerste antwoord")

    # the asker changes their mind, then drops the mark: one best answer at most
    mark(client, q, early.id)
    assert answer_ids_in_order(client.get(f"/questions/{q.id}")) == [early.id, late.id]
    assert page_text(client.get(f"/questions/{q.id}")).count("Best answer") == 1
    mark(client, q, None)
    assert "Best answer" not in page_text(client.get(f"/questions/{q.id}"))


def test_only_the_asker_and_admins_mark_the_best_answer(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    asker, other, admin = member(theme), member(theme), member(theme, role=Role.ADMIN)
    q = question(theme, author=asker)
    a = answer(q, other, "Een antwoord")

    c = Client(app)
    c.login(other.email)
    assert "Mark as best answer" not in page_text(c.get(f"/questions/{q.id}"))
    assert mark(c, q, a.id).status_code == 403
    assert "Best answer" not in page_text(c.get(f"/questions/{q.id}"))
    assert Client(app).post(f"/questions/{q.id}/best", {"comment_id": str(a.id)}).status_code == 302
    assert "Best answer" not in page_text(c.get(f"/questions/{q.id}"))

    boss = Client(app)
    boss.login(admin.email)
    assert "Mark as best answer" in page_text(boss.get(f"/questions/{q.id}"))
    assert mark(boss, q, a.id).status_code == 302
    assert "Best answer" in page_text(c.get(f"/questions/{q.id}"))


def test_an_answer_of_another_question_cannot_be_the_best(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    asker = member(theme)
    mine, other = question(theme, author=asker), question(theme)
    foreign = answer(other, member(theme))
    client.login(asker.email)
    resp = mark(client, mine, foreign.id)
    assert resp.status_code == 302
    page = page_text(client.get(f"/questions/{mine.id}"))
    assert "Choose one of the published answers" in page and "Best answer" not in page


def test_open_and_answered_filters(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    asker = member(theme)
    open_q = question(theme, author=asker, title="Nog open vraag")
    done_q = question(theme, author=asker, title="Beantwoorde vraag")
    a = answer(done_q, member(theme))
    client.login(asker.email)
    mark(client, done_q, a.id)
    visitor = Client(app)
    everything = page_text(visitor.get(f"/t/{theme.slug}/questions"))
    assert "Nog open vraag" in everything and "Beantwoorde vraag" in everything
    opened = page_text(visitor.get(f"/t/{theme.slug}/questions?state=open"))
    assert "Nog open vraag" in opened and "Beantwoorde vraag" not in opened
    answered = page_text(visitor.get(f"/t/{theme.slug}/questions?state=answered"))
    assert "Beantwoorde vraag" in answered and "Nog open vraag" not in answered
    # a best answer that is taken away leaves the question open again
    db.session.get(Comment, a.id).state = ItemState.DELETED
    db.session.commit()
    assert "Beantwoorde vraag" in page_text(visitor.get(f"/t/{theme.slug}/questions?state=open"))


def test_answers_are_starred_once_per_person(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    q = question(theme, part=Part.CLOSED)
    a = answer(q, member(theme))
    fan = member(theme)
    client.login(fan.email)
    for _ in range(2):  # a double click asks twice for the same star
        assert client.post(f"/answers/{a.id}/star", {"star": "1"}).status_code == 302
    assert db.session.get(Comment, a.id).star_count == 1
    page = client.get(f"/questions/{q.id}").get_data(as_text=True)
    assert re.search(r'aria-pressed="true">\s*<span aria-hidden="true">★</span>\s*'
                     r'<span class="visually-hidden">Remove star:</span>\s*'
                     r'<span class="star-count">1</span>', page)
    client.post(f"/answers/{a.id}/star", {"star": "0"})
    client.post(f"/answers/{a.id}/star", {"star": "0"})
    assert db.session.get(Comment, a.id).star_count == 0
    # a visitor cannot star; an outsider of the closed theme does not find the answer
    assert Client(app).post(f"/answers/{a.id}/star", {"star": "1"}).status_code == 302
    outsider = Client(app)
    outsider.login(UserFactory().email)
    assert outsider.post(f"/answers/{a.id}/star", {"star": "1"}).status_code == 404
    assert db.session.get(Comment, a.id).star_count == 0


def test_edit_and_delete_by_the_asker_not_by_others(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    asker, other = member(theme), member(theme)
    q = question(theme, author=asker, title="Oude vraag")
    c = Client(app)
    c.login(other.email)
    assert c.get(f"/questions/{q.id}/edit").status_code == 403
    assert c.post(f"/questions/{q.id}/delete").status_code == 403
    client.login(asker.email)
    assert client.get(f"/questions/{q.id}/edit").status_code == 200
    resp = client.post(f"/questions/{q.id}/edit", {"title": "Nieuwe vraag", "body": "Uitleg"})
    assert resp.status_code == 302
    assert "Nieuwe vraag" in page_text(client.get(f"/questions/{q.id}"))
    assert client.post(f"/questions/{q.id}/delete").status_code == 302
    assert client.get(f"/questions/{q.id}").status_code == 404


def test_questions_are_found_by_search(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    ask(client, theme, title="Waar vind ik een traplift?")
    text = page_text(client.get("/search?q=traplift"))
    assert "Waar vind ik een traplift?" in text
    assert f"/questions/{latest().id}" in client.get("/search?q=traplift").get_data(as_text=True)


def test_the_overview_shows_recent_questions(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    question(theme, title="Vraag op het overzicht")
    text = page_text(client.get(f"/t/{theme.slug}/overview"))
    assert "Questions" in text and "Vraag op het overzicht" in text


def test_the_list_costs_the_same_few_queries_for_many_questions(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    viewer = member(theme)
    client.login(viewer.email)
    question(theme)
    client.get(f"/t/{theme.slug}/questions")
    with counted_queries() as few:
        client.get(f"/t/{theme.slug}/questions")
    for i in range(15):
        q = question(theme, title=f"Vraag {i}")
        answer(q, member(theme))
    with counted_queries() as many:
        resp = client.get(f"/t/{theme.slug}/questions")
    assert "Vraag 14" in page_text(resp)
    assert len(many) == len(few)


def test_the_demo_has_questions_articles_and_updates(app, client):
    """`make run`'s demo: an answered question with its best answer first, an article with
    its cover and a status update with a video link, seen by a visitor."""
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    overview = page_text(client.get("/t/zorgregio-noord/overview"))
    for text in ("Hoe vraag ik een mantelzorgwaardering aan?",
                 "Terugblik op de regiodag mantelzorg", "De nieuwe folder over respijtzorg"):
        assert text in overview
    q = db.session.scalar(select(Item).where(Item.title.like("Hoe vraag ik%")))
    text = page_text(client.get(f"/questions/{q.id}"))
    assert text.index("Best answer") < text.index("Mantelzorgpunt Noord") < text.index(
        "Bij de gemeente")
    blog = client.get("/t/zorgregio-noord/blog").get_data(as_text=True)
    src = re.search(r'<img class="item-image" src="([^"]+)"', blog).group(1).replace("&amp;", "&")
    assert client.get(src).mimetype == "image/jpeg"
    assert "Ledenartikel" not in blog
    assert "Zo werkt het nieuwe zaaksysteem" not in page_text(
        client.get("/t/gemeente-rivierstad/blog"))
