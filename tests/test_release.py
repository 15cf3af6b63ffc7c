"""Releases: a reproducible, self-validating zip; version discipline; change reports;
the publish dry run."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import release
from scripts.package import ROOT, Package

VERSION = Package(ROOT / "datapackage.json").version


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> tuple[Path, Path]:
    a = release.make_zip(ROOT, tmp_path_factory.mktemp("a"))
    b = release.make_zip(ROOT, tmp_path_factory.mktemp("b"))
    return a, b


def test_release_zip_is_reproducible(zips):
    a, b = zips
    assert a.name == f"open-weights-lag-{VERSION}.zip"
    assert a.read_bytes() == b.read_bytes()
    line = (a.parent / f"{a.name}.sha256").read_text(encoding="utf-8")
    assert line == f"{hashlib.sha256(a.read_bytes()).hexdigest()}  {a.name}\n"


def test_release_zip_contents(zips, package):
    with zipfile.ZipFile(zips[0]) as zf:
        names = zf.namelist()
        prefix = f"open-weights-lag-{VERSION}/"
        expected = {prefix + p for p in ["datapackage.json", "open-weights-lag.db", "README.md",
                                          "LICENSE", "CITATION.cff", "CHANGELOG.md"]}
        expected |= {prefix + r.relpath for r in package.resources.values()}
        expected |= {f"{prefix}parquet/{name}.parquet" for name in package.resources}
        assert set(names) == expected
        assert names == sorted(names)
        descriptor = json.loads(zf.read(prefix + "datapackage.json"))
        assert len(descriptor["resources"]) == 2 * len(package.resources)
        for res in descriptor["resources"]:
            data = zf.read(prefix + res["path"])
            if res.get("format") != "parquet":
                assert data == (ROOT / res["path"]).read_bytes()
            assert res["bytes"] == len(data)
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert {i.date_time for i in zf.infolist()} == {
            tuple(int(x) for x in package.as_of.split("-")) + (0, 0, 0)}


def test_release_zip_validates_with_frictionless(zips):
    assert release.validate_zip(zips[0]) == []


def test_parquet_copies_are_typed_from_the_schema(zips, package, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with zipfile.ZipFile(zips[0]) as zf:
        zf.extractall(tmp_path)
    root = tmp_path / f"open-weights-lag-{VERSION}"
    events = pq.read_table(root / "parquet" / "events.parquet")
    assert events.schema.field("date").type == pa.date32()
    rows = list(csv.DictReader((ROOT / "data" / "events.csv").open(encoding="utf-8", newline="")))
    assert events.num_rows == len(rows)
    grok = [r for r in events.to_pylist() if r["model_id"] == "grok-1" and r["event_type"] == "weights_open"]
    assert len(grok) == 1 and str(grok[0]["date"]) == "2024-03-17" and grok[0]["variant"] is None
    licenses = pq.read_table(root / "parquet" / "licenses.parquet")
    assert licenses.schema.field("osi_approved").type == pa.bool_()
    mit = [r for r in licenses.to_pylist() if r["license_id"] == "MIT"][0]
    assert mit["osi_approved"] is True
    for res in package.resources.values():
        table = pq.read_table(root / "parquet" / f"{res.name}.parquet")
        assert table.column_names == res.field_names


def test_a_tampered_zip_fails_its_hashes(zips, tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(zips[0]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data/licenses.csv"):
                data = data.replace(b"MIT", b"MIX", 1)
            dst.writestr(info, data)
    problems = release.validate_zip(bad)
    assert any("hash-count" in p for p in problems), problems


# ------------------------------------------------------------ version discipline

@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of what the version check reads: descriptor, data, releases, citation, changelog."""
    for name in ("datapackage.json", "CITATION.cff", "CHANGELOG.md", ".zenodo.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    # Record the copy's current state as released, so each test starts from a clean release.
    release.write_record(tmp_path, release.snapshot(Package(tmp_path / "datapackage.json")))
    return tmp_path


def set_version(repo: Path, version: str, date: str | None = None) -> None:
    d = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    date = date or d["as_of"]
    d["version"] = version
    (repo / "datapackage.json").write_text(json.dumps(d, indent=2) + "\n", encoding="utf-8")
    cff = (repo / "CITATION.cff").read_text(encoding="utf-8")
    cff = "\n".join(f"version: {version}" if l.startswith("version:") else
                    f'date-released: "{date}"' if l.startswith("date-released:") else l
                    for l in cff.split("\n"))
    (repo / "CITATION.cff").write_text(cff, encoding="utf-8")
    zenodo = json.loads((repo / ".zenodo.json").read_text(encoding="utf-8"))
    (repo / ".zenodo.json").write_text(json.dumps({**zenodo, "version": version}), encoding="utf-8")
    log = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    head, rest = log.split("\n## ", 1)
    (repo / "CHANGELOG.md").write_text(f"{head}\n## [{version}] - {date}\n\n- test\n\n## {rest}",
                                       encoding="utf-8")


def edit_csv(repo: Path, name: str, change) -> None:
    path = repo / "data" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def released(repo: Path) -> str:
    return release.released_versions(repo)[-1]


def test_the_repository_passes_its_version_check():
    assert release.check(ROOT) == []


def test_a_changed_value_without_a_bump_fails(repo):
    set_version(repo, released(repo))  # pretend nothing was bumped since the release

    def change(rows):
        rows[0]["notes"] = rows[0]["notes"] + " (checked again)"
        return rows

    edit_csv(repo, "models", change)
    problems = release.check(repo)
    assert any("changed since release" in p and "patch bump is needed" in p for p in problems), problems


def test_added_rows_need_a_minor_bump(repo):
    last = release.parse_version(released(repo))

    def add(rows):
        rows.append({**rows[-1], "license_id": "Zzz-Test-1.0", "name": "Test licence"})
        return rows

    edit_csv(repo, "licenses", add)
    set_version(repo, f"{last[0]}.{last[1]}.{last[2] + 1}")
    problems = release.check(repo)
    assert any("is a patch bump, but the change needs a minor bump" in p for p in problems), problems
    set_version(repo, f"{last[0]}.{last[1] + 1}.0")
    assert release.check(repo) == []


def test_a_released_slug_may_not_disappear(repo):
    last = release.parse_version(released(repo))
    gone = release.load_release(repo, released(repo))["resources"]["organizations"]["rows"]
    victim = sorted(gone)[-1]
    edit_csv(repo, "organizations", lambda rows: [r for r in rows if r["organization_id"] != victim])
    set_version(repo, f"{last[0] + 1}.0.0")
    problems = release.check(repo)
    assert f"organizations slug '{victim}' was released in {released(repo)} and has disappeared" in problems


def test_citation_and_changelog_must_agree(repo):
    set_version(repo, released(repo))
    cff = (repo / "CITATION.cff").read_text(encoding="utf-8").replace(
        f"version: {released(repo)}", "version: 9.9.9")
    (repo / "CITATION.cff").write_text(cff, encoding="utf-8")
    problems = release.check(repo)
    assert any(p.startswith("version disagrees") and "CITATION.cff 9.9.9" in p for p in problems)


def test_zenodo_metadata_must_agree_with_the_release(repo):
    assert release.check(repo) == []
    zenodo = json.loads((repo / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["version"] == VERSION and zenodo["license"] == "cc-by-4.0"
    assert zenodo["upload_type"] == "dataset"
    bad = {**zenodo, "version": "9.9.9", "license": "mit", "creators": [{"name": "Someone"}]}
    (repo / ".zenodo.json").write_text(json.dumps(bad), encoding="utf-8")
    problems = " | ".join(release.check(repo))
    assert ".zenodo.json version 9.9.9 is not" in problems
    assert ".zenodo.json license mit disagrees" in problems
    assert "creators ['Someone'] differ from CITATION.cff authors ['open-weights-lag contributors']" in problems


def test_a_lower_version_fails(repo):
    set_version(repo, "0.0.1")
    assert any("is lower than the released" in p for p in release.check(repo))


def test_schema_changes_are_classified():
    old = {"fields": [{"name": "a", "type": "string", "constraints": {"enum": ["x", "y"]}},
                      {"name": "b", "type": "integer"}], "primaryKey": ["a"]}

    def variant(**changes):
        new = json.loads(json.dumps(old))
        for f in new["fields"]:
            f.update(changes.get(f["name"], {}))
        return new

    def levels(new):
        return {lvl for lvl, _ in release.compare_schema("t", old, new)}

    assert levels(variant(b={"type": "string"})) == {"major"}
    assert levels(variant(a={"constraints": {"enum": ["x"]}})) == {"major"}
    assert levels(variant(a={"constraints": {"enum": ["x", "y", "z"]}})) == {"minor"}
    assert levels(variant(b={"constraints": {"required": True}})) == {"major"}
    assert levels(variant(b={"description": "new words"})) == {"patch"}
    removed = {"fields": old["fields"][:1], "primaryKey": ["a"]}
    assert levels(removed) == {"major"}
    added = {"fields": old["fields"] + [{"name": "c", "type": "string"}], "primaryKey": ["a"]}
    assert levels(added) == {"minor"}
    assert release.effective("major", "0.3.0") == "minor"
    assert release.effective("major", "1.1.0") == "major"


def test_changes_report_lists_rows_field_by_field(repo, capsys):
    base = released(repo)
    last = release.parse_version(base)

    def change(rows):
        for r in rows:
            if r["model_id"] == "grok-1" and r["event_type"] == "weights_open":
                r["notes"] = "changed note"
        return rows

    edit_csv(repo, "events", change)
    set_version(repo, f"{last[0]}.{last[1]}.{last[2] + 1}")
    assert release.main(["changes", "--base", str(repo)]) == 0
    out = capsys.readouterr().out
    assert f"Changes from {base} to {last[0]}.{last[1]}.{last[2] + 1}" in out
    assert "~ grok-1|2024-03-17|weights_open|" in out
    assert "-> 'changed note'" in out
    assert "smallest version bump needed: patch" in out
    assert release.main(["changelog", "--base", str(repo)]) == 0
    section = capsys.readouterr().out
    assert section.startswith(f"## [{last[0]}.{last[1]}.{last[2] + 1}] - ")
    assert "### Changed" in section and "events rows corrected (fields: notes)" in section


# ------------------------------------------------------------ publishing

def test_publish_dry_run_generates_the_same_site(tmp_path):
    out = tmp_path / "app"
    subprocess.run([sys.executable, "-m", "scripts.serve", "publish", "--generate-dir", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    dockerfile = (out / "Dockerfile").read_text(encoding="utf-8")
    pins = {l.split("==")[0].lower(): l.strip() for l in
            (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines() if "==" in l}
    for pkg in ("datasette", "datasette-vega", "datasette-dashboards", "datasette-atom"):
        assert pins[pkg] in dockerfile, pkg
    settings = json.loads((ROOT / "site" / "settings.json").read_text(encoding="utf-8"))
    for key in settings:
        assert f"--setting {key} " in dockerfile, key
    assert "-i open-weights-lag.db" in dockerfile
    assert "--plugins-dir plugins/" in dockerfile
    assert (out / "plugins" / "hardening.py").read_bytes() == \
        (ROOT / "site" / "plugins" / "hardening.py").read_bytes()
    assert json.loads((out / "metadata.json").read_text(encoding="utf-8")) == \
        json.loads((ROOT / "build" / "metadata.json").read_text(encoding="utf-8"))
    assert (out / "open-weights-lag.db").read_bytes() == (ROOT / "build" / "open-weights-lag.db").read_bytes()
    assert 'app = "open-weights-lag"' in (out / "fly.toml").read_text(encoding="utf-8")
