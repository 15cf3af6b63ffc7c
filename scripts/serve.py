"""How the site is served: the one `datasette serve` command line used by
`make serve`'s tests, the load test and the benchmark (the Makefile builds the
same line from site/settings.json)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.package import ROOT

SITE = ROOT / "site"
SETTINGS = json.loads((SITE / "settings.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(db: Path, metadata: Path, port: int, inspect: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "-m", str(metadata),
           "--plugins-dir", str(SITE / "plugins"), "-h", "127.0.0.1", "-p", str(port)]
    if inspect:
        cmd += ["--inspect-file", str(inspect)]
    for key, value in SETTINGS.items():
        cmd += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return cmd


def start(db: Path, metadata: Path, log: Path, inspect: Path | None = None,
          timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """Start Datasette on a free port of 127.0.0.1; returns the process and its base URL."""
    port = free_port()
    out = log.open("w")
    proc = subprocess.Popen(serve_command(db, metadata, port, inspect), stdout=out,
                            stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"datasette did not start; see {log}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
