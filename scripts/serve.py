"""How the site is served and published: the one place the `datasette serve`
and `datasette publish fly` command lines are built (from site/settings.json
and the versions pinned in requirements.txt). `make serve`, `make publish`,
the tests, the load test and the benchmark all use it.

Usage:
    python -m scripts.serve serve [--host 127.0.0.1] [--port 8001]
    python -m scripts.serve publish [--app NAME] [--generate-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.package import DB_NAME, ROOT, Package

SITE = ROOT / "site"
PLUGINS = SITE / "plugins"
TEMPLATES = SITE / "templates"
STATIC = SITE / "static"
# Served at /assets/ (the pages' script and the favicon's source).
STATIC_MOUNT = ("assets", STATIC)
SETTINGS = json.loads((SITE / "settings.json").read_text(encoding="utf-8"))
BUILD = ROOT / "build"
# What the published site installs, at the versions pinned in requirements.txt.
SITE_PACKAGES = ["datasette", "datasette-vega", "datasette-dashboards", "datasette-atom",
                 "uvloop", "httptools"]


def site_args() -> list[str]:
    """The templates, static files and plugins every way of serving uses."""
    return ["--plugins-dir", str(PLUGINS), "--template-dir", str(TEMPLATES),
            "--static", f"{STATIC_MOUNT[0]}:{STATIC_MOUNT[1]}"]


def setting_args() -> list[str]:
    out = []
    for key, value in SETTINGS.items():
        out += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return out


def serve_command(db: Path, metadata: Path, port: int, inspect: Path | None = None,
                  host: str = "127.0.0.1") -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "-m", str(metadata),
           *site_args(), "-h", host, "-p", str(port)]
    if inspect:
        cmd += ["--inspect-file", str(inspect)]
    return cmd + setting_args()


def pinned(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    out = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            out[name.lower()] = version.split(";")[0].strip()
    return out


def publish_command(db: Path, metadata: Path, app: str, generate_dir: Path | None = None) -> list[str]:
    versions = pinned()
    cmd = [sys.executable, "-m", "datasette", "publish", "fly", str(db), "-m", str(metadata),
           *site_args()]
    for name in SITE_PACKAGES:
        cmd += ["--install", f"{name}=={versions[name]}"]
    cmd += ["--version-note", Package(ROOT / "datapackage.json").version, *setting_args(),
            "--app", app]
    if generate_dir:
        cmd += ["--generate-dir", str(generate_dir)]
    return cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.serve",
                                     description="Serve or publish the built site.")
    parser.add_argument("--db", default=str(BUILD / DB_NAME))
    parser.add_argument("--metadata", default=str(BUILD / "metadata.json"))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--inspect", default=str(BUILD / "inspect.json"))
    publish = sub.add_parser("publish", help="deploy to Fly.io (needs flyctl and a login)")
    publish.add_argument("--app", default=Package(ROOT / "datapackage.json").name)
    publish.add_argument("--generate-dir", help="write the app to this folder, deploy nothing")
    args = parser.parse_args(argv)
    if args.command == "serve":
        cmd = serve_command(Path(args.db), Path(args.metadata), args.port,
                            Path(args.inspect), args.host)
    else:
        gen = Path(args.generate_dir) if args.generate_dir else None
        cmd = publish_command(Path(args.db), Path(args.metadata), args.app, gen)
    print("==> " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
