"""The benchmark (quality.md, "Workloads and targets"): generate a tier, serve it with gunicorn in the
production configuration (sync workers, --workers 4 as docs/operations.md's unit runs it), measure W0-W8
through real HTTP, print one table of every target with its pass/fail, write bench/results/latest.json.

    ./bench/run.sh --tier S
    ./bench/run.sh --tier M --both       # SQLite, then PostgreSQL on a database the run creates and drops
    ./bench/run.sh --tier S --database postgresql://postgres@127.0.0.1/waymark_bench   # an empty database

W0's floor and W1's ratio come from wrk (a native load generator) in the same run; p50/p95 from a one-client
pass of the Python client. Ratios are stored unrounded and compared unrounded. A workload or target that
was not run (left out by --only, or not measurable in this run) is a FAIL, and the exit status is 1 unless
every target passed. Every loop is bounded by a count and a deadline; only 127.0.0.1 is used; gunicorn is
stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, TIERS, bench_env, candidate_email  # noqa: E402
from bench.server import HOST, Server, memory_report  # noqa: E402

LONDON = ZoneInfo("Europe/London")
UPLOAD_BYTES = 5 << 20
HTTP_TIMEOUT = 60
WORKLOAD_IDS = ("W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8")

# HTTP ---------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    ms: float


def request(port: int, method: str, path: str, *, body: bytes | None = None, headers=None) -> Reply:
    conn = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
    try:
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - started) * 1000
        return Reply(resp.status, resp.msg, data, ms)
    finally:
        conn.close()


@dataclass
class Browser:
    """One signed-in candidate: the cookies, frozen after sign-in (so the flash is consumed) and the CSRF
    token of the upload form."""

    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def keep(self, reply: Reply) -> None:
        for raw in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


_CSRF = re.compile(rb'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(rb'value="([^"]+)"')


def csrf_token(html: bytes) -> str:
    tag = _CSRF.search(html)
    value = _VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no CSRF token in the page")
    return value.group(1).decode()


SIGN_IN_TRIES = 3
SIGN_IN_503: list[str] = []
_retry_lock = threading.Lock()


def log_in(port: int, email: str, password: str = BENCH_PASSWORD) -> Browser:
    """Sign in through the real login form (GET for token and cookie, POST); the browser keeps the session."""
    for attempt in range(SIGN_IN_TRIES):
        browser = Browser(email)
        page = request(port, "GET", "/login")
        browser.keep(page)
        form = {"csrf_token": csrf_token(page.body), "next": "", "email": email, "password": password}
        body = "&".join(f"{k}={_quote(v)}" for k, v in form.items()).encode()
        reply = request(
            port,
            "POST",
            "/login",
            body=body,
            headers={**browser.header(), "Content-Type": "application/x-www-form-urlencoded"},
        )
        if reply.status == 302:
            browser.keep(reply)
            return browser
        if reply.status != 503 or attempt == SIGN_IN_TRIES - 1:
            break
        # Signing in is the workloads' preparation, not measured: a 503 (the database busy) is tried again
        # after its Retry-After, and counted (SIGN_IN_503 in the results).
        with _retry_lock:
            SIGN_IN_503.append(email)
        time.sleep(min(10.0, float(reply.headers.get("Retry-After") or 1)))
    raise RuntimeError(f"sign-in of {email} failed: HTTP {reply.status}")


def sign_in(port: int, email: str) -> Browser:
    """Sign in a candidate, then fetch the upload form (its CSRF token serves the uploads)."""
    browser = log_in(port, email)
    browser.keep(request(port, "GET", "/", headers=browser.header()))  # shows and clears the flash
    upload_form = request(port, "GET", "/portfolio/new?kind=file", headers=browser.header())
    if upload_form.status != 200:
        raise RuntimeError(f"upload form for {email}: HTTP {upload_form.status}")
    browser.keep(upload_form)
    browser.csrf = csrf_token(upload_form.body)
    return browser


def _quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


# Measuring ----------------------------------------------------------------------------------------------
# Measuring ----------------------------------------------------------------------------------------------


@dataclass
class Pass:
    clients: int
    count: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    first_error: str = ""
    timed_out: bool = False

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        return {
            "clients": self.clients,
            "requests": self.count,
            "requests_per_s": self.count / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(lat, 50),
            "p95_ms": percentile(lat, 95),
            "errors": self.errors,
        }


def percentile(values: list[float], pct: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def run_pass(one, *, count: int, clients: int, deadline_s: float) -> Pass:
    """Call one(i) -> (Reply, ok) for i in range(count) from `clients` threads; stop at the deadline."""
    result = Pass(clients)
    lock = threading.Lock()
    next_index = [0]
    stop_at = time.monotonic() + deadline_s

    def worker():
        while True:
            with lock:
                i = next_index[0]
                if i >= count:
                    return
                if time.monotonic() > stop_at:
                    result.timed_out = True
                    return
                next_index[0] += 1
            try:
                reply, ok = one(i)
                error = "" if ok else f"HTTP {reply.status}"
            except (OSError, http.client.HTTPException) as exc:
                reply, ok, error = None, False, repr(exc)
            with lock:
                result.count += 1
                if reply is not None:
                    result.latencies.append(reply.ms)
                    qc = reply.headers.get("X-Query-Count")
                    if qc is not None:
                        result.queries.add(int(qc))
                if not ok:
                    result.errors += 1
                    result.first_error = result.first_error or error

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, stop_at - time.monotonic()) + HTTP_TIMEOUT)
    result.seconds = time.perf_counter() - started
    return result


def measure(name, one, *, count, clients, deadline_s, warmup, **_ignored) -> dict:
    """The latency pass (one client: p50/p95), then the throughput pass (`clients`: requests/s)."""
    cold_ms = None
    if warmup:
        # Every worker warmed, not only the one or two that a single client's few requests reach: with
        # `clients` requests in flight at once, every sync worker serves some. Otherwise a cold worker's first
        # request (its database connection, statements compiled, templates loaded) lands in the latency pass
        # and is its p95 (W4 on PostgreSQL: p50 191 ms, p95 504 ms). The slowest warm-up request is kept.
        warm = run_pass(one, count=max(warmup, 2 * clients), clients=clients, deadline_s=deadline_s)
        cold_ms = max(warm.latencies, default=None)
    latency = run_pass(one, count=count, clients=1, deadline_s=deadline_s)
    loaded = run_pass(one, count=count, clients=clients, deadline_s=deadline_s)
    queries = sorted(latency.queries | loaded.queries)
    out = {
        "requests_per_s": loaded.summary()["requests_per_s"],
        "p50_ms": latency.summary()["p50_ms"],
        "p95_ms": latency.summary()["p95_ms"],
        "queries": max(queries) if queries else None,
        "errors": latency.errors + loaded.errors,
        "ratio_to_w0": None,
        "queries_seen": queries,
        "requests": latency.count + loaded.count,
        "slowest_warmup_ms": cold_ms,
        "latency_pass": latency.summary(),
        "loaded": loaded.summary(),
    }
    if latency.first_error or loaded.first_error:
        out["first_error"] = latency.first_error or loaded.first_error
    if latency.timed_out or loaded.timed_out:
        out["stopped_at_deadline_s"] = deadline_s
    print(
        f"  {name}: p50 {out['p50_ms']:.2f} ms, p95 {out['p95_ms']:.2f} ms, "
        f"{out['requests_per_s']:.1f} req/s "
        f"({clients} Python clients), queries {queries}, errors {out['errors']}",
        flush=True,
    )
    return out


# W0: the bare 5 MiB store, in process; W5: uploads through the real form ----------------------------------


def pdf_payload(rng: random.Random) -> bytes:
    """A 5 MiB upload the upload check accepts as a PDF (header, then %%EOF near the end)."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    return head + rng.randbytes(UPLOAD_BYTES - len(head) - len(tail)) + tail


