"""Digest build-and-deliver time for N recipients to a real SMTP sink (aiosmtpd on loopback).

Run with the benchmark's environment: python -m benchmarks.digest_bench N"""
from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.posts.models import Part, Post, PostStatus
from app.themes.models import Membership, Theme, WorkgroupType
from app.timeutil import utcnow


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main(n: int, port: int) -> None:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_DELIVERY": "scheduler"})
    from app.digest import services as digest
    from app.mail.services import flush
    with app.app_context():
        stamp = int(time.time())
        theme = Theme(slug=f"digest-bench-{stamp}", name="Digest bench",
                      workgroup_type=WorkgroupType.CLOSED)
        db.session.add(theme)
        db.session.flush()
        now = utcnow()
        pw = generate_password_hash("Digest-bench-2026", method="scrypt")
        first = (db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
        db.session.execute(insert(User), [dict(email=f"digest{stamp}-{i}@example.org",
                                               username=f"Digest {stamp}-{i}", password_hash=pw,
                                               locale="nl" if i % 2 else "en", email_confirmed_at=now,
                                               is_platform_owner=False, created_at=now,
                                               security_stamp=1, overview_frequency="never",
                                               admin_digest=False) for i in range(n)])
        db.session.execute(insert(Membership), [dict(user_id=first + i, theme_id=theme.id,
                                                     role="member", status="active", created_at=now,
                                                     notifications=True) for i in range(n)])
        key, start, end = digest.previous_period("weekly", now)
        for i in range(10):
            db.session.add(Post(theme_id=theme.id, author_id=first + i, title=f"Digest post {i}",
                                body="Tekst", body_html="<p>Tekst</p>", part=Part.CLOSED,
                                status=PostStatus.PUBLISHED, restricted=False,
                                created_at=start + timedelta(hours=i), published_at=start + timedelta(hours=i),
                                last_activity_at=start + timedelta(hours=i), star_count=i))
        db.session.commit()
        t0 = time.perf_counter()
        run = digest.get_run(theme, key, start, end)
        queued = digest.send_run(run.id)
        built = time.perf_counter() - t0
        sent = 0
        while sent < queued:
            counts = flush(app, limit=5000)
            sent += counts["sent"]
            if counts["sent"] == 0 and counts["failed"] == 0:
                break
        total = time.perf_counter() - t0
    controller.stop()
    json.dump({"recipients": n, "queued": queued, "delivered": sink.count,
               "build_seconds": round(built, 1), "total_seconds": round(total, 1)}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
