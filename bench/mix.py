"""W7 (the 10-minute mix) and W8 (the deadline burst): many people at once through real HTTP, on fresh
gunicorn workers in the production configuration; driven by run.py.

- W7: `--w7-users` (50) people, each a thread that picks its next request by quality.md's weights (70% the
  module page, 15% the dashboard or the assessor queue, 8% a 5 MiB upload, 5% the cohort report, 2% an
  assessor marking a submission: start, open, complete) and then waits a random think time (exponential,
  mean `--w7-think`, 1 s). Errors, per-kind p50/p95, and each worker's memory: growth from the end of the
  first tenth of the run (the warm-up) to the end, <= 3%; growth from fresh is reported too.
- W8: `--w8-candidates` (500) candidates, each with a module they may submit (no attempt yet, nothing
  unconfirmed mapped to it), signed in beforehand; in a window of `--w8-seconds` (60) each, at a random
  moment of its first 80%, uploads a 5 MiB file mapped to one of the module's criteria (the gap view's
  link: `?criterion=`), opens the review and submits. Meanwhile `--w8-markers` sessions of the queue's
  assessor start and complete waiting submissions. Then the database is read: every acknowledged
  submission there exactly once with its one audit row (0 lost, 0 duplicated).
"""

from __future__ import annotations

import html
import random
import re
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote_plus

from bench.generate import candidate_email
from bench.run import Browser, Reply, csrf_token, percentile, request, sign_in, upload, uploaded
from bench.server import Server, memory_report
from bench.workloads import _VERSION, DEMO_PASSWORD, LEADER, judged_met, sign_in_staff

W7_WEIGHTS = {"W1": 70, "W2": 7.5, "W3": 7.5, "W5": 8, "W4": 5, "W6": 2}
_CONFIRM = re.compile(rb'<input[^>]*name="confirm_gaps"[^>]*>')
_VALUE = re.compile(rb'value="([^"]*)"')


def _engine(database_url: str):
    from sqlalchemy import create_engine

    return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))


class MarkingPool:
    """Submissions waiting in the queue's assessor's queue with no assessment yet: each marked once."""

    def __init__(self, database_url: str, assessor_email: str) -> None:
        self.database_url = database_url
        self.assessor_email = assessor_email
        self.lock = threading.Lock()
        self.ids: list[int] | None = None

    def take(self) -> int | None:
        with self.lock:
            if self.ids is None:
                self.ids = self._load()
            return self.ids.pop() if self.ids else None

    def _load(self) -> list[int]:
        from sqlalchemy import text

        engine = _engine(self.database_url)
        with engine.connect() as conn:
            ids = list(
                conn.scalars(
                    text(
                        "SELECT s.id FROM submissions s "
                        "JOIN assessor_allocations al ON al.candidate_id = s.candidate_id "
                        "AND al.cohort_id = s.cohort_id JOIN users u ON u.id = al.assessor_id "
                        "WHERE u.email = :email AND s.status = 'submitted' AND s.marking_started_at IS NULL "
                        "AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.submission_id = s.id) "
                        "ORDER BY s.id DESC"
                    ),
                    {"email": self.assessor_email},
                )
            )
        engine.dispose()
        return ids


def mark_one(port: int, browser: Browser, submission_id: int) -> tuple[list[tuple[str, Reply]], str]:
    """An assessor starts marking a waiting submission, opens it and completes it ("achieved", every
    criterion met). The replies, and "" or what went wrong."""
    done: list[tuple[str, Reply]] = []
    body = f"csrf_token={quote_plus(browser.csrf)}".encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    start = request(
        port,
        "POST",
        f"/assessors/submissions/{submission_id}/start",
        body=body,
        headers={**browser.header(), **form_type},
    )
    done.append(("start", start))
    where = start.headers.get("Location") or ""
    if start.status != 302 or "/assessors/assessments/" not in where:
        return done, f"start {submission_id}: HTTP {start.status}"
    path = "/" + where.split("://", 1)[-1].split("/", 1)[1] if "://" in where else where
    page = request(port, "GET", path, headers=browser.header())
    done.append(("open", page))
    version = _VERSION.search(page.body)
    if page.status != 200 or version is None:
        return done, f"open {path}: HTTP {page.status}"
    form = {
        "csrf_token": csrf_token(page.body),
        "version": version.group(1).decode(),
        "feedback_md": "Marked during the benchmark.",
        "decision": "achieved",
        "action": "complete",
        **{f"vacs_{n}": "yes" for n in ("valid", "authentic", "current", "sufficient")},
        **judged_met(page.body),
    }
    encoded = "&".join(f"{k}={quote_plus(v)}" for k, v in form.items()).encode()
    complete = request(port, "POST", path, body=encoded, headers={**browser.header(), **form_type})
    done.append(("complete", complete))
    if complete.status != 302:
        return done, f"complete {path}: HTTP {complete.status}"
    return done, ""


