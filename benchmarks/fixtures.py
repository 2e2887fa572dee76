"""Picks (and where needed prepares) what the benchmark drives on a seeded board; prints JSON.

Run with the benchmark's environment: python -m benchmarks.fixtures"""
from __future__ import annotations

import json
import sys

from sqlalchemy import func, insert, select, update

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.filters.models import Category, FilterGroup
from app.items.models import Comment, Item, ItemState, Part, ReadAccess
from app.posts.seed import SEED_PASSWORD
from app.themes.models import Membership, Role, Theme, WorkgroupType
from app.timeutil import utcnow


def main() -> None:
    app = create_app()
    with app.app_context():
        tops = db.session.scalars(select(Theme).where(Theme.parent_id.is_(None),
                                                      Theme.slug.like("seed-%"))).all()
        by_kind = {}
        for t in tops:
            count = db.session.scalar(select(func.count(Item.id)).where(Item.theme_id == t.id))
            if count > by_kind.get(t.workgroup_type, (None, -1))[1]:
                by_kind[t.workgroup_type] = (t, count)
        public, closed = by_kind[WorkgroupType.HALF_OPEN][0], by_kind[WorkgroupType.CLOSED][0]

        def person(theme, role):
            return db.session.scalar(select(User.email).join(Membership, Membership.user_id == User.id)
                                     .where(Membership.theme_id == theme.id, Membership.role == role)
                                     .limit(1))

        # A post with 50 replies on the public board.
        post = db.session.scalar(select(Item).where(
            Item.theme_id == public.id, Item.state == ItemState.PUBLISHED,
            Item.read_access == ReadAccess.PUBLIC).order_by(Item.comment_count.desc()))
        missing = 50 - post.comment_count
        if missing > 0:
            now = utcnow()
            db.session.execute(insert(Comment), [dict(item_id=post.id, author_id=post.author_id,
                                                    body="Benchmark reply", body_html="<p>Benchmark reply</p>",
                                                    state=ItemState.PUBLISHED.value, created_at=now,
                                                    published_at=now) for _ in range(missing)])
            db.session.execute(update(Item).where(Item.id == post.id)
                               .values(comment_count=Item.comment_count + missing))
            db.session.commit()
        category = db.session.scalar(select(Category.id).where(Category.theme_id == public.id).limit(1))
        group = db.session.scalar(select(FilterGroup).where(FilterGroup.theme_id == public.id).limit(1))
        star_post = db.session.scalar(select(Item.id).where(
            Item.theme_id == closed.id, Item.state == ItemState.PUBLISHED).limit(1))
        json.dump({
            "public_slug": public.slug, "closed_slug": closed.slug,
            "posts": db.session.scalar(select(func.count(Item.id))),
            "public_posts": by_kind[WorkgroupType.HALF_OPEN][1],
            "member_email": person(closed, Role.MEMBER), "admin_email": person(public, Role.ADMIN),
            "password": SEED_PASSWORD, "item_id": post.id, "star_post_id": star_post,
            "category_id": category, "value_id": group.values[0].id if group else None,
        }, sys.stdout)


if __name__ == "__main__":
    main()
