"""Shared fixtures: a freshly built database and a Datasette instance serving it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from scripts import metadata as metadata_gen
from scripts import pipeline
from scripts import serve as site_server
from scripts.package import DB_NAME, DESCRIPTOR, Package
from tests.helpers import DATA, make_app_client, read_csv, write_small_package


@pytest.fixture(scope="session")
def package() -> Package:
    return Package(DESCRIPTOR)


@pytest.fixture(scope="session")
def tables(package) -> dict[str, list[dict]]:
    return {name: read_csv(name) for name in package.resources}


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("build") / DB_NAME
    problems = pipeline.errors(pipeline.build(DESCRIPTOR, db))
    assert problems == [], "\n".join(map(str, problems))
    return db


@pytest.fixture(scope="session")
def served_metadata(package, built_db) -> dict:
    hand_written = yaml.safe_load(metadata_gen.METADATA_YML.read_text(encoding="utf-8"))
    return metadata_gen.generate(package, hand_written, built_db)


@pytest.fixture(scope="session")
def served_metadata_file(served_metadata, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("site") / "metadata.json"
    path.write_text(json.dumps(served_metadata), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def client(built_db, served_metadata):
    c = make_app_client(built_db, served_metadata)
    yield c
    c.close()


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


@pytest.fixture(scope="session")
def small_package(tmp_path_factory) -> Path:
    """The small package (tests/helpers.py), written once per session."""
    return write_small_package(tmp_path_factory.mktemp("small") / "package")


@pytest.fixture
def small_copy(small_package, tmp_path) -> Path:
    """A writable copy of the small package; returns the path of its datapackage.json."""
    shutil.copytree(small_package.parent, tmp_path / "package")
    return tmp_path / "package" / "datapackage.json"
