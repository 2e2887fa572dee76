"""`make bench`: how fast the board is, how its cost grows, against the framework's own limit.

For each board size it seeds a realistic board (flask seed), serves it with gunicorn exactly
as in production (workers = CPU count), and drives every page with wrk from a second process
on loopback, bounded in time. The same gunicorn settings serve a minimal Flask endpoint in the
same run; every page's throughput is reported as a fraction of it. Results go to
benchmarks/results/<date>-<database>.md with a PNG chart, each target with what was measured
for it (issue #18's targets for the pages members open in a table of their own).
`--only search` and `--only members` drive only the search pages, or only issue #18's pages,
and write reports of their own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results"
LUA = ROOT / "benchmarks" / "wrk_report.lua"
USER_AGENT = "board-benchmark"  # the browser every request of the benchmark comes from


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        return shutil.which("wrk")
    sys.exit("wrk is needed: sudo apt-get install wrk")


def instance_folder(db_url: str) -> Path:
    """The instance folder of the board in this database (its uploaded files, page cache
    generation, locks): benchmarks/work/instance/<database name>."""
    name = Path(urllib.parse.urlsplit(db_url).path).name.split(".")[0]
    return WORK / "instance" / name


def board_env(db_url: str) -> dict:
    """The environment of every process that serves or prepares the board in this database."""
    return dict(os.environ, FLASK_APP="wsgi:app", BOARD_ENVIRONMENT="production",
                BOARD_SECRET_KEY="benchmark-secret-key-" + "x" * 32,
                BOARD_SQLALCHEMY_DATABASE_URI=db_url,
                BOARD_INSTANCE_PATH=str(instance_folder(db_url)),
                BOARD_SESSION_COOKIE_SECURE="false", BOARD_REMEMBER_COOKIE_SECURE="false",
                BOARD_RATELIMIT_ENABLED="false", BOARD_QUERY_COUNT_HEADER="true",
                BOARD_MAIL_DELIVERY="scheduler", PYTHONPATH=str(ROOT))


def prepare(db: str, size: int, members: int, pg_base: str | None,
            search_rows: bool = True) -> tuple[str, dict]:
    """A seeded board of `size` posts (reused when already built), and its fixtures. Its search
    rows are written unless `search_rows` is false (the members' pages search nothing; at
    1,000,000 posts writing them takes longer than the rest of the run); a board built
    without them is built again for a run that searches."""
    WORK.mkdir(parents=True, exist_ok=True)
    meta_file = WORK / f"{db}-{size}.json"
    if db == "sqlite":
        url = f"sqlite:///{WORK / f'board-{size}.sqlite3'}"
    else:
        url = f"{pg_base.rsplit('/', 1)[0]}/bench_{size}"
    env = board_env(url)
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("search_rows", True) or not search_rows:
            return url, meta
    log(f"building a {db} board of {size} posts")
    shutil.rmtree(instance_folder(url), ignore_errors=True)  # the files of an older build
    if db == "sqlite":  # with its write-ahead log: a stale log would corrupt a new file
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"board-{size}.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        # Databases are made by an admin role (BOARD_BENCH_PG_ADMIN_URL, default: the same
        # server as user postgres) and owned by the board's role.
        parts = urllib.parse.urlsplit(pg_base.replace("+psycopg", ""))
        owner = parts.username or "postgres"
        admin = os.environ.get("BOARD_BENCH_PG_ADMIN_URL") or urllib.parse.urlunsplit(
            parts._replace(netloc=f"postgres@{parts.hostname}:{parts.port or 5432}", path="/postgres"))
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS bench_{size}"], check=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE bench_{size} OWNER "{owner}"'],
                       check=True)
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    t0 = time.monotonic()
    subprocess.run([BIN / "flask", "seed", "--posts", str(size), "--members", str(members),
                    "--index" if search_rows else "--no-index"], env=env, cwd=ROOT, check=True)
    log(f"seeded ({'with' if search_rows else 'without'} search rows) in "
        f"{time.monotonic() - t0:.0f} s")
    out = subprocess.run([BIN / "python", "-m", "benchmarks.fixtures"], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    meta = json.loads(out.strip().splitlines()[-1])
    meta["seed_seconds"] = round(time.monotonic() - t0, 1)
    meta["search_rows"] = search_rows
    meta_file.write_text(json.dumps(meta))
    return url, meta


class Server:
    """gunicorn as in production: workers = CPU count, bound to loopback. Its log (a line per
    request) goes to benchmarks/work/server.log, as production writes it to a file."""

    def __init__(self, app: str, env: dict, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        WORK.mkdir(parents=True, exist_ok=True)
        with open(WORK / "server.log", "ab") as server_log:
            self.proc = subprocess.Popen(
                [BIN / "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                 "--log-level", "warning", app], env=env, cwd=ROOT, stdout=server_log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2).read()
                return
            except Exception:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn for {app} did not start (see {WORK / 'server.log'})")

    def worker_peak_rss_mb(self) -> float:
        peaks = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.proc.pid}$", text, flags=re.M):
                match = re.search(r"^VmHWM:\s+(\d+) kB", text, flags=re.M)
                if match:
                    peaks.append(int(match.group(1)) / 1024)
        return round(max(peaks), 1) if peaks else 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def session_for(base: str, email: str | None, password: str | None) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a logged-in (or anonymous) browser session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # One browser throughout: the login remembers who logged in with which User-Agent
    # (Flask-Login's session protection), and wrk sends the same one (wrk_report.lua).
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/reset").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    if email:
        data = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                       "password": password}).encode()
        opener.open(base + "/login", data=data).read()
    # The session as a browser keeps it after a page or two (Flask-Login adds "_fresh" on the
    # second request of a session; wrk sends a fixed cookie and never takes that update).
    opener.open(base + "/reset").read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def query_count(url: str, cookie: str) -> int | None:
    """The SQL statements of the page rendered (an address no cache holds yet: an argument no
    page reads is added)."""
    headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
    fresh = f"{url}{'&' if '?' in url else '?'}measure={time.monotonic_ns()}"
    req = urllib.request.Request(fresh, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
        value = resp.headers.get("X-Query-Count")
    return int(value) if value else None


def wrk(url: str, seconds: int, connections: int, cookie: str = "", post: str | None = None) -> dict:
    env = dict(os.environ)
    if cookie:
        env["WRK_COOKIE"] = cookie
    if post is not None:
        env["WRK_METHOD"], env["WRK_BODY"] = "POST", post
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          "-s", str(LUA), url], env=env, capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


COMMON_WORD, TYPICAL_WORD = "subsidie", "klimaatplan"  # in ~40% and ~2% of seeded posts
GROWTH_PAGES = ("board (most recent)", f"board (search: theme, {TYPICAL_WORD})",
                f"search (platform, {TYPICAL_WORD})", f"search (platform, {COMMON_WORD})")
UNCACHED = " [no page cache]"
COLD = " [nothing cached]"  # no page cache and no shared board lists (BOARD_LIST_CACHE=false)
BOARD_VIEWS = ("most recent", "most replies", "recent replies", "most stars", "filtered")

# The pages issue #18 sets targets for, measured at every size: the closed theme's pages as
# a member opens them logged in, the public theme's queue as its admin does, and the public
# board as a visitor with every request rendered.
MEMBER_BOARDS = tuple(f"board (closed theme, logged in, {view})" for view in BOARD_VIEWS)
LONG_POST = ("post with 500 replies (page 1, logged in)",
             "post with 500 replies (last page, logged in)")
QUEUE_PAGE = "moderation queue (admin)"
TOOLKIT_PAGES = ("agenda (closed theme, logged in)", "wiki page (closed theme, logged in)",
                 "files folder (closed theme, logged in)")
VISITOR_BOARDS = tuple(f"board ({view}){UNCACHED}" for view in BOARD_VIEWS)
COLD_BOARDS = tuple(f"board ({view}){COLD}" for view in BOARD_VIEWS)
# A member's board when their own page is not kept: what every member after the first gets
# once a change ended the kept pages (its list shared), and what the first one gets (cold).
MEMBER_RENDERED = MEMBER_BOARDS[0] + UNCACHED
MEMBER_COLD = MEMBER_BOARDS[0] + COLD
ISSUE18_TARGETS = (  # (target, its pages, least share of minimal, p95 limit in ms or None)
    ("board as a logged-in member (closed theme), each sort, filtered", MEMBER_BOARDS, 0.20, 50),
    ("board rendered without the page cache (first visitor after a change): every request "
     "rendered, its list of posts shared by everyone with the same standing",
     VISITOR_BOARDS + (MEMBER_RENDERED,), 0.10, None),
    ("the same, the list rendered too (the very first reader after a change in the theme)",
     COLD_BOARDS + (MEMBER_COLD,), 0.10, None),
    ("post page with 500 comments (paginated: page 1 and the last)", LONG_POST, 0.10, None),
    ("moderation queue (admin, {queue_waiting:,} items waiting)", (QUEUE_PAGE,), 0.10, 100),
    ("the toolkit's pages (events list, a wiki page, a files folder)", TOOLKIT_PAGES, 0.10, None),
)
ISSUE18_PAGES = tuple(page for _target, pages, _share, _p95 in ISSUE18_TARGETS for page in pages)
MAX_QUERIES = 12


def board_pages(slug: str, category_id, value_id) -> dict:
    """A theme's board in each sort, and filtered on a category and a filter value."""
    base = f"/t/{slug}"
    return dict(zip(BOARD_VIEWS, (base, f"{base}?sort=replies", f"{base}?sort=activity",
                                  f"{base}?sort=stars",
                                  f"{base}?category={category_id}&f={value_id}")))