class Tally:
    """Latencies per kind of request, errors (with the first few reasons), thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.reasons: list[str] = []

    def add(self, kind: str, reply: Reply | None) -> None:
        if reply is not None:
            with self.lock:
                self.ms[kind].append(reply.ms)

    def error(self, kind: str, reason: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.reasons) < 10:
                self.reasons.append(f"{kind}: {reason}")

    def by_kind(self) -> dict:
        return {
            kind: {
                "requests": len(ms),
                "p50_ms": percentile(ms, 50),
                "p95_ms": percentile(ms, 95),
                "errors": self.errors.get(kind, 0),
            }
            for kind, ms in sorted(self.ms.items())
        }


def _sign_in_many(port: int, emails: list[str], threads: int = 4) -> list[Browser]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda email: sign_in(port, email), emails))


# W8 -----------------------------------------------------------------------------------------------------


def _burst_pairs(database_url: str, count: int, seed: int) -> list[dict]:
    """Candidates with a module they may submit now: studying it, no attempt yet, nothing unconfirmed
    mapped to it; one module each, `count` of them chosen with the seed. With the module's first criterion."""
    from sqlalchemy import text

    engine = _engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.candidate_id, u.email, e.module_code, e.module_id FROM module_enrolments e "
                "JOIN users u ON u.id = e.candidate_id "
                "WHERE u.email LIKE 'bench-candidate%' AND e.status = 'active' AND e.family = 'CCQ' "
                "AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.candidate_id = e.candidate_id "
                "  AND s.family = e.family AND s.module_code = e.module_code) "
                "AND NOT EXISTS (SELECT 1 FROM criterion_mappings m "
                "  JOIN evidence_items i ON i.id = m.item_id "
                "  WHERE i.candidate_id = e.candidate_id AND m.family = e.family "
                "  AND m.module_code = e.module_code AND i.anonymised_at IS NULL AND i.deleted_at IS NULL) "
                "ORDER BY e.candidate_id, e.module_code"
            )
        ).all()
        first_ref = {}
        for module_id in {r.module_id for r in rows}:
            first_ref[module_id] = conn.scalar(
                text(
                    "SELECT ac.ref FROM assessment_criteria ac "
                    "JOIN learning_outcomes lo ON lo.id = ac.outcome_id "
                    "WHERE lo.module_id = :m ORDER BY lo.position, ac.position LIMIT 1"
                ),
                {"m": module_id},
            )
    engine.dispose()
    per_candidate: dict[int, dict] = {}
    for r in rows:
        per_candidate.setdefault(
            r.candidate_id,
            {
                "candidate_id": r.candidate_id,
                "email": r.email,
                "code": r.module_code,
                "ref": first_ref[r.module_id],
            },
        )
    pairs = list(per_candidate.values())
    random.Random(seed).shuffle(pairs)
    return pairs[:count]


