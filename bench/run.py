"""The benchmark (quality.md, "Workloads and targets"): generate a tier, serve it with one gunicorn worker,
measure W0-W6 (not W7) through real HTTP (W3, W4, W6 in workloads.py), write bench/results/latest.json.

    ./bench/run.sh --tier S
    ./bench/run.sh --tier M --clients 4
    ./bench/run.sh --tier S --database postgresql://postgres@127.0.0.1/waymark_bench   # an empty database

Every workload runs twice: once with one client (the latency pass: p50_ms, p95_ms) and once with
--clients concurrent clients (the throughput pass: requests_per_s, and its own p50/p95 under "loaded").
With one sync worker, latency under N clients is mostly queueing (about N x the service time), so the
targets on p95 are checked against the one-client pass. Every loop is bounded by a count and a deadline;
only 127.0.0.1 is used; gunicorn is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
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

HOST = "127.0.0.1"
LONDON = ZoneInfo("Europe/London")
UPLOAD_BYTES = 5 << 20
HTTP_TIMEOUT = 60
NOT_IMPLEMENTED = {
    "W7": "The 10-minute mix is not written yet (W3, W4 and W6 now exist).",
}
# quality.md targets (set for tier M, one worker); checked at every tier, labelled with the tier they are for.
TARGETS = {
    "W1": {"p95_ms": 25, "queries": 8, "ratio_to_w0": 0.15},
    "W2": {"p95_ms": 40, "queries": 10},
    "W5": {"ratio_to_w0": 0.65, "rss_growth_mb_per_request": 2.0},
    "W3": {"p95_ms": 50, "queries": 8},
    "W4": {"html_p95_ms": 300, "csv_p95_ms": 800, "rss_growth_mb": 30},
    "W6": {"lost_updates": 0, "server_errors": 0},
}


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


def log_in(port: int, email: str, password: str = BENCH_PASSWORD) -> Browser:
    """Sign in through the real login form (GET for token and cookie, POST); the browser keeps the session."""
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
    if reply.status != 302:
        raise RuntimeError(f"sign-in of {email} failed: HTTP {reply.status}")
    browser.keep(reply)
    return browser


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
            "requests_per_s": round(self.count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(_percentile(lat, 50), 2),
            "p95_ms": round(_percentile(lat, 95), 2),
            "errors": self.errors,
        }


def _percentile(values: list[float], pct: float) -> float:
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


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def measure(name, one, *, count, clients, deadline_s, worker_pid, warmup) -> dict:
    """The latency pass (one client), then the throughput pass (`clients`); RSS of the worker around both."""
    if warmup:
        run_pass(one, count=warmup, clients=1, deadline_s=deadline_s)
    rss_before = rss_mb(worker_pid)
    latency = run_pass(one, count=count, clients=1, deadline_s=deadline_s)
    loaded = run_pass(one, count=count, clients=clients, deadline_s=deadline_s)
    rss_after = rss_mb(worker_pid)
    queries = sorted(latency.queries | loaded.queries)
    out = {
        "requests_per_s": loaded.summary()["requests_per_s"],
        "p50_ms": latency.summary()["p50_ms"],
        "p95_ms": latency.summary()["p95_ms"],
        "queries": max(queries) if queries else None,
        "errors": latency.errors + loaded.errors,
        "ratio_to_w0": None,
        "rss_growth_mb": round(rss_after - rss_before, 2),
        "queries_seen": queries,
        "requests": latency.count + loaded.count,
        "latency_pass": latency.summary(),
        "loaded": loaded.summary(),
        "rss_mb": {"before": round(rss_before, 1), "after": round(rss_after, 1)},
    }
    if latency.first_error or loaded.first_error:
        out["first_error"] = latency.first_error or loaded.first_error
    if latency.timed_out or loaded.timed_out:
        out["stopped_at_deadline_s"] = deadline_s
    print(
        f"  {name}: p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, {out['requests_per_s']} req/s "
        f"({clients} clients), queries {queries}, errors {out['errors']}, RSS +{out['rss_growth_mb']} MB",
        flush=True,
    )
    return out


# W0: the bare 5 MiB store, in process -----------------------------------------------------------------


def pdf_payload(rng: random.Random) -> bytes:
    """A 5 MiB upload the upload check accepts as a PDF (header, then %%EOF near the end)."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    return head + rng.randbytes(UPLOAD_BYTES - len(head) - len(tail)) + tail


def unique(payload: bytes, n: int, salt: bytes) -> bytes:
    """The payload with a distinct 32-byte stamp after the header, so no two uploads share a blob."""
    stamp = (salt + n.to_bytes(8, "big")).ljust(32, b"\0")[:32]
    return payload[:9] + stamp + payload[9 + 32 :]


