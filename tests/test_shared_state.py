"""Shared state in Redis (BOARD_REDIS_URL) against a real redis-server: one page-cache
generation, one rate-limit store and one scheduler lock for every host."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from flask import Flask

from app import redis_state
from app.config import load_config
from app.pagecache import RedisGeneration
from app.scheduler import scheduler_lock


@pytest.fixture
def with_redis(app, redis_server, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    app.extensions.pop("redis", None)
    redis_state.client(app).flushdb()
    yield redis_state.client(app)
    app.extensions.pop("redis", None)


def test_an_invalidation_on_one_host_is_seen_by_the_other_at_once(redis_server):
    import redis

    host_a = RedisGeneration(redis.Redis.from_url(redis_server.url), "test:generation")
    host_b = RedisGeneration(redis.Redis.from_url(redis_server.url), "test:generation")
    before = host_b.current()
    host_a.bump()
    assert host_b.current() == before + 1
    host_b.bump()
    assert host_a.current() == before + 2


def test_rate_limits_use_redis_unless_told_otherwise(tmp_path):
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, {"ENVIRONMENT": "testing", "REDIS_URL": "redis://cache:6379/0"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, {"ENVIRONMENT": "testing", "REDIS_URL": "redis://cache:6379/0",
                      "RATELIMIT_STORAGE_URI": "memcached://mc:11211"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memcached://mc:11211"
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, {"ENVIRONMENT": "testing"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_an_app_with_redis_keeps_its_generation_and_counters_there(redis_server, tmp_path):
    script = textwrap.dedent(f"""
        from app import create_app
        from app.extensions import limiter
        app = create_app({{"ENVIRONMENT": "testing", "SECRET_KEY": "x" * 40,
                           "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/db.sqlite3",
                           "REDIS_URL": "{redis_server.url}"}},
                         instance_path="{tmp_path}/instance")
        generation = app.extensions["page_cache_generation"]
        print(type(generation).__name__, type(limiter._storage).__name__)
        before = generation.current()
        generation.bump()
        import redis
        print(int(redis.Redis.from_url("{redis_server.url}").get("werkgroepen:page-cache-generation")) - before)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "RedisGeneration RedisStorage"
    assert out[1] == "1"


def test_one_scheduler_at_a_time_through_redis(app, with_redis):
    with scheduler_lock(app) as first:
        assert first is True
        with scheduler_lock(app) as second:
            assert second is False  # another scheduler (any host) skips its turn
        assert with_redis.pttl("werkgroepen:lock:scheduler") > 0  # expires if its holder dies
    with scheduler_lock(app) as again:
        assert again is True


def test_a_held_lock_is_renewed_and_a_dead_holders_lock_expires(app, with_redis):
    with redis_state.lock(app, "renewed", ttl_seconds=0.3) as taken:
        assert taken
        time.sleep(0.8)  # well past its expiry: the holder renews it meanwhile
        with redis_state.lock(app, "renewed", ttl_seconds=0.3) as other:
            assert other is False
    # A holder that died leaves a key with an expiry and nobody renewing it.
    with_redis.set("werkgroepen:lock:orphan", "dead-holder", px=200)
    with redis_state.lock(app, "orphan") as taken:
        assert taken is False
    time.sleep(0.4)
    with redis_state.lock(app, "orphan") as taken:
        assert taken is True


def test_pages_are_rendered_afresh_while_redis_is_away(app):
    from app.themes.models import WorkgroupType
    from tests.factories import ItemFactory, ThemeFactory
    from tests.helpers import Client, page_text

    cache = app.extensions["page_cache"]
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    Client(app).get(f"/t/{theme.slug}")
    assert Client(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"

    class Away:
        def current_or_owed(self):
            raise ConnectionError("redis away")

    kept, cache.generation = cache.generation, Away()
    try:
        ItemFactory(theme=theme, title="Geschreven tijdens de storing")
        resp = Client(app).get(f"/t/{theme.slug}")
        assert "X-Board-Cache" not in resp.headers
        assert "Geschreven tijdens de storing" in page_text(resp)
        assert cache.entries == {}  # nothing kept before the outage can come back after it
    finally:
        cache.generation = kept


def test_a_write_whose_invalidation_failed_is_never_hidden_behind_a_kept_page(app, monkeypatch):
    """The shared counter was out of reach just after a write committed: the bump is owed,
    and the next visitor's request pays it before any kept page could be served."""
    from app.themes.models import WorkgroupType
    from tests.factories import ItemFactory, ThemeFactory
    from tests.helpers import Client, page_text

    generation = app.extensions["page_cache"].generation
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    Client(app).get(f"/t/{theme.slug}")
    assert Client(app).get(f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"

    def unreachable():
        raise ConnectionError("redis away for a moment")

    monkeypatch.setattr(generation, "bump", unreachable)
    ItemFactory(theme=theme, title="Net geschreven")
    monkeypatch.undo()
    assert generation.owed
    resp = Client(app).get(f"/t/{theme.slug}")
    assert resp.headers["X-Board-Cache"] == "miss"
    assert "Net geschreven" in page_text(resp) and not generation.owed
