"""What users are told when the input is wrong, before any row is loaded:
the descriptor, the bytes of each CSV file, then Frictionless's judgement of
every cell, key and foreign key against the schema.

Every problem is one line: file, line number (the header is line 1), column,
offending value and what was expected, e.g.

    data/events.csv:12: date: '2024-02-30': expected a calendar date YYYY-MM-DD
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re

from scripts.package import Package, Problem, Resource

# A referenced table this small is a vocabulary: a value not found in it is
# reported with the list of values it may take.
VOCABULARY_ROWS = 40
# The resources the rules and the derived tables read.
REQUIRED_RESOURCES = {"organizations", "models", "event_types", "events", "licenses", "pledges"}


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
    for name in sorted(REQUIRED_RESOURCES - set(pkg.resources)):
        problems.append(Problem(label, None, "resources", name, "resource missing; expected it"))
    if not problems:
        try:
            pkg.load_order()
        except Exception as exc:  # PackageError: foreign keys in a cycle or to nowhere
            problems.append(Problem(label, None, "resources", None, str(exc)))
    return problems


# --------------------------------------------------------------------------
# The bytes of each file, read once line by line
# --------------------------------------------------------------------------


# Bytes read at a time by the whole-file scan.
CHUNK = 1 << 22
# A line of nothing but commas (or nothing) after the header: a blank line.
BLANK_LINE = re.compile(rb"\n,*\n")


def check_file(res: Resource) -> list[Problem]:
    """UTF-8 without BOM, LF line endings, no NUL, a final newline, no blank
    line, and the header in schema order. A clean file is scanned in large
    chunks; a file with any fault is read again line by line to say where."""
    if _clean_bytes(res):
        with res.path.open("rb") as f:
            header = f.readline()
        return check_header(res, header.decode("utf-8").rstrip("\n"))
    return _check_lines(res)


def _clean_bytes(res: Resource) -> bool:
    """True when no byte-level fault is anywhere in the file (streamed in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry, last = b"", b""
    with res.path.open("rb") as f:
        first = True
        while chunk := f.read(CHUNK):
            if first and (chunk.startswith(b"\xef\xbb\xbf") or not chunk):
                return False
            first = False
            if b"\x00" in chunk or b"\r" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            # The end of the previous chunk's last line joins this chunk, so a
            # blank line split across two chunks is still seen.
            if BLANK_LINE.search(carry + chunk):
                return False
            carry = chunk[chunk.rfind(b"\n"):] if b"\n" in chunk else carry + chunk
            last = chunk
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return last.endswith(b"\n")


def _check_lines(res: Resource) -> list[Problem]:
    """check_file, line by line: every fault with its line."""
    label = res.relpath
    found: dict[str, Problem] = {}

    def first(kind: str, problem: Problem) -> None:
        found.setdefault(kind, problem)

    header_line = None
    last = b""
    lineno = 0
    blank_lines = []
    with res.path.open("rb") as f:
        for lineno, line in enumerate(f, start=1):
            last = line
            if lineno == 1:
                header_line = line
            elif not line.rstrip(b"\r\n").strip(b","):
                blank_lines.append((lineno, line.rstrip(b"\r\n").decode("utf-8", "replace")))
            for kind, problem in _byte_problems(label, lineno, line, "utf8" in found):
                first(kind, problem)
    if lineno == 0:
        return [Problem(label, 1, None, None, "file is empty; expected a header line: "
                        + ",".join(res.field_names))]
    if not last.endswith(b"\n"):
        first("newline", Problem(label, lineno, None, None,
                                 "last line has no newline; expected a file ending in \\n"))
    if "utf8" in found:
        return [p for k, p in found.items() if k in ("bom", "nul", "utf8")]
    if found:
        return list(found.values())
    problems = check_header(res, header_line.decode("utf-8").rstrip("\n"))
    problems += [Problem(label, n, None, text, "blank line; expected a data row")
                 for n, text in blank_lines]
    return problems


def _byte_problems(label: str, lineno: int, line: bytes, utf8_known: bool):
    """(kind, problem) of one raw line: BOM, NUL, not UTF-8, carriage return."""
    if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
        yield "bom", Problem(label, 1, None, "\ufeff", "starts with a UTF-8 byte-order mark; "
                             "expected UTF-8 without BOM")
    if b"\x00" in line:
        yield "nul", Problem(label, lineno, None, "\\x00", "NUL byte; expected text")
    if not utf8_known:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start:exc.end].hex(" ")
            yield "utf8", Problem(label, lineno, None, f"bytes {bad}", "not UTF-8; expected UTF-8 text")
    cr = line.find(b"\r")
    if cr >= 0:
        shown = "\\r\\n" if line[cr:cr + 2] == b"\r\n" else "\\r"
        yield "cr", Problem(label, lineno, None, shown, "carriage return; expected LF (\\n) line endings")