def bare_store(data_root: Path, payload: bytes, *, count: int, deadline_s: float) -> dict:
    from core.files.storage import FileStore

    store = FileStore(data_root / "bare-store")
    times = []
    stop_at = time.monotonic() + deadline_s
    for n in range(count):
        if time.monotonic() > stop_at:
            break
        data = io.BytesIO(unique(payload, n, b"bare"))
        started = time.perf_counter()
        store.put_stream(data, max_bytes=UPLOAD_BYTES)
        times.append((time.perf_counter() - started) * 1000)
    shutil.rmtree(store.root, ignore_errors=True)
    lat = sorted(times)
    total_s = sum(times) / 1000
    out = {
        "stores_per_s": round(len(times) / total_s, 1) if total_s else 0.0,
        "p50_ms": round(_percentile(lat, 50), 2),
        "p95_ms": round(_percentile(lat, 95), 2),
        "count": len(times),
        "size_mib": UPLOAD_BYTES >> 20,
    }
    print(f"  W0 store: {out['stores_per_s']}/s, p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms", flush=True)
    return out


# W5: uploads through the real form --------------------------------------------------------------------


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


# gunicorn ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def worker_pid(master: int, deadline_s: float = 30) -> int:
    stop_at = time.monotonic() + deadline_s
    while time.monotonic() < stop_at:
        children = []
        try:
            text = Path(f"/proc/{master}/task/{master}/children").read_text().split()
            children = [int(c) for c in text]
        except OSError:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                    except OSError:
                        continue
                    if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                        children.append(int(entry.name))
        if len(children) == 1:
            return children[0]
        time.sleep(0.2)
    raise RuntimeError("could not find the gunicorn worker")


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    # The command is this interpreter and fixed arguments; nothing comes from outside.
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "wsgi:app",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "WAYMARK_BENCH": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stop_at = time.monotonic() + 60
    while time.monotonic() < stop_at:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            if request(port, "GET", "/ping").status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /ping within 60 s")


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# Targets ----------------------------------------------------------------------------------------------


def check_targets(workloads: dict, tier: str) -> None:
    for wid, limits in TARGETS.items():
        w = workloads.get(wid)
        if not w or w.get("status"):
            continue
        checks = {}
        for key, limit in limits.items():
            value = w.get(key)
            if key == "ratio_to_w0":
                ok = value is not None and value >= limit
                checks[f"{key} >= {limit}"] = {"value": value, "pass": ok}
            else:
                ok = value is not None and value <= limit
                checks[f"{key} <= {limit}"] = {"value": value, "pass": ok}
        if wid == "W6":
            ok = w["completions"] == w["assessments"] and not w["other_statuses"]
            checks["one completion each, every conflict a 409"] = {"value": w["completions"], "pass": ok}
        if wid in ("W1", "W2", "W3"):
            checks["queries constant"] = {"value": w.get("queries_seen"), "pass": len(w["queries_seen"]) == 1}
        checks["errors == 0"] = {"value": w["errors"], "pass": w["errors"] == 0}
        w["targets"] = checks
        w["targets_pass"] = all(c["pass"] for c in checks.values())
        w["targets_are_for_tier"] = "M"
        if tier != "M":
            w["targets_note"] = f"quality.md sets these targets at tier M; this run is tier {tier}."


