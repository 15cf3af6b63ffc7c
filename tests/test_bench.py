"""The benchmark's synthetic packages are valid and shaped like the real data."""
from __future__ import annotations

import csv

from scripts import pipeline
from scripts.package import Package
from scripts.tools import bench


def test_synthetic_package_is_valid_and_proportionate(tmp_path):
    counts = bench.generate(600, tmp_path)
    assert pipeline.errors(pipeline.validate(tmp_path / "datapackage.json")) == []
    pkg = Package(tmp_path / "datapackage.json")
    for name, res in pkg.resources.items():
        with res.path.open(encoding="utf-8", newline="") as f:
            assert sum(1 for _ in csv.reader(f)) - 1 == counts[name], name
    assert 560 <= counts["events"] <= 600
    assert counts["models"] == int(600 * bench.PER_EVENT["models"])


def test_floor_script_creates_every_table(tmp_path):
    bench.generate(100, tmp_path)
    script = bench.floor_script(Package(tmp_path / "datapackage.json"), tmp_path / "f.db")
    for name in ("organizations", "models", "event_types", "events", "licenses", "pledges"):
        assert f"CREATE TABLE [{name}]" in script
        assert f" {name}\n" in script


def test_serving_benchmark_binds_every_parameter_of_every_query():
    """Each canned query gets a value for each of its :parameters and nothing
    from inside a string literal (new_open_weights has 'tag:open-...')."""
    from scripts.metadata import canned_queries, named_parameters

    queries = canned_queries()
    assert named_parameters(queries["still_closed"]) == ["from_rank", "organization", "modality"]
    assert named_parameters(queries["new_open_weights"]) == []
    assert named_parameters("select ':x', :y, :y, '' || :z") == ["y", "z"]
    assert bench.serve_params(queries["model_history"]) == {"model": "grok-2"}
    assert bench.serve_params(queries["release_lags"]) == {"from_rank": "", "organization": ""}