def anonymous_pages(meta: dict, full: bool) -> dict:
    pub = meta["public_slug"]
    boards = {f"board ({view})": path for view, path in
              board_pages(pub, meta["category_id"], meta["value_id"]).items()}
    pages = {
        "board (most recent)": boards["board (most recent)"],
        f"board (search: theme, {TYPICAL_WORD})": f"/t/{pub}?q={TYPICAL_WORD}",
        f"search (platform, {TYPICAL_WORD})": f"/search?q={TYPICAL_WORD}",
        f"search (platform, {COMMON_WORD})": f"/search?q={COMMON_WORD}",
    }
    if full:
        pages.update(boards)
        pages.update({
            f"board (search: theme, {COMMON_WORD})": f"/t/{pub}?q={COMMON_WORD}",
            "post with 50 replies": f"/posts/{meta['item_id']}",
        })
    return pages


def visitor_boards(meta: dict) -> dict:
    """The public board in each sort and filtered, for a visitor (names without UNCACHED)."""
    return {page.removesuffix(UNCACHED): path for page, path in zip(
        VISITOR_BOARDS, board_pages(meta["public_slug"], meta["category_id"],
                                    meta["value_id"]).values())}


def member_pages(meta: dict, member: str, admin: str) -> dict:
    """The logged-in pages of issue #18: (path, Cookie header, None) by page name."""
    boards = board_pages(meta["closed_slug"], meta["closed_category_id"], meta["closed_value_id"])
    long_post = f"/posts/{meta['long_post_id']}"
    paths = dict(zip(MEMBER_BOARDS, boards.values()))
    paths.update(zip(LONG_POST, (long_post, f"{long_post}?page={meta['long_post_pages']}")))
    paths.update(zip(TOOLKIT_PAGES, (f"/t/{meta['closed_slug']}/agenda",
                                     f"/wiki/{meta['wiki_id']}",
                                     f"/folders/{meta['folder_id']}")))
    pages = {name: (path, member, None) for name, path in paths.items()}
    pages[QUEUE_PAGE] = (f"/t/{meta['public_slug']}/moderation", admin, None)
    return pages


