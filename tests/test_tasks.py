"""Tasks (P6): a board of three columns per theme, "my tasks" across themes, assignees who get
a mail, due dates with overdue tasks marked; changed by those with write access and by the
people the task is assigned to."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.items.models import Item, ItemState, Part, WriteAccess
from app.tasks.models import Task, TaskState
from app.tasks.services import today
from app.themes.models import Membership, Role, WorkgroupType
from tests.factories import ThemeFactory, UserFactory, member, task
from tests.helpers import Client, counted_queries, form_fields, page_text


def _login(app, user) -> Client:
    c = Client(app)
    c.login(user.email)
    return c


def _closed_theme():
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    return theme, member(theme, role=Role.OWNER), member(theme)


def _column(resp, state: str) -> str:
    html = resp.get_data(as_text=True)
    block = re.search(r'aria-labelledby="column-%s">(.*?)</section>' % state, html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(1)))


def test_a_member_creates_a_task_and_the_assignee_gets_a_mail(app, mailbox):
    theme, owner, worker = _closed_theme()
    c = _login(app, owner)
    due = (today() + timedelta(days=7)).isoformat()
    resp = c.post(f"/t/{theme.slug}/tasks/new", {"title": "Notulen uitwerken",
                                                  "body": "Voor vrijdag", "state": "new",
                                                  "due_date": due, "assignees": str(worker.id)})
    assert resp.status_code == 302
    item = db.session.scalar(select(Item).where(Item.title == "Notulen uitwerken"))
    assert item.kind == "task" and item.state == ItemState.PUBLISHED
    (mail,) = mailbox.wait_for(worker.email)
    assert "Notulen uitwerken" in mail.subject
    assert owner.username in mail.text
    assert mail.link(f"/tasks/{item.id}")
    assert mailbox.to(owner.email) == []  # nobody is told about what they did themselves
    assert "Notulen uitwerken" in _column(c.get(f"/t/{theme.slug}/tasks"), "new")


def test_adding_an_assignee_later_mails_only_the_new_one(app, mailbox):
    theme, owner, worker = _closed_theme()
    second = member(theme)
    item = task(theme=theme, author=owner, part=Part.CLOSED, assignees=[worker],
                title="Zaal reserveren")
    c = _login(app, owner)
    resp = c.post(f"/tasks/{item.id}/assignees", {"assignees": [str(worker.id), str(second.id)]})
    assert resp.status_code == 302
    assert len(mailbox.wait_for(second.email)) == 1
    assert mailbox.to(worker.email) == []


def test_the_board_has_three_columns_and_the_state_changes_with_a_small_form(app):
    theme, owner, worker = _closed_theme()
    item = task(theme=theme, author=owner, part=Part.CLOSED, assignees=[worker], title="Bellen")
    c = _login(app, worker)  # assigned, without write access: may change the state
    board = c.get(f"/t/{theme.slug}/tasks")
    assert "Bellen" in _column(board, "new")
    fields = form_fields(board)  # the card's own form, as the browser sends it
    assert fields["state"] == "new"
    resp = c.post(f"/tasks/{item.id}/state", fields | {"state": "in_progress"})
    assert resp.status_code == 302
    board = c.get(resp.headers["Location"])
    assert "Bellen" in _column(board, "in_progress") and "Bellen" not in _column(board, "new")
    assert c.post(f"/tasks/{item.id}/state", {"state": "klaar"}).status_code == 422


def test_who_may_change_a_task(app):
    theme, owner, worker = _closed_theme()
    bystander = member(theme)
    item = task(theme=theme, author=owner, part=Part.CLOSED, assignees=[worker], title="Verslag")
    c = _login(app, bystander)
    assert "Change" not in page_text(c.get(f"/t/{theme.slug}/tasks"))
    assert c.post(f"/tasks/{item.id}/state", {"state": "done"}).status_code == 403
    assert c.post(f"/tasks/{item.id}/assignees",
                  {"assignees": str(bystander.id)}).status_code == 403
    assert c.get(f"/tasks/{item.id}/edit").status_code == 403
    assert c.post(f"/tasks/{item.id}/edit", {"title": "Weg", "state": "done"}).status_code == 403
    assert c.post(f"/tasks/{item.id}/delete").status_code == 403
    db.session.expire_all()
    row = db.session.get(Task, item.id)
    assert (row.state, item.title, [u.id for u in row.assignees]) == (
        TaskState.NEW, "Verslag", [worker.id])
    # The assignee changes state and assignees, not the text.
    w = _login(app, worker)
    assert w.get(f"/tasks/{item.id}/edit").status_code == 403
    assert w.post(f"/tasks/{item.id}/state", {"state": "done"}).status_code == 302
    # With write access for the members, every member may.
    item.write_access = WriteAccess.MEMBERS
    db.session.commit()
    assert c.post(f"/tasks/{item.id}/state", {"state": "new"}).status_code == 302


def test_who_sees_the_tasks_of_a_closed_theme(app):
    theme, owner, worker = _closed_theme()
    item = task(theme=theme, author=owner, part=Part.CLOSED, title="Intern klusje")
    assert Client(app).get(f"/tasks/{item.id}").status_code == 404
    assert "Intern klusje" not in page_text(Client(app).get(f"/t/{theme.slug}/tasks"))
    outsider = _login(app, UserFactory())
    assert outsider.get(f"/tasks/{item.id}").status_code == 404
    assert "Intern klusje" in page_text(_login(app, worker).get(f"/tasks/{item.id}"))
    boss = _login(app, UserFactory(is_platform_owner=True))
    assert "Intern klusje" in page_text(boss.get(f"/t/{theme.slug}/tasks"))


def test_a_task_for_chosen_readers_and_who_may_be_assigned(app):
    theme, owner, worker = _closed_theme()
    other = member(theme)
    item = task(theme=theme, author=owner, part=Part.CLOSED, readers=[worker],
                title="Vertrouwelijke klus")
    assert _login(app, other).get(f"/tasks/{item.id}").status_code == 404
    assert "Vertrouwelijke klus" not in page_text(_login(app, other).get(f"/t/{theme.slug}/tasks"))
    resp = _login(app, owner).post(f"/tasks/{item.id}/assignees", {"assignees": str(other.id)})
    assert resp.status_code == 422 and "cannot read this task" in page_text(resp)
    db.session.expire_all()
    assert db.session.get(Task, item.id).assignees == []


def test_my_tasks_across_themes_and_dropped_after_leaving_a_closed_theme(app):
    closed, owner, worker = _closed_theme()
    open_theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    db.session.add(Membership(user=worker, theme=open_theme, role=Role.MEMBER))
    db.session.commit()
    late = task(theme=closed, author=owner, part=Part.CLOSED, assignees=[worker],
                title="Begroting", due_date=today() - timedelta(days=2))
    task(theme=open_theme, author=owner, assignees=[worker], title="Flyers",
         due_date=today() + timedelta(days=3))
    task(theme=closed, author=owner, part=Part.CLOSED, title="Niet van mij")
    c = _login(app, worker)
    text = page_text(c.get("/tasks/mine"))
    assert "Begroting" in text and "Flyers" in text and "Niet van mij" not in text
    assert text.index("Begroting") < text.index("Flyers")  # the first due first
    html = c.get("/tasks/mine").get_data(as_text=True)
    card = re.search(r'<li class="task-card panel is-overdue">.*?</li>', html, re.S).group(0)
    assert "Begroting" in card and "Overdue" in card
    db.session.delete(db.session.scalar(select(Membership).where(
        Membership.user_id == worker.id, Membership.theme_id == closed.id)))
    db.session.commit()
    text = page_text(c.get("/tasks/mine"))
    assert "Begroting" not in text and "Flyers" in text
    assert c.get(f"/tasks/{late.id}").status_code == 404


def test_bad_input_comes_back_with_the_problem_and_what_was_typed(app):
    theme, owner, worker = _closed_theme()
    c = _login(app, worker)
    resp = c.post(f"/t/{theme.slug}/tasks/new", {"title": "Iets regelen", "state": "new",
                                                  "due_date": "31-02-2026", "body": "Details"})
    assert resp.status_code == 422
    fields = form_fields(resp)
    assert (fields["title"], fields["due_date"], fields["body"]) == (
        "Iets regelen", "31-02-2026", "Details")
    assert "Due date: Not a valid date value." in page_text(resp)
    resp = c.post(f"/t/{theme.slug}/tasks/new", {"title": "", "state": "new"})
    assert resp.status_code == 422
    assert db.session.scalar(select(Item).where(Item.kind == "task")) is None


def test_an_author_edits_and_deletes_a_task(app):
    theme, owner, worker = _closed_theme()
    c = _login(app, worker)
    c.post(f"/t/{theme.slug}/tasks/new", {"title": "Eerste versie", "state": "new"})
    item = db.session.scalar(select(Item).where(Item.title == "Eerste versie"))
    fields = form_fields(c.get(f"/tasks/{item.id}/edit"))
    resp = c.post(f"/tasks/{item.id}/edit", fields | {"title": "Tweede versie",
                                                      "state": "done"})
    assert resp.status_code == 302
    assert "Tweede versie" in _column(c.get(f"/t/{theme.slug}/tasks"), "done")
    assert c.post(f"/tasks/{item.id}/delete").status_code == 302
    assert c.get(f"/tasks/{item.id}").status_code == 404


def test_in_a_half_open_theme_a_members_task_waits_and_its_assignee_is_told_once_approved(
        app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin, writer, helper = member(theme, role=Role.ADMIN), member(theme), member(theme)
    w = _login(app, writer)
    w.post(f"/t/{theme.slug}/tasks/new", {"title": "Openbare klus", "state": "new",
                                          "assignees": str(helper.id)})
    item = db.session.scalar(select(Item).where(Item.title == "Openbare klus"))
    assert item.state == ItemState.PENDING
    assert "Openbare klus" not in page_text(Client(app).get(f"/t/{theme.slug}/tasks"))
    assert "Openbare klus" not in page_text(_login(app, helper).get("/tasks/mine"))
    assert mailbox.to(helper.email) == []  # may not read it yet
    boss = _login(app, admin)
    assert "Openbare klus" in page_text(boss.get(f"/t/{theme.slug}/moderation"))
    resp = boss.post(f"/t/{theme.slug}/moderation/decide",
                     {"target": f"item:{item.id}", "action": "approve"})
    assert resp.status_code == 303
    (mail,) = mailbox.wait_for(helper.email)
    assert "Openbare klus" in mail.subject and writer.username in mail.text
    assert "Openbare klus" in page_text(Client(app).get(f"/t/{theme.slug}/tasks"))
    # A later change that waits again and is approved again does not mail them twice.
    fields = form_fields(w.get(f"/tasks/{item.id}/edit"))
    assert w.post(f"/tasks/{item.id}/edit", fields | {"title": "Openbare klus 2"}
                  ).status_code == 302
    db.session.expire_all()
    assert item.state == ItemState.PENDING
    boss.post(f"/t/{theme.slug}/moderation/decide", {"target": f"item:{item.id}",
                                                     "action": "approve"})
    assert len(mailbox.to(helper.email)) == 1


def test_comments_stars_and_the_overview_reuse_the_item_machinery(app):
    theme, owner, worker = _closed_theme()
    item = task(theme=theme, author=owner, part=Part.CLOSED, title="Kascontrole",
                due_date=today() + timedelta(days=1))
    c = _login(app, worker)
    resp = c.post(f"/items/{item.id}/comments", {"body": "Ik help mee"})
    assert resp.status_code == 302
    c.post(f"/posts/{item.id}/star", {"star": "1", "next": f"/tasks/{item.id}"})
    db.session.expire_all()
    assert item.star_count == 1 and item.comment_count == 1
    assert "Ik help mee" in page_text(c.get(f"/tasks/{item.id}"))
    assert "Kascontrole" in page_text(c.get(f"/t/{theme.slug}/overview"))


def test_the_board_costs_the_same_few_queries_whatever_its_size(app):
    theme, owner, worker = _closed_theme()
    task(theme=theme, author=owner, part=Part.CLOSED, assignees=[worker])
    c = _login(app, worker)
    with counted_queries() as few:
        assert c.get(f"/t/{theme.slug}/tasks").status_code == 200
    for i in range(15):
        task(theme=theme, author=UserFactory(), part=Part.CLOSED, assignees=[worker, owner],
             task_state=list(TaskState)[i % 3], due_date=today() + timedelta(days=i - 5))
    with counted_queries() as many:
        assert c.get(f"/t/{theme.slug}/tasks").status_code == 200
    assert len(many) == len(few)
    with counted_queries() as mine:
        assert c.get("/tasks/mine").status_code == 200
    assert len(mine) <= len(few)



def test_the_board_and_my_tasks_in_dutch(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(theme, role=Role.OWNER, locale="nl")
    task(theme=theme, author=owner, part=Part.CLOSED, assignees=[owner], title="Te laat klusje",
         due_date=today() - timedelta(days=1))
    c = Client(app, lang="nl")
    c.login(owner.email)
    text = page_text(c.get(f"/t/{theme.slug}/tasks"))
    for words in ("Taken", "Nieuw (1)", "Bezig (0)", "Klaar (0)", "Te laat", "Uiterlijk:",
                  "Nieuwe taak"):
        assert words in text
    assert "Mijn taken" in page_text(c.get("/tasks/mine"))
