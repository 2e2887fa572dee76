"""Imports every model so that SQLAlchemy's registry and Alembic see them all."""
from app.auth.models import LoginSession, User  # noqa: F401
from app.organisations.models import Organisation  # noqa: F401
from app.themes.models import (Invitation, Membership, MembershipStatus, Role, Theme,  # noqa: F401
                               WorkgroupType)
from app.filters.models import Category, FilterGroup, FilterValue  # noqa: F401
from app.items.models import Attachment, Comment, Item, Star, item_reader, item_writer  # noqa: F401
from app.moderation.models import ModerationDecision, Report  # noqa: F401
from app.mail.models import DeliveryAttempt, OutboxMessage  # noqa: F401
from app.digest.models import DigestDelivery, DigestRun, ThreadMute  # noqa: F401
from app.search.models import item_search  # noqa: F401
from app.features.models import ThemeFeature  # noqa: F401
from app.people.models import Bookmark, Profile, ProfileField, ProfileFieldValue  # noqa: F401
from app.inbox.models import Notice  # noqa: F401
from app.files.models import File, FileVersion, Folder, ThemeStorage  # noqa: F401
from app.toolkit.models import BlogArticle, CommentStar, Question, StatusUpdate  # noqa: F401
from app.events.models import CalendarToken, Event, EventResponse  # noqa: F401
from app.branding.models import ThemeBranding  # noqa: F401
from app.archive.models import ArchiveJob  # noqa: F401
from app.wiki.models import WikiPage, WikiRevision  # noqa: F401
from app.tasks.models import Task, task_assignee  # noqa: F401