def _submit_journey(port: int, browser: Browser, pair: dict, payload: bytes, tally: Tally) -> int | None:
    """Upload mapped to the criterion, open the review, submit: the new submission's id, or None."""
    criterion = quote_plus(f"CCQ/{pair['ref']}")
    reply = upload(port, browser, payload, f"&criterion={criterion}")
    tally.add("upload", reply)
    if not uploaded(reply):
        tally.error("upload", f"{pair['email']}: HTTP {reply.status}")
        return None
    path = f"/portfolio/submissions/new/CCQ/{pair['code']}"
    review = request(port, "GET", path, headers=browser.header())
    tally.add("review", review)
    if review.status != 200:
        tally.error("review", f"{pair['email']}: HTTP {review.status}")
        return None
    box = _CONFIRM.search(review.body)
    confirm = _VALUE.search(box.group(0)).group(1).decode() if box and _VALUE.search(box.group(0)) else ""
    form = {"csrf_token": csrf_token(review.body), "statement": "", "confirm_gaps": html.unescape(confirm)}
    body = "&".join(f"{k}={quote_plus(v)}" for k, v in form.items()).encode()
    submit = request(
        port,
        "POST",
        path,
        body=body,
        headers={**browser.header(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    tally.add("submit", submit)
    where = submit.headers.get("Location") or ""
    found = re.search(r"/portfolio/submissions/(\d+)", where)
    if submit.status != 302 or found is None:
        tally.error("submit", f"{pair['email']} {pair['code']}: HTTP {submit.status}")
        return None
    return int(found.group(1))


def w8_burst(server: Server, env: dict, counts: dict, payload: bytes, pool: MarkingPool, args) -> dict:
    pairs = _burst_pairs(env["DATABASE_URL"], args.w8_candidates, args.seed)
    print(
        f"  W8: {len(pairs)} candidates with a module to submit (of {args.w8_candidates} wanted)", flush=True
    )
    fresh = server.start()
    port = server.port
    browsers = _sign_in_many(port, [p["email"] for p in pairs])
    markers = [sign_in_staff(port, counts["queue_assessor"]) for _ in range(args.w8_markers)]
    fresh_memory = server.memory()
    tally = Tally()
    acknowledged: dict[int, int] = {}  # candidate -> submission id
    rng = random.Random(args.seed)
    window = args.w8_seconds
    starts = sorted(rng.uniform(0, 0.8 * window) for _ in pairs)
    jobs = list(zip(starts, pairs, browsers, strict=True))
    lock = threading.Lock()
    late: list[float] = []
    ended: list[float] = []
    burst_done = threading.Event()
    marked = [0]
    began = time.monotonic()

    def candidate_worker():
        while True:
            with lock:
                if not jobs:
                    return
                at, pair, browser = jobs.pop(0)
            wait = began + at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                with lock:
                    late.append(-wait)
            try:
                sid = _submit_journey(port, browser, pair, payload, tally)
            except OSError as exc:
                tally.error("connection", repr(exc))
                sid = None
            with lock:
                ended.append(time.monotonic() - began)
                if sid is not None:
                    acknowledged[pair["candidate_id"]] = sid

    def marker(browser: Browser):
        while not burst_done.is_set():
            sid = pool.take()
            if sid is None:
                return
            try:
                replies, problem = mark_one(port, browser, sid)
            except OSError as exc:
                replies, problem = [], repr(exc)
            for kind, reply in replies:
                tally.add(f"marking {kind}", reply)
            if problem:
                tally.error("marking", problem)
            else:
                with lock:
                    marked[0] += 1

    marker_threads = [threading.Thread(target=marker, args=(b,), daemon=True) for b in markers]
    for t in marker_threads:
        t.start()
    threads = [threading.Thread(target=candidate_worker, daemon=True) for _ in range(min(100, len(pairs)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=window * 10 + 120)
    burst_done.set()
    for t in marker_threads:
        t.join(timeout=120)
    finished = max(ended) if ended else None
    check = _burst_check(env["DATABASE_URL"], pairs, acknowledged)
    memory = memory_report(
        {pid: m["VmRSS"] for pid, m in fresh_memory.items()}, server.memory(), tally_requests(tally)
    )
    memory["memory_from"] = "each worker after the sign-ins, before the burst"
    memory["fresh_rss_mb"] = fresh
    kinds = tally.by_kind()
    out = {
        "candidates": len(pairs),
        "wanted": args.w8_candidates,
        "window_s": window,
        "finished_s": finished,
        "acknowledged": len(acknowledged),
        "marked_meanwhile": marked[0],
        "marker_sessions": len(markers),
        "late_starts": len(late),
        "latest_start_s_behind": max(late) if late else 0.0,
        "p50_ms": kinds.get("submit", {}).get("p50_ms"),
        "p95_ms": kinds.get("submit", {}).get("p95_ms"),
        "submit_p95_ms": kinds.get("submit", {}).get("p95_ms"),
        "by_kind": kinds,
        "errors": sum(tally.errors.values()) + check["audit_problems"],
        "error_samples": tally.reasons,
        **check,
        **memory,
    }
    if not acknowledged:
        # Nothing was submitted: "0 lost, 0 duplicated" would be a pass about nothing.
        out["lost"] = out["duplicated"] = out["finished_s"] = None
        out["not_measured"] = dict.fromkeys(("lost", "duplicated", "finished_s"), "no submission was made")
    if len(pairs) < args.w8_candidates:
        out["note"] = (
            f"only {len(pairs)} generated candidates have a module they may submit at tier {counts['tier']} "
            "(the queue's candidates have every module waiting)"
        )
    print(
        f"  W8 burst: {len(pairs)} candidates, {len(acknowledged)} submitted, last done at "
        f"{finished if finished is None else round(finished, 1)} s; submit p50 {out['p50_ms'] or 0:.1f} ms, "
        f"p95 {out['p95_ms'] or 0:.1f} ms; lost {check['lost']}, duplicated {check['duplicated']}; "
        f"{marked[0]} marked meanwhile; errors {out['errors']} {tally.reasons[:2]}",
        flush=True,
    )
    return out


def tally_requests(tally: Tally) -> int:
    return sum(len(ms) for ms in tally.ms.values())


def _burst_check(database_url: str, pairs: list[dict], acknowledged: dict[int, int]) -> dict:
    """Read the database: each burst candidate's submissions of their module, and the audit rows."""
    from sqlalchemy import bindparam, text

    engine = _engine(database_url)
    ids = [p["candidate_id"] for p in pairs]
    code_of = {p["candidate_id"]: p["code"] for p in pairs}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, candidate_id, module_code FROM submissions WHERE candidate_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids or [0]},
        ).all()
        stored = defaultdict(list)
        for r in rows:
            if code_of.get(r.candidate_id) == r.module_code:
                stored[r.candidate_id].append(r.id)
        new_ids = [str(s) for v in stored.values() for s in v]
        audit = defaultdict(int)
        if new_ids:
            for object_id, n in conn.execute(
                text(
                    "SELECT object_id, count(*) FROM audit_events WHERE action = 'module_submitted' "
                    "AND object_id IN :ids GROUP BY object_id"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": new_ids},
            ):
                audit[object_id] = n
    engine.dispose()
    lost = sum(1 for cid, sid in acknowledged.items() if sid not in stored.get(cid, []))
    duplicated = sum(len(v) - 1 for v in stored.values() if len(v) > 1)
    unacknowledged = sum(1 for cid, v in stored.items() if v and cid not in acknowledged)
    audit_problems = sum(1 for s in new_ids if audit.get(s, 0) != 1)
    return {
        "stored": sum(len(v) for v in stored.values()),
        "lost": lost,
        "duplicated": duplicated,
        "stored_but_not_acknowledged": unacknowledged,
        "audit_problems": audit_problems,
    }


# W7 -----------------------------------------------------------------------------------------------------


def w7_mix(server: Server, env: dict, counts: dict, payload: bytes, pool: MarkingPool, args) -> dict:
    fresh = server.start()
    port = server.port
    n = counts["candidates"]
    users = args.w7_users
    picks = [candidate_email(1 + (i * n) // users) for i in range(users)]
    candidates = _sign_in_many(port, picks)
    assessors = [sign_in_staff(port, counts["queue_assessor"]) for _ in range(4)]
    leaders = [sign_in_staff(port, LEADER, DEMO_PASSWORD) for _ in range(2)]
    cohort = counts["cohort_id"]
    tally = Tally()
    ops = [0]
    lock = threading.Lock()
    kinds, weights = zip(*W7_WEIGHTS.items(), strict=True)
    duration = args.w7_seconds
    warm_at = max(5.0, duration / 10)
    samples: dict[str, dict] = {}
    began = time.monotonic()
    stop_at = began + duration
    skipped = [0]

    def get(kind: str, browser: Browser, path: str) -> None:
        reply = request(port, "GET", path, headers=browser.header())
        tally.add(kind, reply)
        if reply.status != 200:
            tally.error(kind, f"{path}: HTTP {reply.status}")

    def user(i: int) -> None:
        rng = random.Random(args.seed * 1000 + i)
        me = candidates[i]
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            try:
                if kind == "W1":
                    get(kind, me, "/study/CCQ/M01")
                elif kind == "W2":
                    get(kind, me, "/")
                elif kind == "W3":
                    path = rng.choice(
                        ["/assessors/queue", "/assessors/queue?kind=resubmission&module=M03&sort=newest"]
                    )
                    get(kind, rng.choice(assessors), path)
                elif kind == "W4":
                    get(kind, rng.choice(leaders), f"/cohorts/{cohort}/report" + rng.choice(["", ".csv"]))
                elif kind == "W5":
                    reply = upload(port, me, payload)
                    tally.add(kind, reply)
                    if not uploaded(reply):
                        tally.error(kind, f"upload: HTTP {reply.status}")
                elif kind == "W6":
                    sid = pool.take()
                    if sid is None:
                        with lock:
                            skipped[0] += 1
                    else:
                        replies, problem = mark_one(port, rng.choice(assessors), sid)
                        for _, reply in replies:
                            tally.add(kind, reply)
                        if problem:
                            tally.error(kind, problem)
            except OSError as exc:
                tally.error(kind, repr(exc))
            with lock:
                ops[0] += 1
            time.sleep(min(rng.expovariate(1 / args.w7_think) if args.w7_think > 0 else 0, 10))

    def sampler() -> None:
        time.sleep(max(0.0, began + warm_at - time.monotonic()))
        samples["warm"] = server.memory()

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 180)
    watcher.join(timeout=5)
    seconds = time.monotonic() - began
    end = server.memory()
    warm = samples.get("warm", {})
    growth_pct = {}
    for pid, now in end.items():
        before = warm.get(pid, {}).get("VmRSS")
        if before:
            growth_pct[str(pid)] = (now["VmRSS"] - before) / before * 100
    memory = memory_report(fresh, end, tally_requests(tally))
    requests = tally_requests(tally)
    by_kind = tally.by_kind()
    out = {
        "seconds": seconds,
        "users": users,
        "think_s_mean": args.w7_think,
        "weights_pct": W7_WEIGHTS,
        "requests": requests,
        "operations": ops[0],
        "requests_per_s": requests / seconds if seconds else 0.0,
        "by_kind": by_kind,
        "p95_ms": max((k["p95_ms"] for k in by_kind.values()), default=None),
        "errors": sum(tally.errors.values()),
        "error_samples": tally.reasons,
        "marking_skipped_no_work": skipped[0],
        "rss_growth_pct": max(growth_pct.values()) if growth_pct else None,
        "rss_growth_pct_by_worker": growth_pct,
        "rss_growth_pct_from": f"each worker's RSS at {warm_at:.0f} s (the first tenth: warm-up) to the end",
        **memory,
    }
    shown = ", ".join(
        f"{k} {v['requests']} req p50 {v['p50_ms']:.0f} p95 {v['p95_ms']:.0f} ms" for k, v in by_kind.items()
    )
    print(
        f"  W7 mix: {seconds:.0f} s, {users} users, {requests} requests ({out['requests_per_s']:.1f}/s), "
        f"errors {out['errors']} {tally.reasons[:2]}; {shown}; worker RSS growth after warm-up "
        f"{out['rss_growth_pct'] if out['rss_growth_pct'] is None else round(out['rss_growth_pct'], 2)}%, "
        f"from fresh +{memory['rss_growth_mb']:.1f} MB",
        flush=True,
    )
    return out