def unique(payload: bytes, n: int, salt: bytes) -> bytes:
    """The payload with a distinct 32-byte stamp after the header, so no two uploads share a blob."""
    stamp = (salt + n.to_bytes(8, "big")).ljust(32, b"\0")[:32]
    return payload[:9] + stamp + payload[9 + 32 :]


class BareStore:
    """`FileStore.put_stream` in this process (stream, SHA-256, fsync, rename), each call a distinct blob.

    A batch runs with the same number of threads as the uploads it is compared with (hashing, writing and
    fsync release the GIL), its bodies built before the clock starts; the time is the batch's wall clock."""

    def __init__(self, root: Path, payload: bytes) -> None:
        from core.files.storage import FileStore

        self.store = FileStore(root / "bare-store")
        self.payload = payload
        self.n = 0
        self.latencies: list[float] = []

    def batch(self, count: int, threads: int) -> tuple[int, float]:
        bodies = []
        for _ in range(count):
            self.n += 1
            bodies.append(io.BytesIO(unique(self.payload, self.n, b"bare")))
        lock = threading.Lock()

        def work():
            while True:
                with lock:
                    if not bodies:
                        return
                    body = bodies.pop()
                started = time.perf_counter()
                self.store.put_stream(body, max_bytes=UPLOAD_BYTES)
                with lock:
                    self.latencies.append((time.perf_counter() - started) * 1000)

        workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
        started = time.perf_counter()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        seconds = time.perf_counter() - started
        shutil.rmtree(self.store.root / "blobs", ignore_errors=True)  # keeps the disk for the uploads
        return count, seconds


