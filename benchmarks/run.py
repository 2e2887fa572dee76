"""`make bench`: how fast the board is, how its cost grows, against the framework's own limit.

For each board size it seeds a realistic board (flask seed), serves it with gunicorn exactly
as in production (workers = CPU count), and drives every page with wrk from a second process
on loopback, bounded in time. The same gunicorn settings serve a minimal Flask endpoint in the
same run; every page's throughput is reported as a fraction of it. Results go to
benchmarks/results/<date>-<database>.md with a PNG chart.
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


def board_env(db_url: str) -> dict:
    return dict(os.environ, FLASK_APP="wsgi:app", BOARD_ENVIRONMENT="production",
                BOARD_SECRET_KEY="benchmark-secret-key-" + "x" * 32,
                BOARD_SQLALCHEMY_DATABASE_URI=db_url,
                BOARD_SESSION_COOKIE_SECURE="false", BOARD_REMEMBER_COOKIE_SECURE="false",
                BOARD_RATELIMIT_ENABLED="false", BOARD_QUERY_COUNT_HEADER="true",
                BOARD_MAIL_DELIVERY="scheduler", PYTHONPATH=str(ROOT))


def prepare(db: str, size: int, members: int, pg_base: str | None) -> tuple[str, dict]:
    """A seeded board of `size` posts with its search rows (reused when already built), and
    its fixtures."""
    WORK.mkdir(parents=True, exist_ok=True)
    meta_file = WORK / f"{db}-{size}.json"
    if db == "sqlite":
        url = f"sqlite:///{WORK / f'board-{size}.sqlite3'}"
    else:
        url = f"{pg_base.rsplit('/', 1)[0]}/bench_{size}"
    env = board_env(url)
    if meta_file.exists():
        return url, json.loads(meta_file.read_text())
    log(f"building a {db} board of {size} posts")
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
    subprocess.run([BIN / "flask", "seed", "--posts", str(size), "--members", str(members)],
                   env=env, cwd=ROOT, check=True)
    log(f"seeded (with search rows) in {time.monotonic() - t0:.0f} s")
    out = subprocess.run([BIN / "python", "-m", "benchmarks.fixtures"], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    meta = json.loads(out.strip().splitlines()[-1])
    meta["seed_seconds"] = round(time.monotonic() - t0, 1)
    meta_file.write_text(json.dumps(meta))
    return url, meta


class Server:
    """gunicorn as in production: workers = CPU count, bound to loopback."""

    def __init__(self, app: str, env: dict, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [BIN / "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", app], env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2).read()
                return
            except Exception:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn for {app} did not start")

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
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
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


def anonymous_pages(meta: dict, full: bool) -> dict:
    pub = meta["public_slug"]
    pages = {
        "board (most recent)": f"/t/{pub}",
        f"board (search: theme, {TYPICAL_WORD})": f"/t/{pub}?q={TYPICAL_WORD}",
        f"search (platform, {TYPICAL_WORD})": f"/search?q={TYPICAL_WORD}",
        f"search (platform, {COMMON_WORD})": f"/search?q={COMMON_WORD}",
    }
    if full:
        pages.update({
            "board (most replies)": f"/t/{pub}?sort=replies",
            "board (recent replies)": f"/t/{pub}?sort=activity",
            "board (most stars)": f"/t/{pub}?sort=stars",
            "board (filtered)": f"/t/{pub}?category={meta['category_id']}&f={meta['value_id']}",
            f"board (search: theme, {COMMON_WORD})": f"/t/{pub}?q={COMMON_WORD}",
            "post with 50 replies": f"/posts/{meta['item_id']}",
        })
    return pages


def drive(base: str, pages: dict, seconds: int, connections: int, label: str) -> dict:
    results = {}
    for name, (path, cookie, post) in pages.items():
        queries = query_count(base + path, cookie) if post is None else None
        wrk(base + path, 2, connections, cookie, post)  # warm up
        r = wrk(base + path, seconds, connections, cookie, post)
        r["queries"] = queries
        results[name] = r
        log(f"{label} {name:48} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f}  "
            f"p95 {r['p95_ms']:6.1f}  p99 {r['p99_ms']:6.1f} ms  queries {queries}  "
            f"non-2xx {r['non2xx']}")
    return results


def measure_size(db: str, size: int, meta: dict, url: str, seconds: int,
                 connections: int, workers: int, full: bool) -> dict:
    """Every page at one board size: visitors' pages as served (page cache on, the default)
    and again with the page cache off (every request rendered), then logged-in pages."""
    results = {}
    for cached in (True, False):
        env = board_env(url)
        if not cached:
            env["BOARD_PAGE_CACHE"] = "false"
        server = Server("wsgi:app", env, workers)
        try:
            anon, _ = session_for(server.base, None, None)  # a visitor who has seen a form
            pages = {name + ("" if cached else UNCACHED): (path, anon, None)
                     for name, path in anonymous_pages(meta, full).items()}
            if cached and full:
                member_cookie, member_csrf = session_for(server.base, meta["member_email"],
                                                         meta["password"])
                admin_cookie, _ = session_for(server.base, meta["admin_email"], meta["password"])
                token = urllib.parse.quote(member_csrf)
                pages.update({
                    "board (closed theme, logged in)": (f"/t/{meta['closed_slug']}", member_cookie, None),
                    f"search (platform, {TYPICAL_WORD}, logged in)": (f"/search?q={TYPICAL_WORD}", member_cookie, None),
                    "moderation queue (admin)": (f"/t/{meta['public_slug']}/moderation", admin_cookie, None),
                    "toggle a star (POST)": (f"/posts/{meta['star_post_id']}/star", member_cookie,
                                             f"csrf_token={token}"),
                    "create a post (POST)": (f"/t/{meta['closed_slug']}/posts/new", member_cookie,
                                             f"csrf_token={token}&title=Benchmark+post+{{n}}"
                                             "&body=Tekst+van+de+benchmark+over+het+klimaatplan"),
                })
            results.update(drive(server.base, pages, seconds, connections, f"{db} {size:>8}"))
            if not cached and full:
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


def _row(page: str, r: dict, base: dict) -> str:
    q = r["queries"] if r["queries"] is not None else "–"
    return (f"| {page} | {r['rps']:.1f} | {r['rps'] / base['rps']:.1%} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {q} | {r['non2xx']} |")


def targets(sizes, per_size, base, digest_result) -> list[str]:
    """Each target with the figure measured for it (at the largest size run)."""
    largest = sizes[-1]
    at = per_size[largest]
    board, board_nc = at["board (most recent)"], at["board (most recent)" + UNCACHED]
    search_page = f"search (platform, {TYPICAL_WORD})"
    s_nc, s_common = at[search_page + UNCACHED], at[f"search (platform, {COMMON_WORD})" + UNCACHED]
    s_member = at.get(f"search (platform, {TYPICAL_WORD}, logged in)")
    create = at.get("create a post (POST)")
    ok = lambda met: "met" if met else "**missed**"  # noqa: E731
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
    rows = [_row(p, per_size[largest][p], base) for p in pages]
    growth = []
    for page in GROWTH_PAGES:
        for variant in (page, page + UNCACHED):
            first = per_size[sizes[0]][variant]["p50_ms"]
            growth.append(f"| {variant} | " + " | ".join(
                f"{per_size[s][variant]['p50_ms']:.1f} ms ({per_size[s][variant]['p50_ms'] / first:.2f}x)"
                for s in sizes) + " |")
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
    cmd = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    text = f"""# Benchmark {stamp} on {db}{' (quick)' if args.quick else ''}

