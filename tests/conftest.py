"""Shared fixtures: a freshly built database and a Datasette instance serving it."""
from __future__ import annotations

import asyncio
import csv
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from scripts import build as builder
from scripts import metadata as metadata_gen
from scripts.package import DB_NAME, DESCRIPTOR, ROOT, Package

DATA = ROOT / "data"


def read_csv(name: str) -> list[dict]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def package() -> Package:
    return Package(DESCRIPTOR)


@pytest.fixture(scope="session")
def tables() -> dict[str, list[dict]]:
    return {name: read_csv(name) for name in ("organizations", "models", "events", "licenses", "pledges")}


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("build") / DB_NAME
    problems = builder.build(DESCRIPTOR, db)
    assert problems == [], "\n".join(map(str, problems))
    return db


@pytest.fixture(scope="session")
def served_metadata(package, built_db) -> dict:
    hand_written = yaml.safe_load(metadata_gen.METADATA_YML.read_text(encoding="utf-8"))
    return metadata_gen.generate(package, hand_written, built_db)


class Client:
    """Synchronous wrapper around Datasette's internal test client."""

    def __init__(self, ds):
        self.ds = ds
        self.loop = asyncio.new_event_loop()

    def get(self, path: str):
        return self.loop.run_until_complete(self.ds.client.get(path))

    def post(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.post(path, **kwargs))


SITE = ROOT / "site"
SITE_SETTINGS = json.loads((SITE / "settings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def served_metadata_file(served_metadata, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("site") / "metadata.json"
    path.write_text(json.dumps(served_metadata), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def client(built_db, served_metadata):
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(built_db)], metadata=served_metadata,
                   settings=SITE_SETTINGS, plugins_dir=str(SITE / "plugins"))
    c = Client(ds)
    c.loop.run_until_complete(ds.invoke_startup())
    yield c
    c.loop.close()


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A writable copy of the real package; returns the path of its datapackage.json."""
    shutil.copy(DESCRIPTOR, tmp_path / "datapackage.json")
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "datapackage.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(db: Path, metadata: Path, port: int) -> list[str]:
    """The same `datasette serve` as `make serve`, on another port."""
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "-m", str(metadata),
           "--plugins-dir", str(SITE / "plugins"), "-h", "127.0.0.1", "-p", str(port)]
    for key, value in SITE_SETTINGS.items():
        cmd += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return cmd


@pytest.fixture(scope="session")
def live_site(built_db, served_metadata_file, tmp_path_factory):
    """A real Datasette process on 127.0.0.1 serving the built database; yields its base URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "datasette.log").open("w")
    proc = subprocess.Popen(serve_command(built_db, served_metadata_file, port),
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"datasette did not start; see {log.name}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
