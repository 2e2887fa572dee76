"""factory-boy factories for every model."""
from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.extensions import db
from app.organisations.models import Organisation
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow

PASSWORD = "Correct-horse-battery-9"
_HASH = generate_password_hash(PASSWORD, method="scrypt")  # hashed once: scrypt is slow on purpose


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.Sequence(lambda n: f"Person {n}")
    password_hash = _HASH
    locale = "en"  # tests read English; Dutch is tested on purpose in test_i18n
    email_confirmed_at = factory.LazyFunction(utcnow)
    is_platform_owner = False
    security_stamp = 1


class ThemeFactory(Base):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Thema {n}")
    slug = factory.Sequence(lambda n: f"thema-{n}")
    description = factory.Faker("sentence", locale="nl_NL")
    workgroup_type = WorkgroupType.HALF_OPEN
    parent = None


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    theme = factory.SubFactory(ThemeFactory)
    name = factory.Sequence(lambda n: f"Organisatie {n}")
    description = factory.Faker("sentence", locale="nl_NL")


class MembershipFactory(Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    theme = factory.SubFactory(ThemeFactory)
    role = Role.MEMBER
    status = MembershipStatus.ACTIVE


def member(theme, role=Role.MEMBER, status=MembershipStatus.ACTIVE, **user_kwargs) -> User:
    """A confirmed user with a membership of `theme`."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, theme=theme, role=role, status=status)
    return user


# ---------------------------------------------------------------- the board

from app.filters.models import Category, FilterGroup, FilterValue  # noqa: E402
from app.items.models import (Comment, Item, ItemState, Part, ReadAccess, Star,  # noqa: E402
                              read_access_for)
from app.posts.rendering import render_markdown  # noqa: E402


class CategoryFactory(Base):
    class Meta:
        model = Category

    theme_id = factory.LazyAttribute(lambda o: ThemeFactory().id)
    name = factory.Sequence(lambda n: f"Categorie {n}")


class FilterGroupFactory(Base):
    class Meta:
        model = FilterGroup

    theme_id = factory.LazyAttribute(lambda o: ThemeFactory().id)
    name = factory.Sequence(lambda n: f"Filter {n}")


class FilterValueFactory(Base):
    class Meta:
        model = FilterValue

    group = factory.SubFactory(FilterGroupFactory)
    name = factory.Sequence(lambda n: f"Waarde {n}")


class ItemFactory(Base):
    """A discussion as the service would have stored it (counters start at zero)."""

    class Meta:
        model = Item

    theme = factory.SubFactory(ThemeFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    body = factory.Faker("paragraph", locale="nl_NL")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    part = Part.PUBLIC
    state = ItemState.PUBLISHED
    read_access = factory.LazyAttribute(lambda o: read_access_for(o.part, False))
    created_at = factory.LazyFunction(utcnow)
    published_at = factory.LazyAttribute(
        lambda o: o.created_at if o.state == ItemState.PUBLISHED else None)
    last_activity_at = factory.LazyAttribute(lambda o: o.published_at)

    @factory.post_generation
    def readers(self, create, extracted, **kwargs):
        if extracted:
            self.readers = list(extracted)
            self.read_access = ReadAccess.CHOSEN
            db.session.commit()


class CommentFactory(Base):
    class Meta:
        model = Comment

    item = factory.SubFactory(ItemFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", locale="nl_NL")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    state = ItemState.PUBLISHED
    created_at = factory.LazyFunction(utcnow)
    published_at = factory.LazyAttribute(
        lambda o: o.created_at if o.state == ItemState.PUBLISHED else None)


class StarFactory(Base):
    class Meta:
        model = Star

    user_id = factory.LazyAttribute(lambda o: UserFactory().id)
    item_id = factory.LazyAttribute(lambda o: ItemFactory().id)


# ---------------------------------------------------------------- the agenda

from app.events.models import Event  # noqa: E402
from app.items.kinds import ItemKind  # noqa: E402


def event_item(starts_at=None, hours: int = 2, max_attendees=None, all_day=False,
               location="Gemeentehuis", **item_kwargs) -> Item:
    """An event as the service would have stored it (times naive UTC); default: in a week."""
    from datetime import timedelta

    starts_at = starts_at or (utcnow().replace(microsecond=0) + timedelta(days=7))
    item = ItemFactory(kind=ItemKind.EVENT, **item_kwargs)
    db.session.add(Event(item_id=item.id, starts_at=starts_at,
                         ends_at=starts_at + timedelta(hours=hours), all_day=all_day,
                         location=location, max_attendees=max_attendees))
    db.session.commit()
    return item


# ---------------------------------------------------------------- wiki pages and tasks

from app.tasks.models import Task, TaskState, task_assignee  # noqa: E402
from app.wiki.models import WikiPage, WikiRevision  # noqa: E402


def wiki_page(parent=None, **item_kwargs) -> Item:
    """A wiki page (revision 1) as the service would have stored it; `parent`: a page item."""
    item = ItemFactory(kind=ItemKind.WIKI_PAGE, **item_kwargs)
    db.session.add(WikiPage(item_id=item.id, parent_id=parent.id if parent else None,
                            revision=1))
    db.session.add(WikiRevision(item_id=item.id, number=1, author=item.author,
                                created_at=item.created_at, title=item.title, body=item.body))
    db.session.commit()
    return item


def task(assignees=(), task_state=TaskState.NEW, due_date=None, **item_kwargs) -> Item:
    """A task as the service would have stored it (`task_state`: new, in progress, done)."""
    item = ItemFactory(kind=ItemKind.TASK, **item_kwargs)
    row = Task(item_id=item.id, state=task_state, due_date=due_date)
    row.assignees = list(assignees)
    db.session.add(row)
    db.session.flush()
    # the assignees were told (the service mails them once they may read the task)
    db.session.execute(task_assignee.update().where(task_assignee.c.item_id == item.id)
                       .values(notified=True))
    db.session.commit()
    return item
