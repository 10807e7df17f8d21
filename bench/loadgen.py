"""wrk (Debian's `wrk` package, 4.1): the native load generator behind W0's floor and W1's ratio.

The Python client cannot drive /ping as fast as gunicorn answers it (1,100-1,300 a second against wrk's
2,300 from the same server), which flattered every ratio to W0. wrk's Lua script here sends each request
with one of the signed-in candidates' cookies in turn and counts every answer that is not a 200 (wrk itself
takes a 302 to the login page for a success)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

INSTALL_HINT = "wrk is missing: install it with `apt-get install wrk` (Debian 12 has wrk 4.1.0)."

SCRIPT = r"""
local cookies = {}
local n = 0
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for _, c in ipairs(args) do table.insert(cookies, c) end
end

function request()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(n % #cookies) + 1] end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not_200 = 0
  for _, t in ipairs(threads) do not_200 = not_200 + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "WAYMARK requests=%d duration_us=%d not_200=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
    "p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, not_200, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

_LINE = re.compile(r"^WAYMARK (.*)$", re.M)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str, *, seconds: float, connections: int, threads: int, cookies: list[str], folder: Path
) -> dict:
    """One wrk run against `url`; requests/s from wrk's own count and duration, latency in ms."""
    exe = wrk_path()
    if exe is None:
        raise FileNotFoundError(INSTALL_HINT)
    script = folder / "waymark-bench.lua"
    script.write_text(SCRIPT, encoding="ascii")
    # The executable found on PATH and arguments built here; the cookies are the server's own.
    done = subprocess.run(  # noqa: S603
        [
            exe,
            "--threads",
            str(threads),
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            url,
            "--",
            *cookies,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    found = _LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    raw = {k: int(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    seconds_run = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "seconds": seconds_run,
        "requests_per_s": raw["requests"] / seconds_run if seconds_run else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "not_200": raw["not_200"],
        "socket_errors": socket_errors,
        "errors": raw["not_200"] + socket_errors,
        "connections": connections,
        "threads": threads,
    }
