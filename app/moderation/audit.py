"""Writing and reading the audit log (kept apart so every feature can record decisions)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Action, ModerationDecision


def record(*, theme_id: int, actor, action: Action, target: str, summary: str = "",
           reason: str = "", before: str | None = None, after: str | None = None) -> None:
    """Add an audit entry to the current transaction (the caller commits)."""
    db.session.add(ModerationDecision(
        theme_id=theme_id, actor_id=actor.id if actor else None,
        actor_name=(actor.username if actor else "system")[:40], action=action, target=target,
        summary=(summary or "")[:250], reason=reason or "", before_text=before, after_text=after))


def last_decider(target: str) -> str:
    """Name of whoever decided on a target last (for "already decided by X")."""
    return db.session.scalar(
        select(ModerationDecision.actor_name).where(ModerationDecision.target == target)
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc()).limit(1)
    ) or "?"
