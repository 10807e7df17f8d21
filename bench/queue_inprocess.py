"""W3's three pages timed in one process, per request.

`python bench/queue_inprocess.py INSTANCE [DATABASE_URL]` prints, per page, the minimum and median wall
(`perf_counter`) and CPU (`process_time`) milliseconds, the median time inside `cursor.execute`, the
statements per request and, with `--statements`, each statement's median. The app is built as run.py serves
it (`bench_env`, WAYMARK_BENCH, `gc.freeze()` as wsgi.py) on a database generate.py made; the Flask test
client signs in through the login form as the queue's assessor. Not a target check (run.py is): for finding
where a page's time goes, before and after a change."""

from __future__ import annotations

import argparse
import gc
import html
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUEUE_ASSESSOR = "bench-assessor001@bench.example"


def _pages(client, depth: int) -> dict[str, str]:
    """W3's pages (bench/workloads.py w3_queue): the deep one by following Next `depth` times."""
    from bench.workloads import _NEXT

    path = "/assessors/queue"
    for _ in range(depth):
        found = _NEXT.search(client.get(path).get_data())
        if not found:
            raise SystemExit(f"no next page after {path}")
        path = html.unescape(found.group(1).decode())
    return {
        "first": "/assessors/queue",
        "filtered_sorted": "/assessors/queue?kind=resubmission&module=M03&sort=newest",
        "deep": path,
    }


class _Statements:
    """The statements of a request and the time each spent in cursor.execute."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.seen: list[tuple[str, float]] = []
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, cursor, *_args) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, _conn, cursor, statement, *_args) -> None:
        began = self._started.pop(id(cursor), time.perf_counter())
        self.seen.append((" ".join(statement.split())[:100], time.perf_counter() - began))


def _measure(client, url: str, statements: _Statements, count: int, warmup: int, each: bool) -> dict:
    for _ in range(warmup):
        client.get(url)
    wall, cpu, sql, queries = [], [], [], []
    per: dict[str, list[float]] = {}
    for _ in range(count):
        statements.seen.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        reply = client.get(url)
        reply.get_data()
        c1, w1 = time.process_time(), time.perf_counter()
        if reply.status_code != 200:
            raise SystemExit(f"{url}: HTTP {reply.status_code}")
        wall.append((w1 - w0) * 1000)
        cpu.append((c1 - c0) * 1000)
        sql.append(sum(t for _, t in statements.seen) * 1000)
        queries.append(len(statements.seen))
        for text, took in statements.seen:
            per.setdefault(text, []).append(took * 1000)
    out = {
        "wall_min_ms": round(min(wall), 1),
        "wall_median_ms": round(statistics.median(wall), 1),
        "cpu_min_ms": round(min(cpu), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "sql_median_ms": round(statistics.median(sql), 1),
        "queries": sorted(set(queries)),
    }
    if each:
        out["statements_median_ms"] = {k: round(statistics.median(v), 2) for k, v in per.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", help="the instance folder generate.py made")
    parser.add_argument("database", nargs="?", default=None, help="its database URL (default: SQLite in it)")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--depth", type=int, default=100, help="Next links followed for the deep page")
    parser.add_argument("--email", default=QUEUE_ASSESSOR)
    parser.add_argument("--statements", action="store_true", help="each statement's median too")
    args = parser.parse_args(argv)

    from bench.generate import BENCH_PASSWORD, bench_env
    from bench.sqlcheck import signed_in

    os.environ.update(bench_env(Path(args.instance), args.database))
    os.environ["WAYMARK_BENCH"] = "1"
    from core.app import create_app
    from core.extensions import db

    app = create_app()
    gc.freeze()  # as wsgi.py
    client = signed_in(app, args.email, BENCH_PASSWORD)
    pages = _pages(client, args.depth)
    with app.app_context():
        statements = _Statements(db.engine)
    results = {
        name: _measure(client, url, statements, args.count, args.warmup, args.statements)
        for name, url in pages.items()
    }
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
