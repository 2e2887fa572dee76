"""A board page costs a bounded number of SQL queries, whatever the page size and filters;
the seed command builds a consistent large board."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.items.models import Part, Item, ItemState, Comment, Star
from app.themes.models import Role, WorkgroupType
from tests.factories import (CategoryFactory, FilterGroupFactory, FilterValueFactory,
                             ItemFactory, CommentFactory, StarFactory, ThemeFactory, UserFactory,
                             member)
from tests.helpers import PAGE_QUERY_BUDGET, counted_queries, Client, page_text

MAX_QUERIES = POST_PAGE_MAX_QUERIES = PAGE_QUERY_BUDGET


def _board(theme, n):
    root_cat = CategoryFactory(theme_id=theme.parent_id or theme.id, name="Vraag")
    group = FilterGroupFactory(theme_id=theme.id, name="Regio")
    values = [FilterValueFactory(group=group, name=f"Regio {i}") for i in range(3)]
    for i in range(n):
        part = Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED else Part.PUBLIC
        post = ItemFactory(theme=theme, category_id=root_cat.id, part=part)
        post.filter_values = values[: 1 + i % 3]
        CommentFactory(item=post)
        StarFactory(user_id=UserFactory().id, item_id=post.id)
    db.session.commit()
    return root_cat, values


@pytest.mark.parametrize("per_page", [5, 40])
@pytest.mark.parametrize("who", ["visitor", "member", "admin"])
def test_board_page_queries_are_bounded(app, per_page, who):
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=root)
    if who == "visitor":
        root.workgroup_type = theme.workgroup_type = WorkgroupType.HALF_OPEN
        db.session.commit()
    category, values = _board(theme, 45)
    client = Client(app)
    if who != "visitor":
        client.login(member(root, role=Role.ADMIN if who == "admin" else Role.MEMBER).email)
    app.config["POSTS_PER_PAGE"] = per_page
    try:
        for url in (f"/t/{theme.slug}", f"/t/{theme.slug}?sort=stars&page=2",
                    f"/t/{theme.slug}?category={category.id}&f={values[0].id}&f={values[1].id}"):
            with counted_queries() as statements:
                resp = client.get(url)
            assert resp.status_code == 200
            assert resp.get_data(as_text=True).count('class="post-item"') == min(per_page, 45) \
                or "category" in url or "page=2" in url
            assert len(statements) <= MAX_QUERIES, "\n".join(s[:90] for s in statements)
    finally:
        app.config["POSTS_PER_PAGE"] = 20


def test_post_page_queries_do_not_grow_with_replies(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme)
    client = Client(app)
    client.login(member(theme).email)
    CommentFactory(item=post)
    with counted_queries() as few:
        client.get(f"/posts/{post.id}")
    for _ in range(30):
        CommentFactory(item=post, author=UserFactory())
    with counted_queries() as many:
        resp = client.get(f"/posts/{post.id}")
    assert resp.get_data(as_text=True).count('class="reply panel"') == 31
    assert len(many) == len(few) <= POST_PAGE_MAX_QUERIES


def test_a_long_thread_costs_the_same_queries_on_its_first_and_a_late_page(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme)
    authors = [UserFactory() for _ in range(5)]
    for i in range(260):
        CommentFactory(item=post, author=authors[i % 5])
    post.comment_count = 260
    db.session.commit()
    for who in ("visitor", "member"):
        client = Client(app)
        if who == "member":
            client.login(member(theme).email)
        costs = []
        for page in (1, 5, 6):
            with counted_queries() as statements:
                resp = client.get(f"/posts/{post.id}?page={page}")
            shown = resp.get_data(as_text=True).count('class="reply panel"')
            assert shown == (10 if page == 6 else 50)
            assert len(statements) <= POST_PAGE_MAX_QUERIES, "\n".join(s[:90] for s in statements)
            costs.append(len(statements))
        assert len(set(costs)) == 1, (who, costs)


def test_seed_command_builds_a_consistent_board(app):
    result = app.test_cli_runner().invoke(args=["seed", "--posts", "600", "--members", "40",
                                                "--themes", "6"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Item.id)).where(Item.kind == "discussion")) == 600
    # and one event for every 50 posts, each with its event row
    from app.events.models import Event
    assert db.session.scalar(select(func.count(Item.id)).where(Item.kind == "event")) == 12
    assert db.session.scalar(select(func.count()).select_from(Event).join(
        Item, Item.id == Event.item_id)) == 12
    # with wiki pages (in small trees, with their revisions) and tasks (with assignees)
    from app.tasks.models import Task
    from app.wiki.models import WikiPage, WikiRevision
    assert db.session.scalar(select(func.count(WikiPage.item_id))) == 12
    assert db.session.scalar(select(func.count()).select_from(WikiPage).where(
        WikiPage.revision != select(func.max(WikiRevision.number)).where(
            WikiRevision.item_id == WikiPage.item_id).scalar_subquery())) == 0
    assert db.session.scalar(select(func.count(Task.item_id))) == 24
    # and questions, blog articles and status updates, each with its own row
    from app.toolkit.models import BlogArticle, Question, StatusUpdate
    for kind, table, n in (("question", Question, 12), ("blog", BlogArticle, 6),
                           ("status_update", StatusUpdate, 12)):
        assert db.session.scalar(select(func.count()).select_from(table).join(
            Item, Item.id == table.item_id).where(Item.kind == kind)) == n, kind
    # Counters on the posts agree with the rows.
    mismatched = db.session.scalar(select(func.count()).select_from(Item).where(
        Item.comment_count != select(func.count(Comment.id)).where(
            Comment.item_id == Item.id, Comment.state == ItemState.PUBLISHED).scalar_subquery()))
    assert mismatched == 0
    mismatched = db.session.scalar(select(func.count()).select_from(Item).where(
        Item.star_count != select(func.count()).select_from(Star).where(
            Star.item_id == Item.id).scalar_subquery()))
    assert mismatched == 0
    statuses = set(db.session.scalars(select(Item.state).distinct()))
    assert {ItemState.PUBLISHED, ItemState.PENDING} <= statuses
    assert db.session.scalar(select(func.count()).select_from(Item).where(Item.restricted)) > 0


def test_a_rare_and_a_common_filter_value_list_exactly_their_posts(app):
    """A common value is found by walking the board's order and checking each post; a rare one
    (fewer than 1 in WALK_PER_POST of the board) by starting from the value. Both list exactly
    the posts that have it, newest first, over pages."""
    from app.posts.services import WALK_PER_POST

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    group = FilterGroupFactory(theme_id=theme.id, name="Regio")
    rare, common = (FilterValueFactory(group=group, name="Zeldzaam"),
                    FilterValueFactory(group=group, name="Gewoon"))
    posts = ItemFactory.create_batch(WALK_PER_POST + 25, theme=theme)
    for n, post in enumerate(posts):
        post.filter_values = [common] if n % 2 else []
        post.published_at = post.published_at.replace(microsecond=0) - timedelta(minutes=n)
    posts[7].filter_values = [rare, common]
    db.session.commit()
    client = Client(app)
    text = page_text(client.get(f"/t/{theme.slug}?f={rare.id}"))
    assert "1 post" in text and posts[7].title in text
    assert posts[8].title not in text and posts[9].title not in text
    first = client.get(f"/t/{theme.slug}?f={common.id}").get_data(as_text=True)
    second = client.get(f"/t/{theme.slug}?f={common.id}&page=2").get_data(as_text=True)
    tagged = [p.title for n, p in enumerate(posts) if n % 2 or n == 7]
    shown = re.findall(r'class="post-item">\s*<h3><a href="/posts/\d+">([^<]+)</a>',
                       first + second)
    assert shown == tagged[:40]