# Main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--database", default=None, help="an existing, empty database (default: SQLite)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in the throughput pass")
    parser.add_argument("--ping-requests", type=int, default=3000)
    parser.add_argument("--page-requests", type=int, default=600)
    parser.add_argument("--uploads", type=int, default=30)
    parser.add_argument("--report-requests", type=int, default=20, help="W4 requests per pass")
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds, per pass")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--no-analyse", action="store_true", help="generate without planner statistics")
    parser.add_argument(
        "--only", default="", help="comma-separated workloads to run, e.g. W5 (W0, the floor, always runs)"
    )
    args = parser.parse_args(argv)
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    if only - {"W0", "W1", "W2", "W3", "W4", "W5", "W6"}:
        parser.error("--only takes workload ids W0-W6")

    def wanted(wid: str) -> bool:
        return not only or wid in only

    if not (1 <= args.clients <= 64):
        parser.error("--clients must be between 1 and 64")

    started_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    instance = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    env = bench_env(instance, args.database)
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    print(f"bench: tier {args.tier}, {database}, instance {instance}", flush=True)
    proc = None
    try:
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
                *(["--database", args.database] if args.database else []),
                *(["--no-analyse"] if args.no_analyse else []),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if gen.returncode != 0:
            print(gen.stdout[-4000:], gen.stderr[-4000:], file=sys.stderr)
            raise RuntimeError("the generator failed")
        counts = json.loads(gen.stdout.strip().splitlines()[-1])
        print(f"  generated: {counts}", flush=True)

        port = free_port()
        proc = start_gunicorn(env, port, instance / "gunicorn.log")
        wpid = worker_pid(proc.pid)
        n_candidates = counts["candidates"]
        picks = sorted({1 + (i * n_candidates) // 16 for i in range(16)})
        browsers = [sign_in(port, candidate_email(n)) for n in picks]
        print(f"  signed in {len(browsers)} candidates; worker pid {wpid}", flush=True)

        common = {"clients": args.clients, "deadline_s": args.deadline, "worker_pid": wpid}
        workloads: dict = {}

        def page(path):
            def one(i):
                reply = request(port, "GET", path, headers=browsers[i % len(browsers)].header())
                return reply, reply.status == 200

            return one

        ping = measure("W0 /ping", page("/ping"), count=args.ping_requests, warmup=50, **common)
        rng = random.Random(args.seed)
        payload = pdf_payload(rng)
        store = bare_store(instance, payload, count=args.uploads, deadline_s=args.deadline)
        ping["ratio_to_w0"] = 1.0
        ping["store"] = store
        workloads["W0"] = ping

        for wid, path in (("W1", "/study/CCQ/M01"), ("W2", "/")):
            if not wanted(wid):
                continue
            w = measure(f"{wid} {path}", page(path), count=args.page_requests, warmup=20, **common)
            w["path"] = path
            w["ratio_to_w0"] = round(w["requests_per_s"] / ping["requests_per_s"], 3)
            workloads[wid] = w

        counter = iter(range(10**9))
        counter_lock = threading.Lock()

        def upload(_i):
            with counter_lock:
                n = next(counter)
            browser = browsers[n % len(browsers)]
            pieces, ctype = multipart(browser, payload, n)
            length = str(sum(len(p) for p in pieces))
            reply = request(
                port,
                "POST",
                "/portfolio/new?kind=file",
                body=pieces,
                headers={**browser.header(), "Content-Type": ctype, "Content-Length": length},
            )
            return reply, reply.status == 302 and "/portfolio/items/" in (reply.headers.get("Location") or "")

        if wanted("W5"):
            w5 = measure("W5 upload", upload, count=args.uploads, warmup=2, **common)
            w5["path"] = "POST /portfolio/new?kind=file"
            w5["ratio_to_w0"] = (
                round(w5["requests_per_s"] / store["stores_per_s"], 3) if store["stores_per_s"] else None
            )
            w5["rss_growth_mb_per_request"] = round(w5["rss_growth_mb"] / max(1, w5["requests"]), 3)
            w5["ratio_note"] = (
                "requests_per_s of uploads through gunicorn / stores_per_s of the bare store (W0)"
            )
            workloads["W5"] = w5

        from bench import workloads as more  # imported here: it uses this module's helpers

        if wanted("W3"):
            deep = 100 if counts["submissions_waiting_in_queue"] >= 10_000 else 20
            queue_count = max(20, args.page_requests // 3)
            w3 = more.w3_queue(port, counts["queue_assessor"], depth=deep, count=queue_count, common=common)
            w3["waiting"] = counts["submissions_waiting_in_queue"]
            workloads["W3"] = w3
        if wanted("W4"):
            report_rows = counts["candidates"] + 3  # the demo's three candidates are in the cohort too
            workloads["W4"] = more.w4_report(
                port, counts["cohort_id"], report_rows, count=args.report_requests, common=common
            )
        if wanted("W6"):
            workloads["W6"] = more.w6_signoff(
                port,
                counts["queue_assessor"],
                counts["w6_assessments"],
                seed=args.seed,
                database_url=env["DATABASE_URL"],
            )

        for wid, reason in NOT_IMPLEMENTED.items():
            if not only:
                workloads[wid] = {"status": "not_implemented", "reason": reason}
        check_targets(workloads, args.tier)
        workloads = {k: workloads[k] for k in sorted(workloads)}
        results = {
            "tier": args.tier,
            "database": database,
            "workers": 1,
            "started_at": started_at,
            **({"only": sorted(only | {"W0"})} if only else {}),
            "workloads": workloads,
        }
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"bench: wrote {out}", flush=True)
        for wid, w in workloads.items():
            if "targets" in w:
                failed = [k for k, c in w["targets"].items() if not c["pass"]]
                print(f"  {wid}: {'PASS' if not failed else 'FAIL ' + ', '.join(failed)}")
        return 0
    finally:
        stop_gunicorn(proc)
        if args.keep:
            print(f"bench: kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
