"""The fast acceptor (scripts/accept.py) against Frictionless, the judge of validity.

The fast path may decline a value Frictionless accepts (the pipeline then loads
Frictionless's typed rows), but it must never accept what Frictionless rejects.
These tests hold it to that cell by cell and on mutated copies of the real
package."""
from __future__ import annotations

import csv
import io
import json
import random
import sqlite3

import pytest
from frictionless import Package as FPackage
from frictionless import Schema

from scripts import accept, checks, pipeline
from scripts.package import DESCRIPTOR, ROOT, Package


def frictionless_errors(descriptor) -> set[tuple[str, int | None, str]]:
    """(resource, row, field) of every error Frictionless alone reports."""
    report = FPackage(str(descriptor)).validate(limit_errors=1000)
    found = set()
    for task in report.tasks:
        for error in task.errors:
            e = error.to_descriptor()
            found.add((task.name, e.get("rowNumber"), e.get("fieldName", "")))
    return found


def fast_accepts(descriptor, scratch) -> bool:
    conn = pipeline.fast_load(scratch, Package(descriptor))
    if conn is None:
        return False
    conn.close()
    return True


def test_fast_path_accepts_the_real_package(tmp_path):
    # Frictionless's own verdict on it: tests/test_schema.py
    assert fast_accepts(DESCRIPTOR, tmp_path / "scratch.db") is True
    assert pipeline.errors(pipeline.validate(DESCRIPTOR)) == []


# Values that probe the edges of what Frictionless's field readers accept.
TRICKY = [
    "", " ", "x", " x", "x ", "\tx", "x\n", "-", "0", "1", "+1", "-1", "01", "1.0", "1.", ".5",
    "1e3", "1E3", "NaN", "nan", "inf", "-inf", "1_000", "1,000", "\u0661", "\uff11", "0.0001",
    "-0", "-0.0", "2100", "1799", "1800", "true", "True", "TRUE", "yes", "false", "0.5",
    "2024-02-29", "2023-02-29", "2024-1-5", "2024-01-5", "20240105", "2024-13-01", "0000-01-01",
    "2024-01-01T00:00:00", " 2024-01-01", "2024-01-01 ", "\u0662\u0660\u0662\u0664-01-01",
    "https://example.org/a", "https://example.org/a?b=c#d", "https://user:pw@example.org/",
    "https://user@example.org/", "https://", "https:// x", "http://example.org", "HTTPS://X.ORG",
    "https://example.org/\u00e9", "https://exa mple.org", "mailto:x@example.org", "example.org",
    "https://example.org\\path", "US", "us", "USA", "company", "Company", "text", "day",
    "weights_open", "Apache-2.0", "LicenseRef-x", "-bad", "grok-1", "grok--1", "grok-1.5",
    "Grok-1", "a" * 64, "a" * 65, "a" * 97, "a" * 2001,
]


def field_cases():
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        for field in res["schema"]["fields"]:
            yield pytest.param(res["name"], field, id=f"{res['name']}.{field['name']}")


@pytest.mark.parametrize("resource,field", list(field_cases()))
def test_cell_checks_never_accept_what_frictionless_rejects(resource, field):
    check = accept.compile_field(field)
    judge = Schema.from_descriptor({"fields": [field]}).fields[0].create_cell_reader()
    accepted = 0
    for value in TRICKY + sample_values(resource, field["name"]):
        try:
            ours = check(value)
        except accept.Reject:
            continue
        accepted += 1
        theirs, notes = judge(value)
        assert not notes, (value, notes)
        if theirs is None:
            assert ours is None, value
        elif field["type"] == "number":
            assert ours == float(theirs)
        elif field["type"] == "date":
            assert ours == theirs.isoformat()
        elif field["type"] == "boolean":
            assert ours == int(theirs)
        else:
            assert ours == theirs
    assert accepted >= 2  # the real values of the column pass


def sample_values(resource: str, column: str) -> list[str]:
    with (ROOT / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as f:
        values = [row[column] for row in csv.DictReader(f)]
    return sorted(set(values))[:40]


def rewrite_cell(path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[row + 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


@pytest.mark.parametrize("trial", range(8))
def test_fast_path_agrees_with_full_validation_on_mutated_packages(small_copy, tmp_path, trial):
    """A random cell of the small package (a few organizations' rows of the real
    one, tests/helpers.py) set to a tricky value (one seeded draw per
    trial): the fast path accepts only when Frictionless finds nothing, and when it
    declines a package Frictionless accepts (a spelling it does not take), the
    package still loads, from Frictionless's typed rows."""
    rng = random.Random(20261126 + trial)
    pkg = Package(small_copy)
    name = rng.choice(sorted(pkg.resources))
    res = pkg[name]
    n_rows = res.path.read_bytes().count(b"\n") - 1
    column = rng.choice(res.field_names)
    value = rng.choice(TRICKY)
    rewrite_cell(res.path, rng.randrange(n_rows), column, value)
    fast = fast_accepts(small_copy, tmp_path / "scratch.db")
    full = checks.check_schema(Package(small_copy)) == []
    assert not (fast and not full), (name, column, value)
    if full and not fast:
        conn, _ = pipeline.load(tmp_path / "slow.db", Package(small_copy))
        assert conn is not None
        conn.close()


def test_duplicate_key_with_empty_variant_is_declined(small_copy, tmp_path):
    """Frictionless counts two empty cells as equal in a primary key; SQLite's own
    constraint does not, so the fast path checks it separately."""
    path = small_copy.parent / "data" / "events.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    i = next(i for i, r in enumerate(body) if r[header.index("variant")] == "")
    body.insert(i + 1, list(body[i]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    assert fast_accepts(small_copy, tmp_path / "scratch.db") is False
    problems = pipeline.validate(small_copy)
    assert any("duplicate primary key" in p.expected for p in problems)
    assert ("events", i + 3, "") in frictionless_errors(small_copy)


def test_fast_and_slow_loads_store_the_same_rows(tmp_path):
    """The fast acceptor's load and the load of Frictionless's typed rows give identical tables."""
    pkg = Package(DESCRIPTOR)
    fast = pipeline.fast_load(tmp_path / "fast.db", pkg)
    slow = sqlite3.connect(tmp_path / "slow.db")
    pipeline._load(slow, pkg, lambda res: [list(checks.typed_rows(pkg, res))])
    for name in pkg.load_order():
        a = fast.execute(f"select * from [{name}] order by rowid").fetchall()
        b = slow.execute(f"select * from [{name}] order by rowid").fetchall()
        assert a == b and a, name