def drive(base: str, pages: dict, seconds: int, connections: int, label: str) -> dict:
    """Each page (path, Cookie header, POST body or None): its SQL statements, a 2-second
    warm-up, then `seconds` of wrk at `connections` connections."""
    results = {}
    for name, (path, cookie, post) in pages.items():
        queries = query_count(base + path, cookie) if post is None else None
        warm = wrk(base + path, 2, connections, cookie, post)
        # The workers still answer the requests the warm-up left queued (about its slowest
        # latency's worth of work): let them finish before measuring.
        time.sleep(min(warm["p99_ms"], 10_000) / 1000 if warm["requests"] else 10)
        r = wrk(base + path, seconds, connections, cookie, post)
        r["queries"] = queries
        results[name] = r
        log(f"{label} {name:48} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f}  "
            f"p95 {r['p95_ms']:6.1f}  p99 {r['p99_ms']:6.1f} ms  queries {queries}  "
            f"non-2xx {r['non2xx']}")
    return results


FIXTURE_FACTS = ("long_post_replies", "long_post_pages", "queue_waiting", "upcoming_events",
                 "wiki_revisions", "folder_files")


def measure_size(db: str, size: int, meta: dict, url: str, args, full: bool,
                 members_only: bool = False) -> dict:
    """Every page at one board size: visitors' pages as served (page cache on, the default)
    and again with the page cache off (every request rendered), then the logged-in pages.
    The pages of issue #18 (ISSUE18_PAGES) are measured at every size; with `full` (the
    largest size) also every sort, search and POST; with `members_only` only those of #18."""
    results = {"_fixtures": {key: meta.get(key) for key in FIXTURE_FACTS}}
    seconds, connections, workers = args.seconds, args.connections, args.workers
    for mode in ("cached", UNCACHED, COLD):
        cached = mode == "cached"
        env = board_env(url)
        if not cached:
            env["BOARD_PAGE_CACHE"] = "false"
        if mode == COLD:
            env["BOARD_LIST_CACHE"] = "false"
        server = Server("wsgi:app", env, workers)
        try:
            anon, _ = session_for(server.base, None, None)  # a visitor who has seen a form
            visitor = {} if members_only or mode == COLD else anonymous_pages(meta, full)
            if not cached:
                visitor.update(visitor_boards(meta))
            pages = {name + ("" if cached else mode): (path, anon, None)
                     for name, path in visitor.items()}
            if not cached:
                member_cookie, _ = session_for(server.base, meta["member_email"], meta["password"])
                pages[MEMBER_BOARDS[0] + mode] = (board_pages(
                    meta["closed_slug"], meta["closed_category_id"],
                    meta["closed_value_id"])[BOARD_VIEWS[0]], member_cookie, None)
            if cached:
                member_cookie, member_csrf = session_for(server.base, meta["member_email"],
                                                         meta["password"])
                admin_cookie, _ = session_for(server.base, meta["admin_email"], meta["password"])
                pages.update(member_pages(meta, member_cookie, admin_cookie))
            if cached and full and not members_only:
                token = urllib.parse.quote(member_csrf)
                pages.update({
                    f"search (platform, {TYPICAL_WORD}, logged in)": (f"/search?q={TYPICAL_WORD}", member_cookie, None),
                    "toggle a star (POST)": (f"/posts/{meta['star_post_id']}/star", member_cookie,
                                             f"csrf_token={token}"),
                    "create a post (POST)": (f"/t/{meta['closed_slug']}/posts/new", member_cookie,
                                             f"csrf_token={token}&title=Benchmark+post+{{n}}"
                                             "&body=Tekst+van+de+benchmark+over+het+klimaatplan"),
                })
            results.update(drive(server.base, pages, seconds, connections, f"{db} {size:>8}"))
            if mode == UNCACHED and full and not members_only:
                # The same without queueing: one connection per worker.
                quiet = {f"{name} [{workers} connections]": pages[name + UNCACHED]
                         for name in ("board (most recent)", f"search (platform, {TYPICAL_WORD})",
                                      f"search (platform, {COMMON_WORD})")}
                results.update(drive(server.base, quiet, seconds, workers, f"{db} {size:>8}"))
            if cached:
                results["_peak_worker_rss_mb"] = server.worker_peak_rss_mb()
        finally:
            server.stop()
    return results


