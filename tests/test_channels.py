"""The channels data people use: the README's pandas, DuckDB and sqlite3
examples run against a freshly built release, and the Hugging Face dataset
folder loads with the `datasets` library as a user would load it."""
from __future__ import annotations

import contextlib
import io
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from scripts import hf_dataset, release
from scripts.package import ROOT, Package
from tests.helpers import read_csv

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = dict(re.findall(r"<!-- example: (\w+) -->\n```python\n(.*?)```", README, re.S))


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    with zipfile.ZipFile(release.make_zip(ROOT, out)) as zf:
        zf.extractall(out / "unzipped")
    return next((out / "unzipped").iterdir())


def run_example(name: str, folder: Path) -> tuple[dict, str]:
    namespace: dict = {}
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(EXAMPLES[name], f"README.md example {name}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace, printed.getvalue()


def test_readme_has_the_three_examples():
    assert sorted(EXAMPLES) == ["duckdb", "pandas", "sqlite3"]


def test_pandas_example_counts_open_models_per_organization(release_dir):
    ns, printed = run_example("pandas", release_dir)
    conn = sqlite3.connect(release_dir / "open-weights-lag.db")
    expected = dict(conn.execute("select organization_id, count(*) from model_lags "
                                 "where open_weights_date is not null group by organization_id"))
    conn.close()
    assert ns["per_organization"].to_dict() == expected
    assert ns["per_organization"]["alibaba"] > 10
    assert "alibaba" in printed


def test_duckdb_example_counts_open_weights_releases(release_dir):
    ns, _ = run_example("duckdb", release_dir)
    events = read_csv("events")
    families = {r["license_id"]: r["family"] or None for r in read_csv("licenses")}
    expected: dict[tuple, int] = {}
    for e in events:
        if e["event_type"] == "weights_open":
            key = (int(e["date"][:4]), families[e["license_id"]])
            expected[key] = expected.get(key, 0) + 1
    assert {(y, f): n for y, f, n in ns["per_year"]} == expected


def test_sqlite3_example_lists_the_longest_lags(release_dir):
    ns, printed = run_example("sqlite3", release_dir)
    longest = ns["longest"]
    assert len(longest) == 10
    assert [r[4] for r in longest] == sorted((r[4] for r in longest), reverse=True)
    assert printed.count("\n") == 10


def test_hugging_face_folder_loads_with_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    folder = hf_dataset.build(tmp_path / "hf")
    card = (folder / "README.md").read_text(encoding="utf-8")
    pkg = Package(ROOT / "datapackage.json")
    assert card.startswith("---\nlicense: cc-by-4.0\n")
    assert f"version = {{{pkg.version}}}" in card
    events = datasets.load_dataset(str(folder), "events", split="train",
                                   cache_dir=str(tmp_path / "cache"))
    assert events.num_rows == len(read_csv("events"))
    grok = events.filter(lambda r: r["model_id"] == "grok-1" and r["event_type"] == "weights_open")
    assert grok.num_rows == 1
    assert str(grok[0]["date"]) == "2024-03-17" and grok[0]["license_id"] == "Apache-2.0"
    models = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / "cache"))
    assert models.num_rows == len(read_csv("models"))  # the default configuration
    for name in pkg.resources:
        assert (folder / "data" / f"{name}.parquet").exists()
        assert f"config_name: {name}\n" in card
