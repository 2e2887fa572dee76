"""Who may change an item follows its write access (author / members / chosen writers /
admins only; the theme's admins always); who may read it follows the one policy, drafts
included; a view answers 404 for what the viewer may not read and 403 for what they may
read but not change."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.items.models import ItemState, Part, WriteAccess
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, page_text


@pytest.fixture
def people(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    return {"theme": theme, "author": member(theme), "colleague": member(theme),
            "writer": member(theme), "admin": member(theme, role=Role.ADMIN),
            "outsider": UserFactory()}


def _client(app, user):
    client = Client(app)
    client.login(user.email)
    return client


@pytest.mark.parametrize("access, may_edit", [
    (WriteAccess.AUTHOR, {"author", "admin"}),
    (WriteAccess.MEMBERS, {"author", "colleague", "writer", "admin"}),
    (WriteAccess.CHOSEN, {"author", "writer", "admin"}),
    (WriteAccess.ADMINS, {"admin"}),
])
def test_editing_follows_the_write_access(app, people, access, may_edit):
    item = ItemFactory(theme=people["theme"], author=people["author"], part=Part.PUBLIC,
                       title="Gezamenlijk verslag", write_access=access)
    item.writers = [people["writer"]]
    db.session.commit()
    for who in ("author", "colleague", "writer", "admin", "outsider"):
        client = _client(app, people[who])
        assert "Gezamenlijk verslag" in page_text(client.get(f"/posts/{item.id}")), who
        edit = client.get(f"/posts/{item.id}/edit")
        assert edit.status_code == (200 if who in may_edit else 403), who


def test_unreadable_items_answer_404_before_any_write_check(app, people):
    closed = ItemFactory(theme=people["theme"], author=people["author"], part=Part.CLOSED,
                         read_access="members", write_access=WriteAccess.MEMBERS)
    outsider = _client(app, people["outsider"])
    for url in (f"/posts/{closed.id}", f"/posts/{closed.id}/edit"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/posts/{closed.id}/delete").status_code == 404


def test_a_draft_is_seen_by_its_author_and_the_admins_only(app, people):
    draft = ItemFactory(theme=people["theme"], author=people["author"], state=ItemState.DRAFT,
                        title="Half af")
    for who, code in (("author", 200), ("admin", 200), ("colleague", 404), ("outsider", 404)):
        assert _client(app, people[who]).get(f"/posts/{draft.id}").status_code == code, who
    board = page_text(_client(app, people["colleague"]).get(f"/t/{people['theme'].slug}"))
    assert "Half af" not in board


def test_the_new_post_button_shows_for_those_who_may_write(app, people):
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    insider = member(closed)
    assert "New post" in page_text(_client(app, insider).get(f"/t/{closed.slug}"))
    outsider = _client(app, people["outsider"])
    assert "New post" not in page_text(outsider.get(f"/t/{people['theme'].slug}"))
    assert outsider.get(f"/t/{closed.slug}/posts/new").status_code == 302  # to join first


def test_only_someone_elses_published_text_can_be_reported(app, people):
    from sqlalchemy import func, select

    from app.moderation.models import Report

    waiting = ItemFactory(theme=people["theme"], author=people["author"], part=Part.PUBLIC,
                          state=ItemState.PENDING, title="Wacht nog")
    admin = _client(app, people["admin"])
    page = admin.get(f"/posts/{waiting.id}")
    assert page.status_code == 200 and 'class="report-link"' not in page.get_data(as_text=True)
    admin.post(f"/posts/{waiting.id}/report", {"reason": "spam", "text": ""})
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0

    published = ItemFactory(theme=people["theme"], author=people["author"], part=Part.PUBLIC)
    own = _client(app, people["author"]).get(f"/posts/{published.id}").get_data(as_text=True)
    assert 'class="report-link"' not in own
    other = _client(app, people["colleague"]).get(f"/posts/{published.id}").get_data(as_text=True)
    assert 'class="report-link"' in other


def test_a_writer_who_is_not_the_author_changes_the_text_not_who_reads_it(app, people):
    theme = people["theme"]
    item = ItemFactory(theme=theme, author=people["author"], part=Part.CLOSED,
                       title="Alleen voor twee", write_access=WriteAccess.CHOSEN,
                       readers=[people["writer"]])
    item.writers = [people["writer"]]
    db.session.commit()
    writer = _client(app, people["writer"])
    form = writer.get(f"/posts/{item.id}/edit").get_data(as_text=True)
    assert 'name="audience"' not in form  # no member list to pick from
    resp = writer.post(f"/posts/{item.id}/edit", {"title": "Alleen voor twee (bijgewerkt)",
                                                  "body": "Nieuwe tekst", "part": "closed"})
    assert resp.status_code == 302
    colleague = _client(app, people["colleague"])
    assert colleague.get(f"/posts/{item.id}").status_code == 404  # still only the chosen
    db.session.refresh(item)
    assert item.title == "Alleen voor twee (bijgewerkt)"
    assert [u.id for u in item.readers] == [people["writer"].id]