Machine: {platform.node()} — {os.cpu_count()} CPUs, {platform.platform()}; load generator and
server share the machine (wrk from a second process on loopback).
Versions: {versions()}.
Command: `{cmd}` (gunicorn -w {args.workers}; wrk -t2 -c{args.connections} -d{args.seconds}s).

Minimal Flask endpoint, same gunicorn settings: **{base['rps']:.0f} req/s**, p50 {base['p50_ms']:.2f} ms.

Visitors' pages are measured twice: as served (the page cache on, the default: a page is
rendered once per worker and data change) and with `BOARD_PAGE_CACHE=false`, where every
request renders the page — the cost of the first visitor after each change. Searches use
"{TYPICAL_WORD}" (a typical word, in about 2% of the seeded posts) and "{COMMON_WORD}" (in
about 40%).

## Targets
{chr(10).join(targets(sizes, per_size, base, digest_result))}

## Pages at {largest:,} posts
| page | req/s | of minimal | p50 ms | p95 ms | p99 ms | SQL queries | non-2xx |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Peak memory of a worker: {per_size[largest]['_peak_worker_rss_mb']} MB.

## Growth (p50, and ratio to {sizes[0]:,} posts)
| page | {' | '.join(f'{s:,} posts' for s in sizes)} |
|---|{'---|' * len(sizes)}
{chr(10).join(growth)}

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
    ok = lambda met: "met" if met else "**missed**"  # noqa: E731
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
    p.add_argument("--only", choices=["search"], default=None,
                   help="search: only the search pages, without the page cache")
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
    base = minimal(args.seconds, args.connections, args.workers)
    per_size = {}
    for size in sizes:
        url, meta = prepare(args.db, size, members_for(size), args.pg_url)
        per_size[size] = measure_size(args.db, size, meta, url, args.seconds,
                                      args.connections, args.workers, full=size == sizes[-1])
    # The digest adds its recipients to a copy-free board: the smallest one, rebuilt next run.
    url, _ = prepare(args.db, sizes[0], members_for(sizes[0]), args.pg_url)
    digest_result = digest(url, digest_n)
    path = report(args.db, args, sizes, per_size, base, digest_result)
    log(f"report: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
