"""Optional shared state in Redis (BOARD_REDIS_URL), for several hosts on one database.

With it set, the hosts share: the page cache's generation (app/pagecache.py), the rate-limit
counters (Flask-Limiter, storage URI from the same URL unless RATELIMIT_STORAGE_URI is set)
and the scheduler's lock (app/scheduler.py). Without it everything stays on the host, as on
a single machine.
"""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

SOCKET_TIMEOUT = 2.0


def client(app):
    """The Redis client of this app, or None when BOARD_REDIS_URL is not set."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    found = app.extensions.get("redis")
    if found is None:
        import redis

        found = app.extensions["redis"] = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30)
    return found


def key(app, name: str) -> str:
    return f"{app.config.get('REDIS_PREFIX') or 'werkgroepen'}:{name}"


# Release or renew only a lock this holder still owns (its token is the value).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
          "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0")


@contextmanager
def lock(app, name: str, ttl_seconds: float = 60.0):
    """A lock shared by every host: yields whether it was taken. It expires after
    ttl_seconds unless renewed, so a holder that dies frees it; a thread renews it every
    third of that while the block runs."""
    redis_client = client(app)
    lock_key = key(app, f"lock:{name}")
    token = uuid.uuid4().hex
    ttl_ms = int(ttl_seconds * 1000)
    if not redis_client.set(lock_key, token, nx=True, px=ttl_ms):
        yield False
        return
    stop = threading.Event()

    def renew():
        while not stop.wait(ttl_seconds / 3):
            try:
                if not redis_client.eval(_RENEW, 1, lock_key, token, ttl_ms):
                    return  # lost (expired and taken): nothing left to renew
            except Exception:  # Redis away for a moment: try again at the next turn
                continue

    renewer = threading.Thread(target=renew, name=f"lock-renew-{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        redis_client.eval(_RELEASE, 1, lock_key, token)
