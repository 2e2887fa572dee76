"""Imports every model so that SQLAlchemy's registry and Alembic see them all."""
from app.auth.models import LoginSession, User  # noqa: F401
from app.organisations.models import Organisation  # noqa: F401
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType  # noqa: F401
from app.filters.models import Category, FilterGroup, FilterValue  # noqa: F401
from app.items.models import Attachment, Comment, Item, Star, item_reader, item_writer  # noqa: F401
from app.moderation.models import ModerationDecision, Report  # noqa: F401
from app.mail.models import DeliveryAttempt, OutboxMessage  # noqa: F401
from app.digest.models import DigestDelivery, DigestRun, ThreadMute  # noqa: F401
from app.search.models import item_search  # noqa: F401
from app.features.models import ThemeFeature  # noqa: F401
from app.wiki.models import WikiPage, WikiRevision  # noqa: F401
from app.tasks.models import Task, task_assignee  # noqa: F401
