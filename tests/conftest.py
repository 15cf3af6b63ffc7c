"""Shared fixtures: a freshly built database and a Datasette instance serving it."""
from __future__ import annotations

import asyncio
import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from scripts import build as builder
from scripts import metadata as metadata_gen
from scripts.package import DB_NAME, DESCRIPTOR, ROOT, Package
from scripts import serve as site_server
from scripts.serve import SETTINGS as SITE_SETTINGS
from scripts.serve import SITE

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


@pytest.fixture(scope="session")
def live_site(built_db, served_metadata_file, tmp_path_factory):
    """A real Datasette process on 127.0.0.1 serving the built database; yields its base URL."""
    log = tmp_path_factory.mktemp("serve") / "datasette.log"
    proc, base = site_server.start(built_db, served_metadata_file, log)
    yield base
    site_server.stop(proc)
