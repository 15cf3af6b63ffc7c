"""Validate the data package: file hygiene, the Frictionless schema, then
cross-table rules a Table Schema cannot express.

Every problem is printed as one line:

    data/events.csv:12: date: '2024-02-30': expected a calendar date YYYY-MM-DD

that is file, line number (the header is line 1), column, offending value,
and what was expected. Exit status 1 when anything is wrong.

Usage: python -m scripts.validate [--full] [path/to/datapackage.json]

Without --full a valid package is accepted by the one-pass check of
scripts/load.py; with it, or when that check declines anything, Frictionless
validates every row and the report below is printed.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.package import DESCRIPTOR, Package, PackageError, Resource

# Event types that must name the licence they were released under.
LICENSED_EVENTS = {
    "weights_partial",
    "weights_gated",
    "weights_open",
    "code_inference",
    "code_training",
    "license_changed",
}
# Event types that make a model public (the first of them is its first public date).
PUBLIC_EVENTS = {
    "announced",
    "paper",
    "api",
    "product",
    "weights_partial",
    "weights_gated",
    "weights_open",
    "weights_leaked",
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.column is not None:
            parts.append(self.column)
        if self.value is not None:
            parts.append(_show(self.value))
        parts.append(self.expected)
        return ": ".join(parts)


def _show(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else str(value)
    shown = repr(text[:limit])
    if len(text) > limit:
        shown += f"... ({len(text)} characters)"
    return shown


# --------------------------------------------------------------------------
# Step 1: the bytes of each CSV file
# --------------------------------------------------------------------------


def check_file(res: Resource) -> list[Problem]:
    """UTF-8 without BOM, LF line endings, no NUL, header in schema order."""
    label = res.relpath
    raw = res.path.read_bytes()
    problems: list[Problem] = []
    if not raw:
        return [Problem(label, 1, None, None, "file is empty; expected a header line: "
                        + ",".join(res.field_names))]
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(label, 1, None, "\ufeff", "starts with a UTF-8 byte-order mark; "
                                "expected UTF-8 without BOM"))
    nul = raw.find(b"\x00")
    if nul >= 0:
        problems.append(Problem(label, raw.count(b"\n", 0, nul) + 1, None, "\\x00",
                                "NUL byte; expected text"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start:exc.end].hex(" ")
        problems.append(Problem(label, line, None, f"bytes {bad}", "not UTF-8; expected UTF-8 text"))
        return problems
    cr = text.find("\r")
    if cr >= 0:
        problems.append(Problem(label, text.count("\n", 0, cr) + 1, None, "\\r\\n" if
                                text[cr:cr + 2] == "\r\n" else "\\r",
                                "carriage return; expected LF (\\n) line endings"))
    if not text.endswith("\n"):
        problems.append(Problem(label, text.count("\n") + 1, None, None,
                                "last line has no newline; expected a file ending in \\n"))
    if problems:
        return problems
    header = next(csv.reader([text.split("\n", 1)[0]]), [])
    expected = res.field_names
    if header != expected:
        for i in range(max(len(header), len(expected))):
            got = header[i] if i < len(header) else None
            want = expected[i] if i < len(expected) else None
            if got != want:
                if want is None:
                    msg = "extra column; expected the header to end after " + repr(expected[-1])
                elif got is None:
                    msg = f"missing column; expected {want!r} at position {i + 1}"
                else:
                    msg = f"expected column {want!r} at position {i + 1}"
                problems.append(Problem(label, 1, got if got is not None else want,
                                        got if got is not None else "", msg))
                break
        problems.append(Problem(label, 1, None, None,
                                "header must be exactly: " + ",".join(expected)))
    for lineno, line in enumerate(text.split("\n")[1:-1], start=2):
        if not line.strip(","):
            problems.append(Problem(label, lineno, None, line, "blank line; expected a data row"))
    return problems


# --------------------------------------------------------------------------
# Step 2: the Frictionless schema (types, constraints, keys, foreign keys)
# --------------------------------------------------------------------------


def _expected_for(res: Resource | None, error: dict) -> str:
    etype = error.get("type")
    field = None
    if res is not None and error.get("fieldName"):
        try:
            field = res.field(error["fieldName"])
        except KeyError:
            field = None
    note = error.get("note") or error.get("message", "")
    if etype == "type-error" and field is not None:
        hints = {
            "date": "a calendar date YYYY-MM-DD",
            "integer": "a whole number",
            "number": "a number",
            "boolean": "true or false",
        }
        return "expected " + hints.get(field["type"], f"a value of type {field['type']}")
    if etype == "constraint-error" and field is not None:
        c = field.get("constraints", {})
        m = re.search(r'constraint "(\w+)"', note)
        name = m.group(1) if m else ""
        if name == "required":
            return "missing; expected a value (required)"
        if name == "enum":
            return "expected one of: " + ", ".join(c["enum"])
        if name == "pattern":
            return f"expected to match the pattern {c['pattern']}"
        if name in c:
            return f"expected {name} {c[name]}"
        return "expected " + note
    if etype == "primary-key":
        return "duplicate primary key; " + (error.get("message") or note)
    if etype in ("unique-error",):
        return "duplicate value; expected it to be unique in this column"
    if etype == "foreign-key" and res is not None:
        m = re.search(r'for "([^"]+)"', note)
        for fk in res.foreign_keys:
            if m and fk["fields"] == m.group(1).split(", "):
                ref = fk["reference"]
                return (f"not found; expected a value of {ref['resource']}."
                        f"{','.join(ref['fields'])} (data/{ref['resource']}.csv)")
        return "not found; expected " + note
    if etype == "missing-cell":
        return "row has too few cells; expected a value for this column (check commas and quotes)"
    if etype == "extra-cell":
        return "row has too many cells; expected " + str(len(res.fields) if res else "") + " cells (check commas and quotes)"
    return "expected " + note if note else error.get("message", "invalid")


def check_schema(pkg: Package) -> list[Problem]:
    from frictionless import Package as FPackage
    from frictionless import system

    problems: list[Problem] = []
    by_path = {r.relpath: r for r in pkg.resources.values()}
    with system.use_context(trusted=False):
        fpkg = FPackage(str(pkg.descriptor_path))
        report = fpkg.validate(limit_errors=1000)
    for task in report.tasks:
        res = pkg.resources.get(task.name) or by_path.get(task.place)
        label = res.relpath if res else task.place
        for error in task.errors:
            e = error.to_descriptor()
            column = e.get("fieldName")
            value = e.get("cell")
            if e.get("type") == "foreign-key":
                m = re.search(r'for "([^"]+)": values "([^"]*)"', e.get("note", ""))
                if m:
                    column, value = m.group(1), m.group(2)
            if e.get("type") == "primary-key" and res is not None:
                column = ",".join(res.primary_key)
                cells = e.get("cells") or []
                names = e.get("labels") or res.field_names
                value = ",".join(
                    cells[names.index(k)] if k in names and names.index(k) < len(cells) else ""
                    for k in res.primary_key
                )
            problems.append(Problem(label, e.get("rowNumber"), column, value, _expected_for(res, e)))
    return problems


# --------------------------------------------------------------------------
# Step 3: rules across rows and tables
# --------------------------------------------------------------------------


def read_rows(res: Resource) -> list[tuple[int, dict]]:
    """Rows of a CSV with the file line on which each row ends."""
    out = []
    with res.path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            out.append((reader.line_num, row))
    return out


def _key(row: dict, fields: list[str]) -> tuple:
    return tuple(row.get(f) or "" for f in fields)


def check_rules(pkg: Package) -> list[Problem]:
    problems: list[Problem] = []
    as_of = pkg.as_of
    tables = {name: read_rows(res) for name, res in pkg.resources.items()}

    def add(res_name, line, column, value, expected):
        problems.append(Problem(pkg[res_name].relpath, line, column, value, expected))

    # Every table sorted by its primary key; no cell with stray spaces.
    for name, rows in tables.items():
        pk = pkg[name].primary_key
        for (line_a, a), (line_b, b) in zip(rows, rows[1:]):
            if _key(b, pk) < _key(a, pk):
                add(name, line_b, ",".join(pk), ",".join(_key(b, pk)),
                    f"rows out of order; expected rows sorted by {','.join(pk)} "
                    f"(this row sorts before line {line_a})")
                break
        for line, row in rows:
            for column, value in row.items():
                if column is None or value is None:
                    continue
                if value != value.strip():
                    add(name, line, column, value,
                        "leading or trailing whitespace; expected the value without it")

    orgs = {r["organization_id"]: r for _, r in tables["organizations"]}
    models = {r["model_id"]: r for _, r in tables["models"]}

    # Dates: never after as_of; precision consistent with the written date.
    for line, e in tables["events"]:
        d = e["date"]
        if d and d > as_of:
            add("events", line, "date", d, f"after the package's as_of date {as_of}; "
                "expected an event that has happened")
        prec = e["date_precision"]
        if d and prec == "month" and not d.endswith("-01"):
            add("events", line, "date", d, "date_precision is month; expected the first day "
                "of the month (YYYY-MM-01)")
        if d and prec == "year" and not d.endswith("-01-01"):
            add("events", line, "date", d, "date_precision is year; expected YYYY-01-01")
        licensed = e["event_type"] in LICENSED_EVENTS
        if licensed and not e["license_id"]:
            add("events", line, "license_id", "", f"event_type {e['event_type']} "
                "expected a licence (licenses.license_id)")
        if not licensed and e["license_id"]:
            add("events", line, "license_id", e["license_id"], f"event_type {e['event_type']} "
                "expected no licence (only weights, code and license_changed events have one)")
        model = models.get(e["model_id"])
        org = orgs.get(model["organization_id"]) if model else None
        if org and org["founded_year"] and d and d[:4] < org["founded_year"]:
            add("events", line, "date", d, f"before {org['organization_id']} was founded "
                f"({org['founded_year']}); expected a date in or after that year")

    # Every model has a first public event.
    public = {e["model_id"] for _, e in tables["events"] if e["event_type"] in PUBLIC_EVENTS}
    for line, m in tables["models"]:
        if m["model_id"] not in public:
            add("models", line, "model_id", m["model_id"], "no first public event; expected an "
                "events.csv row of type " + ", ".join(sorted(PUBLIC_EVENTS)))

    for line, p in tables["pledges"]:
        if p["made_on"] and p["made_on"] > as_of:
            add("pledges", line, "made_on", p["made_on"],
                f"after the package's as_of date {as_of}; expected a pledge already made")
        if p["deadline"] and p["made_on"] and p["deadline"] < p["made_on"]:
            add("pledges", line, "deadline", p["deadline"],
                f"before made_on {p['made_on']}; expected a deadline on or after it")
        if p["deadline"] and not p["deadline_basis"]:
            add("pledges", line, "deadline_basis", "",
                "a deadline is given; expected a deadline_basis saying how it was derived")
        model = models.get(p["model_id"])
        if model and model["organization_id"] != p["organization_id"]:
            add("pledges", line, "organization_id", p["organization_id"],
                f"model {p['model_id']} belongs to {model['organization_id']}; "
                "expected the same organization")

    for line, o in tables["organizations"]:
        if o["founded_year"] and o["founded_year"] > as_of[:4]:
            add("organizations", line, "founded_year", o["founded_year"],
                f"after the as_of year {as_of[:4]}")
    return problems


def check_descriptor(pkg: Package) -> list[Problem]:
    label = pkg.descriptor_path.name
    problems = []
    as_of = pkg.descriptor.get("as_of")
    try:
        dt.date.fromisoformat(as_of)
    except (TypeError, ValueError):
        problems.append(Problem(label, None, "as_of", as_of, "expected a date YYYY-MM-DD"))
    version = pkg.descriptor.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+\.\d+", version):
        problems.append(Problem(label, None, "version", version, "expected a version X.Y.Z"))
    missing = {"organizations", "models", "events", "licenses", "pledges"} - set(pkg.resources)
    for name in sorted(missing):
        problems.append(Problem(label, None, "resources", name, "resource missing; expected it"))
    return problems


def validate(descriptor: Path | str = DESCRIPTOR) -> list[Problem]:
    """All problems of the package, stopping after the first step that finds any."""
    try:
        pkg = Package(Path(descriptor))
    except PackageError as exc:
        return [Problem(exc.file, exc.line, exc.column, None, exc.expected)]
    problems = check_descriptor(pkg)
    if problems:
        return problems
    for res in pkg.resources.values():
        problems += check_file(res)
    if problems:
        return problems
    problems = check_schema(pkg)
    if problems:
        return problems
    return check_rules(pkg)


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    descriptor = Path(args[0]) if args else DESCRIPTOR
    # The one-pass check (scripts/load.py) accepts a valid package without the
    # cost of Frictionless; anything it declines, and --full, gets the full report.
    if "--full" not in argv:
        from scripts.load import accepts

        scratch = Path(tempfile.gettempdir()) / f"owl-validate-{os.getpid()}.db"
        if accepts(descriptor, scratch):
            print("validate: package is valid", file=sys.stderr)
            return 0
    problems = validate(descriptor)
    for p in problems:
        print(p)
    if problems:
        print(f"validate: {len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("validate: package is valid", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
