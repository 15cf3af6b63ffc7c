"""The cross-check against Epoch AI's catalogue: the scope, coverage and
date differences on a small reference file, and the consistency of the
committed snapshot with the package."""
from __future__ import annotations

import csv
import sqlite3

from scripts.tools import crosscheck
from tests.helpers import read_csv

FIELDS = ["model", "organization", "publication_date", "domain", "organization_categorization",
          "link", "model_accessibility", "model_id", "match", "match_notes"]


def _reference(tmp_path, rows: list[dict]):
    path = tmp_path / "epoch.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows([{k: r.get(k, "") for k in FIELDS} for r in rows])
    return path


def _row(model, date, model_id="", match="matched", notes="", domain="Language", kind="Industry"):
    return {"model": model, "publication_date": date, "domain": domain,
            "organization_categorization": kind, "model_id": model_id, "match": match,
            "match_notes": notes}


def test_scope_coverage_and_differences(tmp_path, built_db):
    conn = sqlite3.connect(built_db)
    grok1 = conn.execute("select first_public_date from model_dates where model_id = 'grok-1'").fetchone()[0]
    conn.close()
    path = _reference(tmp_path, [
        _row("Grok-1", grok1, "grok-1"),                                   # same day
        _row("Grok-2 far", "2020-01-01", "grok-2"),                        # differs, unexplained
        _row("Grok-1.5 far", "2020-01-01", "grok-1-5", notes="Epoch dates a later paper."),
        _row("Absent model", "2024-05-01", match="absent", domain="Language,Vision"),
        _row("Not a model", "2024-05-01", match="out of scope"),
        _row("A game agent", "2024-05-01", domain="Games"),                # outside the scope
        _row("Old model", "2018-06-01", "gpt-2"),                          # before 2019
        _row("University model", "2022-01-01", kind="Academia"),           # academia only
    ])
    rows = crosscheck.read_reference(path)
    assert [r["model"] for r in rows] == ["Grok-1", "Grok-2 far", "Grok-1.5 far", "Absent model",
                                         "Not a model"]
    conn = sqlite3.connect(built_db)
    result = crosscheck.compare(rows, conn)
    conn.close()
    assert (result["scope"], result["excluded"], result["counted"], result["matched"]) == (5, 1, 4, 3)
    assert result["by_year"]["2024"] == [1, 0]
    assert result["by_domain"]["Language"] == [4, 3]
    assert "Vision" not in result["by_domain"]
    diffs = {r["model"]: (days, explained) for r, _, days, explained in result["differences"]}
    assert set(diffs) == {"Grok-2 far", "Grok-1.5 far"}
    assert diffs["Grok-2 far"][1] is False and diffs["Grok-1.5 far"][1] is True
    assert [r["model"] for r in result["absent"]] == ["Absent model"]
    text = crosscheck.report(result)
    assert "3 of 4 in the package (75.0%)" in text and "(1 unexplained)" in text


def test_exit_status_follows_coverage_and_explanations(tmp_path, built_db, capsys):
    explained = _reference(tmp_path, [_row("Grok-1", "2023-11-03", "grok-1"),
                                      _row("Missing", "2024-01-01", match="absent")])
    assert crosscheck.main(["--db", str(built_db), "--reference", str(explained)]) == 0
    assert crosscheck.main(["--db", str(built_db), "--reference", str(explained),
                            "--min-coverage", "95"]) == 1
    assert "1 of 2 in the package (50.0%)" in capsys.readouterr().out


def test_committed_snapshot_agrees_with_the_package():
    models = {m["model_id"] for m in read_csv("models")}
    with crosscheck.REFERENCE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == FIELDS
    for r in rows:
        scoped = crosscheck.in_scope(r)
        assert (r["match"] != "") == scoped, r["model"]
        assert r["match"] in ("", "matched", "absent", "out of scope")
        assert (r["match"] == "matched") == (r["model_id"] != ""), r["model"]
        if r["model_id"]:
            assert r["model_id"] in models, r["model_id"]
        if r["match"] == "out of scope":
            assert r["match_notes"], r["model"]
