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
