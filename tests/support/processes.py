"""Servers a test runs as processes of their own (the app by `flask run`, the OpenID provider on Node.js):
a free local port for one, and the process, stopped whatever the test did."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(command: list[str], *, log, **popen) -> Iterator[subprocess.Popen]:
    """The command running, its output and errors written to `log`, until the block ends (then stopped, and
    killed if it does not stop within five seconds)."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)  # noqa: S603
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
