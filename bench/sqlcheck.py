"""Every SQL statement a signed-in person's pages run, in this process (the app with the bench's database):
`python bench/sqlcheck.py EMAIL PATH...` prints {"statements": n, "offset": k, "offset_samples": [...]}.

run.py uses it for W3's "no OFFSET scans": the queue's pages (first, filtered, a deep page reached by the
cursor) are requested through the Flask test client and every statement the engine sends is read."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def offset_of(statement: str, parameters) -> int:
    """The OFFSET a statement skips (0 when it has none). SQLAlchemy writes `LIMIT ? OFFSET ?` with an offset
    of 0 for every LIMIT on SQLite, which skips nothing; the bound value is what counts."""
    total = 0
    for found in OFFSET.finditer(statement):
        tail = statement[found.end() :].lstrip()
        if tail[:1].isdigit():
            total += int(re.match(r"\d+", tail).group(0))
        elif tail.startswith("?"):
            index = statement[: found.end()].count("?")  # the markers before this one
            total += int(parameters[index] or 0)
        elif tail.startswith("%("):
            total += int(parameters[tail[2 : tail.index(")")]] or 0)
        else:
            total += 1  # an expression: counted, to be looked at
    return total


def signed_in(app, email: str, password: str):
    """A Flask test client signed in through the login form (bench/queue_inprocess.py uses it too)."""
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login",
        data={
            "csrf_token": token.group(1) if token else "",
            "next": "",
            "email": email,
            "password": password,
        },
    )
    if reply.status_code != 302:
        raise SystemExit(f"sign-in of {email} failed: HTTP {reply.status_code}")
    return client


def main(argv: list[str]) -> int:
    from sqlalchemy import event

    from bench.generate import BENCH_PASSWORD
    from core.app import create_app
    from core.extensions import db

    email, paths = argv[0], argv[1:]
    app = create_app()
    client = signed_in(app, email, BENCH_PASSWORD)
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    offsets: list[str] = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        seen.append(statement)
        if offset_of(statement, parameters):
            offsets.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    for path in paths:
        reply = client.get(path)
        if reply.status_code != 200:
            raise SystemExit(f"{path}: HTTP {reply.status_code}")
    event.remove(engine, "before_cursor_execute", keep)
    with_offset = offsets
    print(
        json.dumps(
            {
                "statements": len(seen),
                "offset": len(with_offset),
                "offset_samples": [s[:300] for s in with_offset[:3]],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