def check_header(res: Resource, line: str) -> list[Problem]:
    label = res.relpath
    header = next(csv.reader([line]), [])
    expected = res.field_names
    if header == expected:
        return []
    problems = []
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
    problems.append(Problem(label, 1, None, None, "header must be exactly: " + ",".join(expected)))
    return problems


# --------------------------------------------------------------------------
# Frictionless: types, constraints, keys and foreign keys
# --------------------------------------------------------------------------


TYPE_HINTS = {
    "date": "a calendar date YYYY-MM-DD",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _constraint(field: dict, note: str) -> str:
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


def _foreign_key(pkg: Package, res: Resource, note: str) -> str:
    m = re.search(r'for "([^"]+)"', note)
    for fk in res.foreign_keys:
        if m and fk["fields"] == m.group(1).split(", "):
            ref = fk["reference"]
            target = pkg[ref["resource"]]
            msg = (f"not found; expected a value of {ref['resource']}."
                   f"{','.join(ref['fields'])} ({target.relpath})")
            values = _vocabulary(target, ref["fields"])
            return msg + (": one of " + ", ".join(values) if values else "")
    return "not found; expected " + note


def _vocabulary(res: Resource, fields: list[str]) -> list[str]:
    if len(fields) != 1:
        return []
    with res.path.open(encoding="utf-8", newline="") as f:
        values = [row.get(fields[0], "") for row in csv.DictReader(f)]
    return values if len(values) <= VOCABULARY_ROWS else []


def _expected_for(pkg: Package, res: Resource | None, error: dict) -> str:
    etype = error.get("type")
    field = None
    if res is not None and error.get("fieldName") in res.field_names:
        field = res.field(error["fieldName"])
    note = error.get("note") or error.get("message", "")
    if etype == "type-error" and field is not None:
        return "expected " + TYPE_HINTS.get(field["type"], f"a value of type {field['type']}")
    if etype == "constraint-error" and field is not None:
        return _constraint(field, note)
    if etype == "primary-key":
        return "duplicate primary key; " + (error.get("message") or note)
    if etype == "unique-error":
        return "duplicate value; expected it to be unique in this column"
    if etype == "foreign-key" and res is not None:
        return _foreign_key(pkg, res, note)
    if etype == "missing-cell":
        return "row has too few cells; expected a value for this column (check commas and quotes)"
    if etype == "extra-cell":
        cells = len(res.fields) if res else ""
        return f"row has too many cells; expected {cells} cells (check commas and quotes)"
    return "expected " + note if note else error.get("message", "invalid")


def _located(res: Resource | None, e: dict) -> tuple[str | None, object]:
    """The column and value a Frictionless error is about."""
    column, value = e.get("fieldName"), e.get("cell")
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
            for k in res.primary_key)
    return column, value


def check_schema(pkg: Package) -> list[Problem]:
    """Every cell, key and foreign key, as Frictionless judges them."""
    from frictionless import Package as FPackage
    from frictionless import system

    problems: list[Problem] = []
    by_path = {r.relpath: r for r in pkg.resources.values()}
    with system.use_context(trusted=False):
        report = FPackage(str(pkg.descriptor_path)).validate(limit_errors=1000)
    for task in report.tasks:
        res = pkg.resources.get(task.name) or by_path.get(task.place)
        label = res.relpath if res else task.place
        for error in task.errors:
            e = error.to_descriptor()
            column, value = _located(res, e)
            problems.append(Problem(label, e.get("rowNumber"), column, value,
                                    _expected_for(pkg, res, e)))
    return problems


def typed_rows(pkg: Package, res: Resource):
    """The rows of a CSV as Frictionless reads them, typed for SQLite: the load
    used when the fast acceptor declined a spelling Frictionless accepts."""
    from frictionless import Resource as FResource
    from frictionless import system

    names = res.field_names
    # Keys were judged already (check_schema); reading one table alone needs none.
    descriptor = json.loads(json.dumps(res.descriptor))
    descriptor["schema"].pop("foreignKeys", None)
    with system.use_context(trusted=False):
        with FResource(descriptor, basepath=str(pkg.base)) as fres:
            for row in fres.row_stream:
                yield tuple(_sqlite_value(row[n]) for n in names)


def _sqlite_value(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is not None and type(value).__name__ == "Decimal":
        return float(value)
    return value
