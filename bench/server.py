"""gunicorn for the benchmark: started with the production configuration (sync workers, as
docs/operations.md's unit runs them), its workers' memory read from /proc, restarted fresh for the workloads
whose memory is measured (so the first request's warm-up counts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (the peak since the process started), in MB."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(line.split()[1]) / 1024
    return out


def rss_mb(pid: int) -> float:
    return proc_status(pid)["VmRSS"]


class Server:
    """One gunicorn master with `workers` sync workers on a free port of 127.0.0.1.

    A worker is ready when bench/gunicorn_conf.py's post_worker_init hook has written its pid: the app is
    loaded, and no request has been served yet. `fresh()` records each worker's RSS at that moment."""

    def __init__(self, env: dict, instance: Path, workers: int) -> None:
        self.env = env
        self.instance = instance
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.pids: list[int] = []
        self.ready_dir = instance / "gunicorn-ready"
        self.starts = 0

    def start(self) -> dict[int, float]:
        """Start gunicorn; return each worker's RSS (MB) before its first request."""
        self.stop()
        self.starts += 1
        for f in self.ready_dir.glob("*"):
            f.unlink()
        self.ready_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        log = open(self.instance / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
        # This interpreter and fixed arguments; nothing comes from outside.
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "bench" / "gunicorn_conf.py"),
                "--workers",
                str(self.workers),
                "--bind",
                f"{HOST}:{self.port}",
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                # Two instances under one user would share ~/.gunicorn/gunicorn.ctl (docs/operations.md).
                "--no-control-socket",
                "wsgi:app",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                **self.env,
                "WAYMARK_BENCH": "1",
                "WAYMARK_BENCH_READY_DIR": str(self.ready_dir),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        stop_at = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < stop_at:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.instance}/gunicorn.log"
                )
            ready = [int(p.name) for p in self.ready_dir.glob("*") if p.name.isdigit()]
            if len(ready) >= self.workers:
                self.pids = sorted(ready)
                return {pid: rss_mb(pid) for pid in self.pids}
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn's {self.workers} workers were not ready within {READY_TIMEOUT_S} s")

    def memory(self) -> dict[int, dict[str, float]]:
        """Each worker's RSS and peak RSS now (MB); a worker that died or was replaced is reported as such."""
        out = {}
        for pid in self.pids:
            try:
                out[pid] = proc_status(pid)
            except OSError:
                out[pid] = {"VmRSS": float("nan"), "VmHWM": float("nan"), "gone": True}
        return out

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def memory_report(before: dict[int, float], after: dict[int, dict[str, float]], requests: int) -> dict:
    """Growth of each worker from its fresh start (before its first request) to now, and its peak.

    `rss_growth_mb` is the largest growth of any one worker (each sync worker serves one request at a time,
    so that is what one worker's requests left behind); `peak_growth_mb` the largest VmHWM over the fresh
    RSS (what a worker held at its worst moment, a request in flight included)."""
    per_worker = {}
    for pid, fresh in before.items():
        now = after.get(pid, {})
        per_worker[str(pid)] = {
            "fresh_mb": fresh,
            "after_mb": now.get("VmRSS"),
            "peak_mb": now.get("VmHWM"),
            "growth_mb": (now.get("VmRSS", float("nan")) - fresh),
            "peak_growth_mb": (now.get("VmHWM", float("nan")) - fresh),
            **({"gone": True} if now.get("gone") else {}),
        }
    growths = [w["growth_mb"] for w in per_worker.values()]
    peaks = [w["peak_growth_mb"] for w in per_worker.values()]
    return {
        "rss_growth_mb": max(growths) if growths else None,
        "rss_growth_mb_all_workers": sum(growths) if growths else None,
        "peak_growth_mb": max(peaks) if peaks else None,
        "rss_growth_mb_per_request": (sum(growths) / requests) if requests and growths else None,
        "workers_memory": per_worker,
        "memory_from": "each worker fresh (after loading the app, before its first request)",
    }
