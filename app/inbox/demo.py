"""Demo data of roles and the notification list: an open invitation and a few unread
notifications for the demo member of Zorgregio Noord."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.inbox.models import Notice, NoticeKind
from app.items.models import Comment, Item
from app.themes.models import Invitation


def load_demo(themes, now) -> None:
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    items = {i.title: i for i in db.session.scalars(select(Item))}
    theme = themes["zorgregio-noord"]
    admin, member = users["beheerder.zorg"], users["lid.zorg"]
    domain = admin.email.split("@")[1]
    db.session.add(Invitation(
        theme_id=theme.id, email=f"nieuwe.collega@{domain}", invited_by_id=admin.id,
        token_hash=hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest(),
        created_at=now - timedelta(days=1), expires_at=now + timedelta(days=13)))
    asked = items["Respijtzorg in de regio: wie heeft ervaring?"]
    replies = db.session.scalars(select(Comment).where(Comment.item_id == asked.id)
                                 .order_by(Comment.id)).all()
    entries = [Notice(user_id=member.id, kind=NoticeKind.REPLY, item_id=asked.id,
                      comment_id=c.id, theme_id=asked.theme_id, actor_id=c.author_id,
                      created_at=c.created_at) for c in replies]
    sold = items["Te koop: traplift"]
    entries.append(Notice(user_id=member.id, kind=NoticeKind.REJECTED, item_id=sold.id,
                          theme_id=sold.theme_id, created_at=now - timedelta(days=2)))
    db.session.add_all(entries)
    member.unread_notices = len(entries)
    db.session.flush()