def multipart(browser: Browser, payload: bytes, n: int) -> tuple[list, str]:
    """The form's body as pieces (sent one after the other, with a Content-Length), and its type.

    The 5 MiB payload is sent from a memoryview with the stamp as its own piece: the client, on the same
    machine, copies nothing per upload (building and joining the body cost it ~2 ms of CPU each)."""
    boundary = f"----waymark-bench-{n:08d}"
    fields = {
        "csrf_token": browser.csrf,
        "title": f"Bench upload {n}",
        "activity_date": (datetime.now(LONDON).date() - timedelta(days=1)).isoformat(),
        "context_md": "Uploaded by the benchmark.",
        "anonymised": "y",
    }
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-{n}.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
    )
    stamped = memoryview(payload)
    stamp = unique(payload[:41], n, b"w5")[9:41]  # the same 32 bytes unique() puts after the header
    parts += [stamped[:9], stamp, stamped[41:]]
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return parts, f"multipart/form-data; boundary={boundary}"


_upload_counter = iter(range(1, 10**9))
_upload_lock = threading.Lock()


def upload(port: int, browser: Browser, payload: bytes, query: str = "") -> Reply:
    """One 5 MiB upload through the evidence form (`query` e.g. "&criterion=CCQ/M02.1.1" maps it too)."""
    with _upload_lock:
        n = next(_upload_counter)
    pieces, ctype = multipart(browser, payload, n)
    length = str(sum(len(p) for p in pieces))
    return request(
        port,
        "POST",
        f"/portfolio/new?kind=file{query}",
        body=pieces,
        headers={**browser.header(), "Content-Type": ctype, "Content-Length": length},
    )


def uploaded(reply: Reply) -> bool:
    return reply.status == 302 and "/portfolio/items/" in (reply.headers.get("Location") or "")


