"""The descriptor: package metadata, and constraints on every field."""
from __future__ import annotations

import re

from scripts import pipeline
from scripts.package import DESCRIPTOR

RESOURCES = ["organizations", "models", "components", "event_types", "events", "licenses",
             "deadline_readings", "pledges", "policy_models", "component_checks"]


def test_package_metadata(package):
    d = package.descriptor
    assert d["name"] == "open-weights-lag"
    assert d["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert re.fullmatch(r"\d+\.\d+\.\d+", d["version"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["as_of"])
    assert [lic["name"] for lic in d["licenses"]] == ["CC-BY-4.0"]
    for key in ("title", "description", "sources", "contributors", "keywords"):
        assert d[key], key
    assert sorted(package.resources) == sorted(RESOURCES)


def test_every_field_has_type_and_description(package):
    for res in package.resources.values():
        assert res.descriptor["description"]
        for field in res.fields:
            assert field["type"] in {"string", "integer", "number", "boolean", "date"}, field
            assert len(field.get("description", "")) > 10, (res.name, field["name"])


def test_closed_lists_are_enums(package):
    enums = {
        ("event_types", "licence"): 3,
        ("event_types", "weights"): 4,
        ("component_checks", "status"): 2,
        ("events", "date_precision"): 3,
        ("organizations", "kind"): 5,
        ("models", "modality"): 10,
        ("licenses", "commercial_use"): 3,
        ("licenses", "family"): 6,
    }
    for (res, field), n in enums.items():
        assert len(package[res].field(field)["constraints"]["enum"]) == n


def test_urls_and_slugs_have_patterns(package):
    for res in package.resources.values():
        for field in res.fields:
            if field["name"] in ("source_url", "website", "url"):
                assert field["constraints"]["pattern"].startswith("https://")
            if field["name"].endswith("_id"):
                assert "pattern" in field.get("constraints", {}), (res.name, field["name"])


def test_keys(package):
    assert package["events"].primary_key == ["model_id", "date", "event_type", "variant"]
    for name in RESOURCES:
        assert package[name].primary_key
    fks = {
        (name, fk["fields"][0], fk["reference"]["resource"])
        for name in RESOURCES
        for fk in package[name].foreign_keys
    }
    assert fks == {
        ("models", "organization_id", "organizations"),
        ("events", "model_id", "models"),
        ("events", "license_id", "licenses"),
        ("licenses", "duplicate_of", "licenses"),
        ("events", "event_type", "event_types"),
        ("event_types", "component", "components"),
        ("component_checks", "model_id", "models"),
        ("component_checks", "component", "components"),
        ("pledges", "follows_pledge_id", "pledges"),
        ("pledges", "deadline_reading", "deadline_readings"),
        ("policy_models", "pledge_id", "pledges"),
        ("policy_models", "model_id", "models"),
        ("policy_models", "successor_model_id", "models"),
        ("pledges", "organization_id", "organizations"),
        ("pledges", "model_id", "models"),
    }


def test_real_package_is_valid():
    problems = pipeline.errors(pipeline.validate(DESCRIPTOR))
    assert problems == [], "\n".join(map(str, problems))


def test_frictionless_itself_accepts_the_package():
    """Frictionless stays the judge: its own validation of the package passes."""
    from frictionless import Package

    report = Package(str(DESCRIPTOR)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
