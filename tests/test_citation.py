"""Version and citation metadata agree across datapackage.json, CITATION.cff,
CHANGELOG.md and the README's citation."""
from __future__ import annotations

import re

import yaml

from scripts.package import ROOT


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def newest_changelog_entry() -> tuple[str, str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    m = re.search(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert m, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' entry"
    return m.group(1), m.group(2)


def test_citation_file_is_cff_1_2_dataset():
    cff = citation()
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    assert cff["license"] == "CC-BY-4.0"
    for key in ("title", "message", "authors", "abstract", "keywords", "version", "date-released"):
        assert cff[key], key
    assert all("name" in a or "family-names" in a for a in cff["authors"])


CFF_SCHEMA = ROOT / ".venv" / "cff-schema-1.2.0.json"


def test_citation_file_validates_against_the_cff_schema():
    """The equivalent of `cffconvert --validate`: the CFF 1.2.0 JSON schema (fetched by make test)."""
    import json

    import jsonschema

    assert CFF_SCHEMA.exists(), f"{CFF_SCHEMA} is missing: run `make test`, which fetches it"
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(citation())] == []
    broken = {**citation(), "type": "database", "license": "Not-A-Licence"}
    assert len(list(validator.iter_errors(broken))) == 2


def test_versions_and_dates_agree(package):
    cff = citation()
    version, date = newest_changelog_entry()
    assert str(cff["version"]) == package.version == version
    assert str(cff["date-released"]) == date
    assert date <= package.as_of


def test_readme_cites_current_version(package):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"version {package.version}, data as of" in readme.replace("\n> ", " ")
    assert f"version = {{{package.version}}}" in readme
    assert package.as_of in readme