def w5_upload(server: Server, browsers: list[Browser], payload: bytes, instance: Path, args) -> dict:
    """Uploads on fresh workers; the bare store timed in the same run, alternating with them by batch."""
    fresh = server.start()
    port = server.port

    def one(i):
        reply = upload(port, browsers[i % len(browsers)], payload)
        return reply, uploaded(reply)

    latency = run_pass(one, count=2 + args.uploads // 2, clients=1, deadline_s=args.deadline)  # 2 warm-up
    bare = BareStore(instance, payload)
    rounds = max(1, args.w5_rounds)
    per_round = max(1, args.uploads // rounds)
    stores = store_s = 0.0
    loaded = Pass(args.clients)
    for _ in range(rounds):
        n, s = bare.batch(per_round, args.clients)
        stores, store_s = stores + n, store_s + s
        batch = run_pass(one, count=per_round, clients=args.clients, deadline_s=args.deadline)
        loaded.count += batch.count
        loaded.errors += batch.errors
        loaded.seconds += batch.seconds
        loaded.latencies += batch.latencies
        loaded.queries |= batch.queries
        loaded.first_error = loaded.first_error or batch.first_error
    one_thread_n, one_thread_s = bare.batch(max(2, per_round // 2), 1)
    requests = latency.count + loaded.count
    memory = memory_report(fresh, server.memory(), requests)
    lat = latency.summary()
    lat_sorted = sorted(latency.latencies[2:])  # the two warm-up uploads count for memory, not latency
    store_rate = stores / store_s if store_s else 0.0
    queries = sorted(latency.queries | loaded.queries)
    out = {
        "path": "POST /portfolio/new?kind=file",
        "requests_per_s": loaded.summary()["requests_per_s"],
        "p50_ms": percentile(lat_sorted, 50),
        "p95_ms": percentile(lat_sorted, 95),
        "queries": max(queries) if queries else None,
        "queries_seen": queries,
        "errors": latency.errors + loaded.errors,
        "requests": requests,
        "ratio_to_w0": loaded.summary()["requests_per_s"] / store_rate if store_rate else None,
        "ratio_note": (
            f"uploads/s through gunicorn ({args.clients} clients) / stores/s of the bare store "
            f"({args.clients} "
            f"threads in this process), {rounds} alternating batches of {per_round} each"
        ),
        "store": {
            "stores_per_s": store_rate,
            "threads": args.clients,
            "count": int(stores),
            "p50_ms": percentile(bare.latencies, 50),
            "p95_ms": percentile(bare.latencies, 95),
            "one_thread_stores_per_s": one_thread_n / one_thread_s if one_thread_s else 0.0,
        },
        "latency_pass": {**lat, "p50_ms": percentile(lat_sorted, 50), "p95_ms": percentile(lat_sorted, 95)},
        "loaded": loaded.summary(),
        **memory,
    }
    if latency.first_error or loaded.first_error:
        out["first_error"] = latency.first_error or loaded.first_error
    shutil.rmtree(bare.store.root, ignore_errors=True)
    print(
        f"  W5 upload: p50 {out['p50_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, "
        f"{out['requests_per_s']:.1f}/s; bare store {store_rate:.1f}/s ({args.clients} threads), "
        f"{out['store']['one_thread_stores_per_s']:.1f}/s (1 thread); ratio {out['ratio_to_w0']:.4f}; "
        f"worker RSS +{memory['rss_growth_mb']:.2f} MB from fresh "
        f"(peak +{memory['peak_growth_mb']:.2f} MB); errors {out['errors']}",
        flush=True,
    )
    return out


# W0 and W1 with wrk -------------------------------------------------------------------------------------


def wrk_floor(port: int, browsers: list[Browser], folder: Path, args) -> dict:
    """/ping (W0) and the module page (W1) with wrk, alternating (W0, W1, W0, W1...) in the same run."""
    from bench.loadgen import run_wrk

    cookies = [browser.header()["Cookie"] for browser in browsers]
    runs: dict[str, list[dict]] = {"W0": [], "W1": []}
    for _ in range(max(1, args.wrk_rounds)):
        for wid, path in (("W0", "/ping"), ("W1", "/study/CCQ/M01")):
            runs[wid].append(
                run_wrk(
                    f"http://{HOST}:{port}{path}",
                    seconds=args.wrk_seconds,
                    connections=args.wrk_connections,
                    threads=args.wrk_threads,
                    cookies=cookies if wid == "W1" else [],
                    folder=folder,
                )
            )
    out = {}
    for wid, rs in runs.items():
        requests = sum(r["requests"] for r in rs)
        seconds = sum(r["seconds"] for r in rs)
        out[wid] = {
            "requests_per_s": requests / seconds if seconds else 0.0,
            "requests": requests,
            "errors": sum(r["errors"] for r in rs),
            "p95_ms_loaded": max(r["p95_ms"] for r in rs),
            "runs": rs,
        }
        print(
            f"  {wid} wrk: {out[wid]['requests_per_s']:.1f} req/s over {len(rs)} runs "
            f"of {args.wrk_seconds:g} s "
            f"({args.wrk_connections} connections), errors {out[wid]['errors']}",
            flush=True,
        )
    return out


# Targets ----------------------------------------------------------------------------------------------

# quality.md's targets, every one of them; set at tier M (and L); checked at every tier, labelled with the
# tier they are for. (workload, label, key in the workload's results, comparison, limit)
TARGETS = [
    ("W0", "floor measured with wrk, 0 errors", "floor_errors", "==", 0),
    ("W1", "p95 <= 25 ms", "p95_ms", "<=", 25),
    ("W1", "queries <= 8", "queries", "<=", 8),
    ("W1", "requests/s >= 0.15 x W0 (wrk)", "ratio_to_w0", ">=", 0.15),
    ("W2", "p95 <= 40 ms", "p95_ms", "<=", 40),
    ("W2", "queries <= 10", "queries", "<=", 10),
    ("W3", "p95 <= 50 ms", "p95_ms", "<=", 50),
    ("W3", "queries <= 8", "queries", "<=", 8),
    ("W3", "no OFFSET scans", "offset_statements", "==", 0),
    ("W3", "p95 at L <= 1.5 x p95 at M", "l_over_m", "<=", 1.5),
    ("W4", "HTML p95 <= 300 ms", "html_p95_ms", "<=", 300),
    ("W4", "CSV p95 <= 800 ms", "csv_p95_ms", "<=", 800),
    ("W4", "memory growth <= 30 MB (fresh worker)", "rss_growth_mb", "<=", 30),
    ("W5", "uploads/s >= 0.65 x bare store", "ratio_to_w0", ">=", 0.65),
    ("W5", "memory growth <= 2 MB per request", "rss_growth_mb_per_request", "<=", 2.0),
    ("W5", "worker growth over the run <= 2 MB", "rss_growth_mb", "<=", 2.0),
    ("W6", "0 lost updates", "lost_updates", "==", 0),
    ("W6", "0 server errors", "server_errors", "==", 0),
    ("W6", "every conflict a 409", "other_status_count", "==", 0),
    ("W6", "writes overlapped (2+ in flight)", "max_posts_in_flight", ">=", 2),
    ("W7", "memory growth <= 3%", "rss_growth_pct", "<=", 3.0),
    ("W8", "0 lost submissions", "lost", "==", 0),
    ("W8", "0 duplicated submissions", "duplicated", "==", 0),
    ("W8", "500 candidates submitted", "acknowledged", ">=", 500),
    ("W8", "all within 60 s", "finished_s", "<=", 60),
]
# Every workload that runs also has to have no errors.
ERRORS_TARGET = "0 errors"
CONSTANT_QUERIES = ("W1", "W2", "W3")


def _compare(value, op: str, limit) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return {"<=": value <= limit, ">=": value >= limit, "==": value == limit}[op]


def check_targets(workloads: dict, tier: str) -> list[dict]:
    """Every target of quality.md with its value and pass / FAIL / not run (not run is a failure too).

    The values compared are the raw ones (never rounded); rounding is for the printed table only."""
    rows = []
    for wid in WORKLOAD_IDS:
        w = workloads.get(wid)
        targets = [t for t in TARGETS if t[0] == wid]
        labels = [(label, key, op, limit) for _, label, key, op, limit in targets]
        if w is not None and w.get("status") is None:
            labels.append((ERRORS_TARGET, "errors", "==", 0))
            if wid in CONSTANT_QUERIES:
                labels.append(("queries constant", "queries_constant", "==", True))
        checks = {}
        for label, key, op, limit in labels:
            if w is None or w.get("status") is not None:
                reason = (w or {}).get("reason", "not run in this run")
                row = {"workload": wid, "target": label, "value": None, "result": "not run", "why": reason}
            elif key not in w or w.get(key) is None:
                why = w.get("not_measured", {}).get(key, "not measured in this run")
                row = {"workload": wid, "target": label, "value": None, "result": "not run", "why": why}
            else:
                value = w[key]
                row = {
                    "workload": wid,
                    "target": label,
                    "value": value,
                    "result": "pass" if _compare(value, op, limit) else "FAIL",
                }
            rows.append(row)
            checks[label] = {"value": row["value"], "pass": row["result"] == "pass", "result": row["result"]}
        if w is not None:
            w["targets"] = checks
            w["targets_pass"] = all(c["pass"] for c in checks.values())
            w["targets_are_for_tier"] = "M"
            if tier != "M":
                w["targets_note"] = f"quality.md sets these targets at tier M; this run is tier {tier}."
    return rows


def _shown(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_table(summaries: dict[str, list[dict]]) -> list[str]:
    """One line per target, a column per database: the value (rounded for display) and the result."""
    names = list(summaries)
    lines = ["| workload | target | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    first = summaries[names[0]]
    for i, row in enumerate(first):
        cells = []
        for name in names:
            r = summaries[name][i]
            result = {"pass": "pass", "FAIL": "**FAIL**", "not run": "**FAIL (not run)**"}[r["result"]]
            cells.append(f"{_shown(r['value'])} {result}")
        lines.append(f"| {row['workload']} | {row['target']} | " + " | ".join(cells) + " |")
    for line in lines:
        print(line)
    return lines


# One database -------------------------------------------------------------------------------------------


def generate_into(args, instance: Path, database_url: str | None, env: dict) -> dict:
    gen = subprocess.run(  # noqa: S603 - this interpreter and the generator, fixed arguments
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--tier",
            args.tier,
            "--instance",
            str(instance),
            "--seed",
            str(args.seed),
            *(["--database", database_url] if database_url else []),
            *(["--no-analyse"] if args.no_analyse else []),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if gen.returncode != 0:
        print(gen.stdout[-4000:], gen.stderr[-4000:], file=sys.stderr)
        raise RuntimeError("the generator failed")
    return json.loads(gen.stdout.strip().splitlines()[-1])


def run_database(args, database_url: str | None, only: set[str]) -> dict:
    """Generate the tier into a fresh instance (and the given database), serve it, measure; the workloads."""
    from bench import mix
    from bench import workloads as more  # imported here: they use this module's helpers

    def wanted(wid: str) -> bool:
        return not only or wid in only

    instance = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    env = bench_env(instance, database_url)
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    print(
        f"bench: tier {args.tier}, {database}, {args.workers} sync workers, instance {instance}", flush=True
    )
    server = Server(env, instance, args.workers)
    workloads: dict = {}
    try:
        if args.from_instance:
            # Iterating on the harness: a copy of an instance generate.py made (SQLite), with its counts.
            shutil.copytree(args.from_instance, instance, dirs_exist_ok=True)
            counts = json.loads((instance / "counts.json").read_text(encoding="utf-8"))
        else:
            counts = generate_into(args, instance, database_url, env)
        print(f"  generated: {counts}", flush=True)
        server.start()
        port = server.port
        n_candidates = counts["candidates"]
        picks = sorted({1 + (i * n_candidates) // 16 for i in range(16)})
        browsers = [sign_in(port, candidate_email(n)) for n in picks]
        print(f"  signed in {len(browsers)} candidates; workers {server.pids}", flush=True)
        common = {"clients": args.clients, "deadline_s": args.deadline}

        def page(path):
            def one(i):
                reply = request(port, "GET", path, headers=browsers[i % len(browsers)].header())
                return reply, reply.status == 200

            return one

        # W0: the floor. wrk drives /ping (and W1's page, alternating); the Python pass gives p50/p95.
        ping = measure("W0 /ping", page("/ping"), count=args.ping_requests, warmup=50, **common)
        ping["ratio_to_w0"] = 1.0
        from bench.loadgen import INSTALL_HINT, wrk_path

        wrk = None
        if wrk_path() is None:
            print(f"  W0: FAIL - {INSTALL_HINT}", flush=True)
            ping["not_measured"] = {"floor_errors": INSTALL_HINT}
            ping["floor_source"] = "none: requests_per_s is the Python client's, not the floor"
        else:
            wrk = wrk_floor(port, browsers, instance, args)
            ping["wrk"] = wrk["W0"]
            ping["python_client_requests_per_s"] = ping["requests_per_s"]
            ping["requests_per_s"] = wrk["W0"]["requests_per_s"]
            ping["floor_errors"] = wrk["W0"]["errors"] + wrk["W1"]["errors"]
            ping["floor_source"] = "wrk"
        workloads["W0"] = ping

        for wid, path in (("W1", "/study/CCQ/M01"), ("W2", "/")):
            if not wanted(wid):
                continue
            w = measure(f"{wid} {path}", page(path), count=args.page_requests, warmup=20, **common)
            w["path"] = path
            w["queries_constant"] = len(w["queries_seen"]) == 1
            if wid == "W1":
                w["python_client_requests_per_s"] = w["requests_per_s"]
                if wrk is None:
                    w["not_measured"] = {"ratio_to_w0": "wrk is missing: no ratio without the real floor"}
                else:
                    w["wrk"] = wrk["W1"]
                    w["requests_per_s"] = wrk["W1"]["requests_per_s"]
                    w["errors"] += wrk["W1"]["errors"]
                    w["ratio_to_w0"] = wrk["W1"]["requests_per_s"] / wrk["W0"]["requests_per_s"]
                    w["ratio_note"] = "wrk requests/s of the module page / wrk requests/s of /ping, same run"
                    print(f"  W1 ratio to W0 (wrk/wrk): {w['ratio_to_w0']:.4f}", flush=True)
            workloads[wid] = w

        if wanted("W3"):
            deep = 100 if counts["submissions_waiting_in_queue"] >= 10_000 else 20
            queue_count = max(20, args.page_requests // 3)
            w3 = more.w3_queue(port, counts["queue_assessor"], depth=deep, count=queue_count, common=common)
            w3["waiting"] = counts["submissions_waiting_in_queue"]
            w3["queries_constant"] = len(w3["queries_seen"]) == 1
            w3["offset_statements"] = more.w3_offset_statements(env, counts["queue_assessor"], w3["paths"])
            w3["not_measured"] = {
                "l_over_m": "needs a tier L run given the tier M run's JSON (--tier L --compare-m M.json)"
            }
            workloads["W3"] = w3
        if wanted("W4"):
            fresh = server.start()
            report_rows = counts["candidates"] + 3  # the demo's three candidates are in the cohort too
            w4 = more.w4_report(
                server.port, counts["cohort_id"], report_rows, count=args.report_requests, common=common
            )
            w4.update(memory_report(fresh, server.memory(), w4["html"]["requests"] + w4["csv"]["requests"]))
            print(f"  W4 worker RSS +{w4['rss_growth_mb']:.2f} MB from fresh", flush=True)
            workloads["W4"] = w4
        if wanted("W5"):
            rng = random.Random(args.seed)
            workloads["W5"] = w5_upload(server, browsers, pdf_payload(rng), instance, args)
        if wanted("W6"):
            server.start()
            w6 = more.w6_signoff(
                server.port,
                counts["queue_assessor"],
                counts["w6_assessments"],
                seed=args.seed,
                database_url=env["DATABASE_URL"],
            )
            w6["other_status_count"] = sum(w6["other_statuses"].values())
            workloads["W6"] = w6
        pool = mix.MarkingPool(env["DATABASE_URL"], counts["queue_assessor"])
        payload = pdf_payload(random.Random(args.seed + 1))
        if wanted("W8"):
            workloads["W8"] = mix.w8_burst(server, env, counts, payload, pool, args)
        if wanted("W7"):
            workloads["W7"] = mix.w7_mix(server, env, counts, payload, pool, args)
        for wid in WORKLOAD_IDS:
            if wid not in workloads:
                workloads[wid] = {
                    "status": "not run",
                    "reason": f"left out by --only {','.join(sorted(only))}",
                }
        return {
            "database": database,
            "generated": counts,
            "gunicorn": {"workers": args.workers, "worker_class": "sync", "threads": 1},
            "workloads": {k: workloads[k] for k in sorted(workloads)},
        }
    finally:
        server.stop()
        if args.keep:
            print(f"bench: kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def compare_with_m(workloads: dict, tier_m: dict, database: str) -> None:
    """W3's p95 at L over its p95 at M on the same database (from the M run's JSON), unrounded; left as not
    measured when either run lacks W3 on that database."""
    w3 = workloads.get("W3")
    m_w3 = tier_m.get("runs", {}).get(database, {}).get("workloads", {}).get("W3") or {}
    if not w3 or w3.get("status") is not None or not m_w3.get("p95_ms") or w3.get("p95_ms") is None:
        return
    w3["m_p95_ms"] = m_w3["p95_ms"]
    w3["l_over_m"] = w3["p95_ms"] / m_w3["p95_ms"]
    w3.get("not_measured", {}).pop("l_over_m", None)


# PostgreSQL: a database of the run's own ----------------------------------------------------------------


def _pg_admin(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _pg_url(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


# Main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--database", default=None, help="an existing, empty database (default: SQLite)")
    parser.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL (a database of its own)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--pg-database", default=f"waymark_bench_{os.getpid()}", help="created and dropped")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (production: 4)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in the throughput pass")
    parser.add_argument("--ping-requests", type=int, default=1000)
    parser.add_argument("--page-requests", type=int, default=600)
    parser.add_argument("--uploads", type=int, default=30, help="W5 uploads in the alternating batches")
    parser.add_argument("--w5-rounds", type=int, default=3, help="W5: bare-store/upload batch pairs")
    parser.add_argument("--report-requests", type=int, default=20, help="W4 requests per pass")
    parser.add_argument("--wrk-seconds", type=float, default=10, help="each wrk run (W0, W1 alternate)")
    parser.add_argument("--wrk-rounds", type=int, default=2)
    parser.add_argument("--wrk-connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--w7-seconds", type=float, default=600, help="W7's mix (quality.md: 10 minutes)")
    parser.add_argument("--w7-users", type=int, default=50)
    parser.add_argument(
        "--w7-think", type=float, default=1.0, help="W7: mean seconds between a user's requests"
    )
    parser.add_argument("--w8-candidates", type=int, default=500)
    parser.add_argument("--w8-seconds", type=float, default=60, help="W8: the burst's window")
    parser.add_argument("--w8-markers", type=int, default=4, help="W8: assessor sessions marking meanwhile")
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds, per pass")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument(
        "--from-instance",
        default=None,
        help="copy this SQLite instance (made by generate.py, its output saved as counts.json) instead of "
        "generating; for working on the harness",
    )
    parser.add_argument("--no-analyse", action="store_true", help="generate without planner statistics")
    parser.add_argument(
        "--compare-m",
        default=None,
        help="with --tier L: a tier M run's JSON (same databases), for W3's 'p95 at L <= 1.5 x p95 at M'",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated workloads to run, e.g. W5 (the rest print as FAIL, not run)",
    )
    args = parser.parse_args(argv)
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    if only - set(WORKLOAD_IDS):
        parser.error(f"--only takes workload ids {', '.join(WORKLOAD_IDS)}")
    only = only | {"W0"} if only else only
    if not (1 <= args.clients <= 64):
        parser.error("--clients must be between 1 and 64")
    if not (1 <= args.workers <= 16):
        parser.error("--workers must be between 1 and 16")
    if args.both and args.database:
        parser.error("--both makes its own PostgreSQL database; leave out --database")
    tier_m = None
    if args.compare_m:
        tier_m = json.loads(Path(args.compare_m).read_text(encoding="utf-8"))
        if args.tier != "L" or tier_m.get("tier") != "M":
            parser.error("--compare-m compares a tier L run (--tier L) with a tier M run's JSON")

    started_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    runs: dict[str, dict] = {}
    if args.both:
        runs["sqlite"] = run_database(args, None, only)
        _pg_admin(args.pg_admin_url, f'CREATE DATABASE "{args.pg_database}"')
        try:
            runs["postgresql"] = run_database(args, _pg_url(args.pg_admin_url, args.pg_database), only)
        finally:
            _pg_admin(args.pg_admin_url, f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
    else:
        run = run_database(args, args.database, only)
        runs[run["database"]] = run
    if tier_m is not None:
        for name, run in runs.items():
            compare_with_m(run["workloads"], tier_m, name)
    summaries = {name: check_targets(run["workloads"], args.tier) for name, run in runs.items()}
    print(f"bench: tier {args.tier}, {args.workers} sync gunicorn workers (1 thread each)")
    table = print_table(summaries)
    failed = sum(r["result"] != "pass" for rows in summaries.values() for r in rows)
    results = {
        "tier": args.tier,
        "databases": list(runs),
        "workers": args.workers,
        "worker_class": "sync",
        "threads": 1,
        "started_at": started_at,
        "load_average_at_end": os.getloadavg(),
        "sign_ins_answered_503": len(SIGN_IN_503),
        **({"only": sorted(only)} if only else {}),
        "all_targets_pass": failed == 0,
        "targets_failed_or_not_run": failed,
        "table": table,
        "runs": runs,
    }
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"bench: wrote {out}; {failed} target(s) failed or not run", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
