"""The one-pass check (scripts/load.py) against Frictionless, the judge of validity.

The fast path may decline a value Frictionless accepts (it then falls back to
the full validation), but it must never accept what Frictionless, or the
package's own rules, reject. These tests hold it to that on every bad-input
fixture, on mutated copies of the real package, and cell by cell."""
from __future__ import annotations

import csv
import io
import json
import random
import sqlite3

import pytest
from frictionless import Package as FPackage
from frictionless import Schema

from scripts import build as builder
from scripts import load
from scripts import validate as validation
from scripts.package import DESCRIPTOR, ROOT, Package

from tests.test_bad_input import CASES


def frictionless_errors(descriptor) -> set[tuple[str, int | None, str]]:
    """(resource, row, field) of every error Frictionless alone reports."""
    report = FPackage(str(descriptor)).validate(limit_errors=1000)
    found = set()
    for task in report.tasks:
        for error in task.errors:
            e = error.to_descriptor()
            found.add((task.name, e.get("rowNumber"), e.get("fieldName", "")))
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_fast_path_and_frictionless_agree_on_bad_input(case, package_copy, tmp_path):
    """Every fixture is declined by the fast path, and the report the build prints
    instead is the full validation's. Where Frictionless itself finds errors, the
    first problem reported is one of them (same file and row)."""
    case(package_copy)
    assert load.accepts(package_copy, tmp_path / "scratch.db") is False
    problems = validation.validate(package_copy)
    assert problems
    assert builder.build(package_copy, tmp_path / "out.db") == problems
    if case.__name__ in {"descriptor_not_json", "resource_path_missing", "resource_path_escapes",
                         "bad_as_of", "empty_file"}:
        return  # the descriptor or a file cannot be opened: nothing for Frictionless to read rows of
    errors = frictionless_errors(package_copy)
    first = problems[0]
    if errors and first.line is not None and not first.expected.startswith(
            ("starts with a UTF-8 byte-order mark", "carriage return", "blank line", "last line",
             "not UTF-8", "NUL byte", "expected column", "extra column", "missing column")):
        pkg = Package(package_copy)
        by_path = {r.relpath: r.name for r in pkg.resources.values()}
        assert (by_path[first.file], first.line) in {(r, n) for r, n, _ in errors}, (first, errors)


def test_fast_path_accepts_the_real_package(tmp_path):
    assert load.accepts(DESCRIPTOR, tmp_path / "scratch.db") is True
    assert frictionless_errors(DESCRIPTOR) == set()
    assert validation.validate(DESCRIPTOR) == []


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
    check = load.compile_field(field)
    judge = Schema.from_descriptor({"fields": [field]}).fields[0].create_cell_reader()
    accepted = 0
    for value in TRICKY + sample_values(resource, field["name"]):
        try:
            ours = check(value)
        except load.Reject:
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


def test_fast_path_agrees_with_full_validation_on_mutated_packages(package_copy, tmp_path):
    """Random cells of the real package set to tricky values: the fast path accepts
    exactly when the full validation (Frictionless and the rules) finds nothing,
    or declines a package the full validation accepts only for a spelling it
    does not take -- and then the build still succeeds through the slow path."""
    rng = random.Random(20261126)
    pkg = Package(package_copy)
    original = {name: res.path.read_bytes() for name, res in pkg.resources.items()}
    outcomes = {"both reject": 0, "both accept": 0, "fast declines, full accepts": 0}
    for trial in range(30):
        for name, res in pkg.resources.items():
            res.path.write_bytes(original[name])
        name = rng.choice(["organizations", "models", "events", "licenses", "pledges"])
        res = pkg[name]
        n_rows = original[name].count(b"\n") - 1
        column = rng.choice(res.field_names)
        value = rng.choice(TRICKY)
        rewrite_cell(res.path, rng.randrange(n_rows), column, value)
        fast = load.accepts(package_copy, tmp_path / "scratch.db")
        full = validation.validate(package_copy) == []
        assert not (fast and not full), (name, column, value)
        if fast:
            outcomes["both accept"] += 1
        elif full:
            outcomes["fast declines, full accepts"] += 1
            assert builder.build(package_copy, tmp_path / f"slow-{trial}.db") == []
        else:
            outcomes["both reject"] += 1
    assert outcomes["both reject"] > 0


def test_duplicate_key_with_empty_variant_is_declined(package_copy, tmp_path):
    """Frictionless counts two empty cells as equal in a primary key; SQLite's own
    constraint does not, so the fast path checks it separately."""
    path = package_copy.parent / "data" / "events.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    i = next(i for i, r in enumerate(body) if r[header.index("variant")] == "")
    body.insert(i + 1, list(body[i]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    assert load.accepts(package_copy, tmp_path / "scratch.db") is False
    problems = validation.validate(package_copy)
    assert any("duplicate primary key" in p.expected for p in problems)
    assert ("events", i + 3, "") in frictionless_errors(package_copy)


def test_fast_and_slow_loads_store_the_same_rows(tmp_path):
    """The one-pass load and the load after full validation give identical tables."""
    fast = tmp_path / "fast.db"
    assert builder.build(DESCRIPTOR, fast) == []
    slow = sqlite3.connect(tmp_path / "slow.db")
    import sqlite_utils

    builder.create_tables(sqlite_utils.Database(slow), Package(DESCRIPTOR))
    slow.commit()
    conn = sqlite3.connect(fast)
    for name in builder.LOAD_ORDER:
        a = conn.execute(f"select * from [{name}] order by rowid").fetchall()
        b = slow.execute(f"select * from [{name}] order by rowid").fetchall()
        assert a == b and a, name
