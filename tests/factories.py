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
