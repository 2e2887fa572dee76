"""Two hosts, one database: two app instances run as real gunicorn processes (separate
instance folders, separate ports) on the test database, a real redis-server and an
S3-compatible server (moto), and mail to the test's SMTP server. What one host does, the
other shows at once.

The database is the suite's: PostgreSQL when BOARD_TEST_DATABASE_URL is set (CI's PostgreSQL
pass), else the suite's SQLite file, shared by both processes (WAL mode): a real two-process
check on one machine, which is all SQLite can ever serve. redis-server and moto missing skip
this module on a developer's machine; under CI=true that is a failure (.ci/run installs them).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.items.models import Attachment
from app.themes.models import Role, WorkgroupType
from tests.factories import ThemeFactory, member
from tests.servers import free_port, need, stop, wait_for_port

pytestmark = pytest.mark.two_hosts
ROOT = Path(__file__).resolve().parent.parent
SECRET = "two-hosts-secret-key-0123456789-abcdefghij"
LOGIN_LIMIT = 4


def _requests():
    try:
        import requests
    except ImportError:
        need("requests", "pip install -r requirements-dev.txt")
    return requests


class Host:
    def __init__(self, name: str, base: Path, env: dict):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = base / f"instance-{name}"
        self.env = {**env, "BOARD_INSTANCE_PATH": str(self.instance)}
        self.process = None

    def start(self):
        """One worker with threads: the pages it keeps in memory are the ones asked again."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log_path = self.instance.parent / f"host-{self.name}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, f"host {self.name}", timeout=60)
        requests = _requests()
        deadline = time.monotonic() + 30
        while requests.get(self.url + "/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"host {self.name} never became ready"
            time.sleep(0.2)
        return self

    def scheduler_once(self) -> subprocess.Popen:
        flask = Path(sys.executable).with_name("flask")
        return subprocess.Popen([str(flask), "scheduler", "--once"], cwd=ROOT,
                                env={**self.env, "FLASK_APP": "wsgi:app"},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def stop(self):
        if self.process:
            stop(self.process)
            self.log.close()


@pytest.fixture(scope="module")
def hosts(app, smtp_server, redis_server, s3_server, tmp_path_factory):
    import boto3

    bucket = f"board-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server.url, region_name="eu-west-1",
                 aws_access_key_id="test", aws_secret_access_key="test").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    base = tmp_path_factory.mktemp("two-hosts")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOARD_", "FLASK_"))}
    env.update({
        "BOARD_ENVIRONMENT": "testing",
        "BOARD_SECRET_KEY": SECRET,
        "BOARD_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "BOARD_REDIS_URL": redis_server.url,
        "BOARD_STORAGE": "s3",
        "BOARD_S3_BUCKET": bucket,
        "BOARD_S3_ENDPOINT_URL": s3_server.url,
        "BOARD_S3_REGION": "eu-west-1",
        "BOARD_S3_ACCESS_KEY": "test",
        "BOARD_S3_SECRET_KEY": "test",
        "BOARD_MAIL_SERVER": "127.0.0.1",
        "BOARD_MAIL_PORT": str(smtp_server.port),
        "BOARD_MAIL_DELIVERY": "sync",
        "BOARD_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "BOARD_PROXY_COUNT": "1",  # as behind nginx: the client is in X-Forwarded-For
        "BOARD_ADMIN_DIGEST_HOUR": "0",  # the admins' digest is due at any hour
        "BOARD_DIGEST_HOUR": "24",
        "BOARD_LOG_FORMAT": "json",
    })
    pair = [Host("a", base, env), Host("b", base, env)]
    try:
        for host in pair:
            host.start()
        yield pair
    finally:
        for host in pair:
            host.stop()


@pytest.fixture(autouse=True)
def _fresh_limits(redis_server):
    """Each test starts with no login attempts counted (both hosts share the counters)."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)


class Browser:
    """One person's browser: cookies shared by both hosts, as behind one proxy."""

    def __init__(self):
        self.http = _requests().Session()

    def csrf(self, host: Host) -> str:
        page = self.http.get(host.url + "/reset", timeout=10).text
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def get(self, host: Host, path: str, **kw):
        return self.http.get(host.url + path, timeout=30, allow_redirects=False, **kw)

    def post(self, host: Host, path: str, data: dict, **kw):
        data = {"csrf_token": self.csrf(host), **data}
        return self.http.post(host.url + path, data=data, timeout=30, allow_redirects=False,
                              **kw)

    def login(self, host: Host, email: str):
        from tests.factories import PASSWORD

        self.get(host, "/language/en")
        resp = self.post(host, "/login", {"email": email, "password": PASSWORD})
        assert resp.status_code == 302, resp.text[:500]


def visitor(host: Host, path: str):
    """A visitor without any cookie (every request a new one)."""
    return _requests().get(host.url + path, timeout=30, allow_redirects=False)


def test_what_host_a_does_host_b_shows_at_once(hosts):
    a, b = hosts
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    word = "tweehosts" + uuid.uuid4().hex[:8]
    title = f"Bericht over {word}"

    # B has the visitors' board in its page cache before anything happens on A.
    assert visitor(b, f"/t/{theme.slug}").status_code == 200
    assert visitor(b, f"/t/{theme.slug}").headers["X-Board-Cache"] == "hit"

    author = Browser()
    author.login(a, admin.email)
    resp = author.post(a, f"/t/{theme.slug}/posts/new",
                       {"title": title, "body": f"Over {word}.", "part": "public"},
                       files=[("attachments", ("notulen.pdf", b"%PDF-1.7 notulen", "application/pdf"))])
    assert resp.status_code == 302, resp.text[:500]
    post_path = resp.headers["Location"].replace(a.url, "")

    # A's log has the request as one JSON line a collector can read.
    lines = [json.loads(line) for line in a.log_path.read_text().splitlines()
             if line.startswith("{")]
    [created] = [e for e in lines if e.get("logger") == "board.request"
                 and e["path"] == f"/t/{theme.slug}/posts/new" and e["method"] == "POST"]
    assert created["status"] == 302 and created["user_id"] == admin.id
    assert created["queries"] > 0 and created["request_id"]

    board = visitor(b, f"/t/{theme.slug}")
    assert title in board.text  # B's cached page was invalidated by A's write
    assert title in visitor(b, f"/search?q={word}").text

    db.session.expire_all()
    att = db.session.scalar(select(Attachment).where(Attachment.filename == "notulen.pdf")
                            .order_by(Attachment.id.desc()))
    download = visitor(b, f"/attachments/{att.id}/{att.filename}")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 notulen"
    assert not (a.instance / "uploads" / att.stored_name).exists()  # not on A's own disk

    # A visitor's page of the post is cached on B; hiding it on A removes it there at once.
    assert visitor(b, post_path).status_code == 200
    assert visitor(b, post_path).headers["X-Board-Cache"] == "hit"
    post_id = int(post_path.rstrip("/").rsplit("/", 1)[1])
    resp = author.post(a, f"/t/{theme.slug}/moderation/decide",
                       {"target": f"item:{post_id}", "action": "hide",
                        "reason_text": "Persoonsgegevens"})
    assert resp.status_code == 303, resp.text[:500]
    assert visitor(b, post_path).status_code == 404
    assert title not in visitor(b, f"/t/{theme.slug}").text
    assert visitor(b, f"/attachments/{att.id}/{att.filename}").status_code == 404


def test_the_login_limit_counts_attempts_on_both_hosts_together(hosts):
    a, b = hosts
    guesser = Browser()
    guesser.http.headers["X-Forwarded-For"] = "203.0.113.7"  # one client, through the proxy
    guesser.get(a, "/language/en")
    wrong = {"email": "nobody@example.org", "password": "wrong password"}
    answers = [guesser.post(host, "/login", wrong).status_code
               for host in (a, b, a, b)]  # two on each: each host alone would accept more
    assert len(answers) == LOGIN_LIMIT and 429 not in answers
    assert guesser.post(a, "/login", wrong).status_code == 429
    assert guesser.post(b, "/login", wrong).status_code == 429
    # Another visitor behind the same proxy is counted apart.
    other = Browser()
    other.http.headers["X-Forwarded-For"] = "203.0.113.8"
    assert other.post(b, "/login", wrong).status_code != 429


def test_two_schedulers_send_each_digest_once(hosts, mailbox):
    from app.items.models import ItemState
    from tests.factories import ItemFactory

    admins = []
    for _ in range(4):
        theme = ThemeFactory()
        admins.append(member(theme, role=Role.ADMIN))
        ItemFactory(theme=theme, state=ItemState.PENDING)
    runs = [host.scheduler_once() for host in hosts]  # one scheduler per host, at once
    for run in runs:
        output = run.communicate(timeout=120)[0]
        assert run.returncode == 0, output.decode(errors="replace")[-2000:]
    # Both have exited and deliver synchronously: every mail sent is in the mailbox now.
    received = sorted(address for m in mailbox.messages for address in m.envelope_to)
    assert received == sorted(admin.email for admin in admins)
