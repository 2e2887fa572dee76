"""Time helpers: all stored times are naive UTC (portable across SQLite and PostgreSQL)."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