def minimal(seconds: int, connections: int, workers: int) -> dict:
    server = Server("benchmarks.minimal_app:app", dict(os.environ, PYTHONPATH=str(ROOT)), workers)
    try:
        wrk(server.base + "/", 2, connections)
        r = wrk(server.base + "/", seconds, connections)
        log(f"minimal endpoint {r['rps']:.1f} req/s p50 {r['p50_ms']:.2f} ms")
        return r
    finally:
        server.stop()


def digest(db_url: str, n: int) -> dict:
    out = subprocess.run([BIN / "python", "-m", "benchmarks.digest_bench", str(n), str(free_port())],
                         env=board_env(db_url), cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    log(f"digest: {r}")
    return r


def versions() -> str:
    def v(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    pip = subprocess.run([BIN / "pip", "freeze"], capture_output=True, text=True).stdout
    pins = [ln for ln in pip.splitlines() if ln.split("==")[0].lower() in
            {"flask", "sqlalchemy", "gunicorn", "psycopg", "snowballstemmer"}]
    return "; ".join([platform.python_version() and f"Python {platform.python_version()}",
                      v(["wrk", "--version"]) or "wrk", *pins])


def ok(met: bool) -> str:
    return "met" if met else "**missed**"


def _row(page: str, r: dict, base: dict) -> str:
    q = r["queries"] if r["queries"] is not None else "–"
    return (f"| {page} | {r['rps']:.1f} | {r['rps'] / base['rps']:.1%} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {q} | {r['non2xx']} |")


def pages_table(at: dict, base: dict, pages=None) -> list[str]:
    """The measured pages (those named, else all) of one size as a Markdown table."""
    pages = [p for p in (pages or at) if p in at and not p.startswith("_")]
    return ["| page | req/s | of minimal | p50 ms | p95 ms | p99 ms | SQL queries | non-2xx |",
            "|---|---|---|---|---|---|---|---|", *(_row(p, at[p], base) for p in pages)]


def growth_table(pages, sizes, per_size) -> list[str]:
    """Each page's p50 at every size, with its ratio to the smallest size."""
    lines = [f"| page | {' | '.join(f'{s:,} posts' for s in sizes)} |",
             f"|---|{'---|' * len(sizes)}"]
    for page in pages:
        first = per_size[sizes[0]].get(page, {}).get("p50_ms")
        cells = []
        for s in sizes:
            p50 = per_size[s].get(page, {}).get("p50_ms")
            cells.append("–" if p50 is None else f"{p50:.1f} ms" + (
                f" ({p50 / first:.2f}x)" if first else ""))
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    return lines


def _fixtures_text(at: dict) -> str:
    """What the fixtures of one size hold, in a sentence (empty for a board without them)."""
    f = at.get("_fixtures") or {}
    if not f.get("long_post_replies"):
        return ""
    return (f"The closed theme's long post has {f['long_post_replies']} replies "
            f"({f['long_post_pages']} pages of 50), {f['queue_waiting']:,} items wait in the "
            f"public theme's queue, the closed theme's agenda lists {f['upcoming_events']} "
            f"upcoming events, its wiki page has {f['wiki_revisions']} revisions and its folder "
            f"{f['folder_files']} files.")


def issue18_targets(sizes, per_size, base) -> list[str]:
    """Issue #18's targets, one row per page, with what was measured at the largest size;
    then the growth target (p50 at the largest size against 10,000 posts, when both ran) and
    the query budget, over the same pages."""
    largest = sizes[-1]
    at = per_size[largest]
    waiting = (at.get("_fixtures") or {}).get("queue_waiting") or 0
    lines = ["| target | page | measured | |", "|---|---|---|---|"]
    for target, pages, share, p95 in ISSUE18_TARGETS:
        label = (f"{target.format(queue_waiting=waiting)}: ≥ {share:.0%} of minimal"
                 + (f", p95 < {p95} ms" if p95 else "") + f" ({largest:,} posts)")
        for page in pages:
            r = at.get(page)
            if r is None:
                lines.append(f"| {label} | {page} | not measured | – |")
            else:
                met = (r["non2xx"] == 0 and r["rps"] / base["rps"] >= share
                       and (p95 is None or r["p95_ms"] < p95))
                lines.append(f"| {label} | {page} | {r['rps'] / base['rps']:.1%} of minimal, "
                             f"p95 {r['p95_ms']:.1f} ms | {ok(met)} |")
            label = ""
    measured = [p for p in ISSUE18_PAGES if p in at]
    growth = "every page: p50 at the largest size / p50 at 10,000 posts ≤ 1.3x"
    ratios = {p: at[p]["p50_ms"] / per_size[10_000][p]["p50_ms"] for p in measured
              if largest > 10_000 and per_size.get(10_000, {}).get(p, {}).get("p50_ms")}
    if ratios:
        worst = max(ratios, key=ratios.get)
        over = [p for p, ratio in ratios.items() if ratio > 1.3]
        lines.append(f"| {growth} | the {len(ratios)} pages above | {largest:,} against 10,000 "
                     f"posts: worst {ratios[worst]:.2f}x ({worst}); {len(over)} over 1.3x | "
                     f"{ok(len(ratios) == len(measured) and not over)} |")
    else:
        lines.append(f"| {growth} | | not run (needs 10,000 and a larger size, e.g. "
                     "`--million`) | – |")
    if not measured:
        return lines
    counts = {p: [per_size[s][p]["queries"] for s in sizes if p in per_size[s]] for p in measured}
    most = max(measured, key=lambda p: max(q or 0 for q in counts[p]))
    over = [p for p in measured if any(q is None or q > MAX_QUERIES for q in counts[p])]
    varying = [p for p in measured if len(set(counts[p])) > 1]
    lines.append(f"| SQL queries per page ≤ {MAX_QUERIES}, independent of page size and data "
                 f"size | the pages above | most {max(counts[most])} ({most})"
                 + (f"; over {MAX_QUERIES}: " + ", ".join(f"{p} {max(q or 0 for q in counts[p])}"
                                                         for p in over) if over else "")
                 + ("; not the same at every size: " + ", ".join(
                     f"{p} ({' → '.join(str(q) for q in counts[p])})" for p in varying)
                    if varying else
                    f"; the same at every size run ({', '.join(f'{s:,}' for s in sizes)})")
                 + f" | {ok(not over and not varying)} |")
    return lines


def preamble(args, base: dict) -> str:
    """Where, with what and how the run measured, and the minimal endpoint it compares to."""
    cmd = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    return f"""Machine: {platform.node()} — {os.cpu_count()} CPUs, {platform.platform()}; load generator and
server share the machine (wrk from a second process on loopback).
Versions: {versions()}.
Command: `{cmd}` (gunicorn -w {args.workers}; wrk -t2 -c{args.connections} -d{args.seconds}s).

Minimal Flask endpoint, same gunicorn settings: **{base['rps']:.0f} req/s**, p50 {base['p50_ms']:.2f} ms."""


ISSUE18_TEXT = """Issue #18's pages are measured at every size: the closed theme's board (each sort, and
filtered on a category and a filter value), its long post, agenda, a wiki page and a folder as
a member opens them logged in; the public theme's moderation queue as its admin does; the
public board as a visitor and the closed board as its member with `BOARD_PAGE_CACHE=false`
("[no page cache]": every request renders the page, its list of posts shared by everyone with
the same standing in the theme, app/posts/listing.py), and again with `BOARD_LIST_CACHE=false`
too ("[nothing cached]": the list rendered as well, as for the very first reader after a
change)."""


def targets(sizes, per_size, base, digest_result) -> list[str]:
    """Each target with the figure measured for it (at the largest size run)."""
    largest = sizes[-1]
    at = per_size[largest]
    board, board_nc = at["board (most recent)"], at["board (most recent)" + UNCACHED]
    search_page = f"search (platform, {TYPICAL_WORD})"
    s_nc, s_common = at[search_page + UNCACHED], at[f"search (platform, {COMMON_WORD})" + UNCACHED]
    s_member = at.get(f"search (platform, {TYPICAL_WORD}, logged in)")
    create = at.get("create a post (POST)")
    lines = [
        "| target | measured | |",
        "|---|---|---|",
        f"| anonymous board ≥ 25% of minimal, p95 < 50 ms ({largest:,} posts) | "
        f"{board['rps'] / base['rps']:.0%}, p95 {board['p95_ms']:.1f} ms as served "
        f"(page cache); without the cache {board_nc['rps'] / base['rps']:.1%}, p95 "
        f"{board_nc['p95_ms']:.1f} ms | "
        f"{ok(board['rps'] / base['rps'] >= 0.25 and board['p95_ms'] < 50)} |",
    ]
    if 1_000_000 in per_size and 10_000 in per_size:
        g = per_size[1_000_000]["board (most recent)"]["p50_ms"] / per_size[10_000]["board (most recent)"]["p50_ms"]
        g_nc = (per_size[1_000_000]["board (most recent)" + UNCACHED]["p50_ms"]
                / per_size[10_000]["board (most recent)" + UNCACHED]["p50_ms"])
        lines.append(f"| board p50 at 1,000,000 within 1.3× of 10,000 | {g:.2f}× (without the "
                     f"cache {g_nc:.2f}×) | {ok(g <= 1.3)} |")
    else:
        lines.append("| board p50 at 1,000,000 within 1.3× of 10,000 | not run (`--million`) | – |")
    lines.append(
        f"| search p95 < 100 ms ({largest:,} posts) | every request searched (no page cache): "
        f"\"{TYPICAL_WORD}\" p95 {s_nc['p95_ms']:.1f} ms"
        + (f", logged in {s_member['p95_ms']:.1f} ms" if s_member else "")
        + "".join(f"; at one connection per worker p95 {r['p95_ms']:.1f} ms" for key, r in at.items()
                  if key.startswith(search_page + " [") and key.endswith("connections]"))
        + f"; the very common \"{COMMON_WORD}\" p95 {s_common['p95_ms']:.1f} ms | "
        f"{ok(s_nc['p95_ms'] < 100)} |")
    if create:
        lines.append(f"| post creation > 100 posts/s | {create['rps']:.1f} posts/s "
                     f"(non-2xx {create['non2xx']}) | {ok(create['rps'] > 100)} |")
    lines.append(f"| digest of 10,000 built and handed to SMTP < 60 s | "
                 f"{digest_result['recipients']:,} recipients in {digest_result['total_seconds']} s "
                 f"(built in {digest_result['build_seconds']} s) | "
                 f"{ok(digest_result['recipients'] >= 10_000 and digest_result['total_seconds'] < 60)} |")
    return lines


def report(db: str, args, sizes, per_size, base, digest_result) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    name = f"{stamp}-{db}{'-quick' if args.quick else ''}"
    largest = sizes[-1]
    pages = [p for p in per_size[largest] if not p.startswith("_")]
    chart = RESULTS / f"{name}.png"
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (a, b) = plt.subplots(1, 2, figsize=(13, 5.5))
        for page in GROWTH_PAGES:
            variant = page + UNCACHED
            a.plot(sizes, [per_size[s][variant]["p50_ms"] for s in sizes], marker="o", label=f"{page} p50")
            a.plot(sizes, [per_size[s][variant]["p95_ms"] for s in sizes], marker="x", linestyle="--",
                   label=f"{page} p95")
        a.set_xscale("log"), a.set_xlabel("posts"), a.set_ylabel("latency (ms), no page cache")
        a.set_title(f"Latency vs board size ({db})"), a.legend(fontsize=6)
        b.barh(pages, [per_size[largest][p]["rps"] / base["rps"] for p in pages])
        b.axvline(0.25, color="red", linestyle=":", label="target 25%")
        b.set_xscale("log"), b.set_xlabel("throughput / minimal endpoint (log)")
        b.set_title(f"{largest:,} posts"), b.legend(fontsize=7), b.tick_params(axis="y", labelsize=6)
        fig.tight_layout()
        fig.savefig(chart, dpi=110)
    except ImportError:
        chart = None
    text = f"""# Benchmark {stamp} on {db}{' (quick)' if args.quick else ''}

{preamble(args, base)}

Visitors' pages are measured twice: as served (the page cache on, the default: a page is
rendered once per worker and data change) and with `BOARD_PAGE_CACHE=false`, where every
request renders the page (the board's list of posts shared by everyone with the same
standing); the boards also with `BOARD_LIST_CACHE=false`, where nothing is kept — the cost
of the first visitor after each change. Searches use
"{TYPICAL_WORD}" (a typical word, in about 2% of the seeded posts) and "{COMMON_WORD}" (in
about 40%).

{ISSUE18_TEXT} {_fixtures_text(per_size[largest])}

## Targets
{chr(10).join(targets(sizes, per_size, base, digest_result))}

## Targets (#18)
{chr(10).join(issue18_targets(sizes, per_size, base))}

## Pages at {largest:,} posts
{chr(10).join(pages_table(per_size[largest], base))}

Peak memory of a worker: {per_size[largest]['_peak_worker_rss_mb']} MB.

## Growth (p50, and ratio to {sizes[0]:,} posts)
{chr(10).join(growth_table([v for p in GROWTH_PAGES for v in (p, p + UNCACHED)], sizes, per_size))}

## Growth of issue #18's pages (p50, and ratio to {sizes[0]:,} posts)
{chr(10).join(growth_table(ISSUE18_PAGES, sizes, per_size))}

## Digest
{digest_result['recipients']:,} recipients: built in {digest_result['build_seconds']} s, all
received by the SMTP sink (a process of its own) {digest_result['total_seconds']} s after the
start ({digest_result['delivered']} delivered; the outbox's senders deliver while later batches
are built).
{f'![chart]({chart.name})' if chart else ''}
"""
    path = RESULTS / f"{name}.md"
    path.write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps({"minimal": base, "sizes": per_size,
                                                      "digest": digest_result}, indent=1))
    return path


def members_for(size: int) -> int:
    return 10_000 if size >= 100_000 else max(200, size // 20)


SEARCH_PAGES = {
    f"search (platform, {TYPICAL_WORD})": "/search?q={typical}",
    f"search (platform, {COMMON_WORD})": "/search?q={common}",
    f"board (search: theme, {TYPICAL_WORD})": "/t/{theme}?q={typical}",
    f"board (search: theme, {COMMON_WORD})": "/t/{theme}?q={common}",
}


def search_only(args, sizes) -> Path:
    """`--only search`: the search pages without the page cache (every request searches), at
    each size, and a report of their p50/p95 against the targets."""
    base = minimal(args.seconds, args.connections, args.workers)
    per_size = {}
    for size in sizes:
        url, meta = prepare(args.db, size, members_for(size), args.pg_url)
        env = board_env(url)
        env["BOARD_PAGE_CACHE"] = "false"
        server = Server("wsgi:app", env, args.workers)
        try:
            anon, _ = session_for(server.base, None, None)
            pages = {name: (path.format(typical=TYPICAL_WORD, common=COMMON_WORD,
                                        theme=meta["public_slug"]), anon, None)
                     for name, path in SEARCH_PAGES.items()}
            per_size[size] = drive(server.base, pages, args.seconds, args.connections,
                                   f"{args.db} {size:>8}")
            per_size[size]["_seed_seconds"] = meta.get("seed_seconds")
        finally:
            server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{dt.datetime.now():%Y-%m-%d}-search-{args.db}{args.report_suffix}"
    lines = [f"# Search benchmark {dt.datetime.now():%Y-%m-%d} on {args.db}", "",
             f"Machine: {platform.node()} — {os.cpu_count()} CPUs, {platform.platform()}; "
             "wrk and gunicorn share the machine (loopback).",
             f"Versions: {versions()}.",
             f"Command: `python benchmarks/run.py {' '.join(sys.argv[1:])}` (gunicorn -w "
             f"{args.workers}; wrk -t2 -c{args.connections} -d{args.seconds}s), "
             "`BOARD_PAGE_CACHE=false`: every request parses, matches, ranks and renders.",
             f"Minimal Flask endpoint, same settings: {base['rps']:.0f} req/s, p50 "
             f"{base['p50_ms']:.2f} ms."
             + (f" PGOPTIONS=`{os.environ['PGOPTIONS']}`." if os.environ.get("PGOPTIONS") else ""),
             f"Load on the machine at the end of the run (1-minute load average, all helpers): {os.getloadavg()[0]:.1f}.",
             ""]
    for size in sizes:
        seeded = per_size[size].get("_seed_seconds")
        lines += [f"## {size:,} posts" + (f" (seeded with search rows in {seeded} s)"
                                          if seeded else ""), "",
                  "| page | requests | req/s | p50 ms | p95 ms | p99 ms | SQL queries | errors "
                  "(timeouts …) | p95 < 100 ms |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for page in SEARCH_PAGES:
            r = per_size[size][page]
            finished = r["requests"] > 0 and r["p95_ms"] > 0
            lines.append(f"| {page} | {r['requests']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | "
                         f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['queries']} | "
                         f"{r['errors']} | {ok(finished and r['p95_ms'] < 100)} |")
        lines.append("")
    if len(sizes) > 1:
        lines += ["## Growth (p50 at the largest size / p50 at the smallest; target ≤ 1.3)", "",
                  "| page | ratio |", "|---|---|"]
        for page in SEARCH_PAGES:
            first, last = per_size[sizes[0]][page], per_size[sizes[-1]][page]
            if not (first["requests"] and last["requests"] and first["p50_ms"] and last["p50_ms"]):
                lines.append(f"| {page} | no request finished at one size: **missed** |")
                continue
            ratio = last["p50_ms"] / first["p50_ms"]
            lines.append(f"| {page} | {ratio:.2f}× {ok(ratio <= 1.3)} |")
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps({"minimal": base, "sizes": per_size},
                                                     indent=1))
    return path


def members_only(args, sizes) -> Path:
    """`--only members`: issue #18's pages (the logged-in pages and the visitors' board
    without the page cache) at each size, and a report of them against the issue's targets:
    <date>-<database>-members.md."""
    base = minimal(args.seconds, args.connections, args.workers)
    per_size = {}
    for size in sizes:
        url, meta = prepare(args.db, size, members_for(size), args.pg_url, search_rows=False)
        per_size[size] = measure_size(args.db, size, meta, url, args, full=False,
                                      members_only=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    name = f"{stamp}-{args.db}-members{'-quick' if args.quick else ''}{args.report_suffix}"
    text = [f"# Members' pages benchmark {stamp} on {args.db}{' (quick)' if args.quick else ''}",
            "", preamble(args, base), "", ISSUE18_TEXT, "", "## Targets (#18)",
            *issue18_targets(sizes, per_size, base), ""]
    for size in reversed(sizes):
        text += [f"## Pages at {size:,} posts", _fixtures_text(per_size[size]), "",
                 *pages_table(per_size[size], base, ISSUE18_PAGES), "",
                 f"Peak memory of a worker: {per_size[size]['_peak_worker_rss_mb']} MB.", ""]
    if len(sizes) > 1:
        text += [f"## Growth (p50, and ratio to {sizes[0]:,} posts)",
                 *growth_table(ISSUE18_PAGES, sizes, per_size), ""]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(text))
    (RESULTS / f"{name}.json").write_text(json.dumps({"minimal": base, "sizes": per_size},
                                                     indent=1))
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small boards, short runs")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default=os.environ.get("BOARD_BENCH_DATABASE_URL"),
                   help="postgresql+psycopg://user@host:port/db (a server the bench may use)")
    p.add_argument("--sizes", default=None, help="comma-separated post counts")
    p.add_argument("--million", action="store_true", help="also 1,000,000 posts (slow to build)")
    p.add_argument("--seconds", type=int, default=None)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--digest", type=int, default=None, help="digest recipients")
    p.add_argument("--report-suffix", default="", help="appended to the report's name")
    p.add_argument("--only", choices=["search", "members"], default=None,
                   help="search: only the search pages, without the page cache; members: only "
                        "issue #18's pages (logged in, and the board without the page cache)")
    args = p.parse_args()
    ensure_wrk()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [2_000, 10_000] if args.quick else [10_000, 200_000] + ([1_000_000] if args.million else []))
    args.seconds = args.seconds or (3 if args.quick else 10)
    digest_n = args.digest or (2_000 if args.quick else 10_000)
    if args.db == "postgresql" and not args.pg_url:
        sys.exit("--db postgresql needs --pg-url or BOARD_BENCH_DATABASE_URL")
    if args.only == "search":
        log(f"report: {search_only(args, sizes).relative_to(ROOT)}")
        return
    if args.only == "members":
        log(f"report: {members_only(args, sizes).relative_to(ROOT)}")
        return
    base = minimal(args.seconds, args.connections, args.workers)
    per_size = {}
    for size in sizes:
        url, meta = prepare(args.db, size, members_for(size), args.pg_url)
        per_size[size] = measure_size(args.db, size, meta, url, args, full=size == sizes[-1])
    # The digest adds its recipients to a copy-free board: the smallest one, rebuilt next run.
    url, _ = prepare(args.db, sizes[0], members_for(sizes[0]), args.pg_url)
    digest_result = digest(url, digest_n)
    path = report(args.db, args, sizes, per_size, base, digest_result)
    log(f"report: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
