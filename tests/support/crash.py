"""Crash tests (F1, F2): run a script in a child interpreter at the project root, wait until it says it has
reached the moment to test, then kill -9 it, as a power cut or an OOM kill would."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def kill_when_it_says(script: str, args: list[str], expected: str) -> None:
    """Run `script` with `args`; its first line of output must start with `expected`; then SIGKILL it."""
    child = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith(expected), line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()


class SlowReader(io.RawIOBase):
    """For a child script: a stream that reads `fh` 64 KiB at a time and, once `stop_at` bytes have gone,
    prints "AT <bytes sent>" and hangs, which is the moment the test kills it."""

    def __init__(self, fh, stop_at: int):
        self.fh, self.stop_at, self.sent = fh, stop_at, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent >= self.stop_at:
            print("AT", self.sent, flush=True)
            time.sleep(60)
        data = self.fh.read(min(len(buffer), 64 * 1024))
        buffer[: len(data)] = data
        self.sent += len(data)
        return len(data)
