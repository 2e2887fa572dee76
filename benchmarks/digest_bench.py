"""Digest build-and-deliver time for N recipients to a real SMTP sink (aiosmtpd on loopback,
in a process of its own as a real mail server would be).

The digest is sent as in production: the run is built in batches, each batch is committed and
the outbox's background sender (MAIL_DELIVERY=thread, the default) hands it to SMTP while the
next batch is built. The clock stops when the sink has received every mail.

Run with the benchmark's environment: python -m benchmarks.digest_bench N PORT"""
from __future__ import annotations

import json
import logging
import multiprocessing
import sys
import time
from datetime import timedelta

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash


def sink(port: int, received, ready) -> None:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def main(n: int, port: int) -> None:
    received, ready = multiprocessing.Value("i", 0), multiprocessing.Event()
    server = multiprocessing.Process(target=sink, args=(port, received, ready), daemon=True)
    server.start()
    ready.wait(30)
    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.items.models import Item, ItemState, Part, ReadAccess
    from app.themes.models import Membership, Theme, WorkgroupType
    from app.timeutil import utcnow

    app = create_app({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_DELIVERY": "thread"})
    from app.digest import services as digest
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
            db.session.add(Item(theme_id=theme.id, author_id=first + i, title=f"Digest post {i}",
                                body="Tekst", body_html="<p>Tekst</p>", part=Part.CLOSED,
                                state=ItemState.PUBLISHED, read_access=ReadAccess.MEMBERS,
                                created_at=start + timedelta(hours=i), published_at=start + timedelta(hours=i),
                                last_activity_at=start + timedelta(hours=i), star_count=i))
        db.session.commit()
        t0 = time.perf_counter()
        run = digest.get_run(theme, key, start, end)
        queued = digest.send_run(run.id)
        built = time.perf_counter() - t0
        deadline = time.monotonic() + 600
        while received.value < queued and time.monotonic() < deadline:
            time.sleep(0.05)
        total = time.perf_counter() - t0
    server.terminate()
    json.dump({"recipients": n, "queued": queued, "delivered": received.value,
               "build_seconds": round(built, 1), "total_seconds": round(total, 1)}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
