"""Check and load the CSVs in one pass.

The build reads each CSV once. Every cell goes through a check compiled from
its field in datapackage.json (type, required, pattern, enum, length and
bounds, exactly as Frictionless reads them), the row goes through the
per-row rules of scripts/validate.py, and the typed row is inserted straight
into SQLite. Keys, unique values and foreign keys are then checked in SQL,
against the indexes the load builds anyway, and so are the cross-table rules.

This path only ever *accepts*. The first cell, row or key it cannot accept
raises `Reject`, and the caller falls back to scripts/validate.py, where
Frictionless judges the package and every problem is reported with its file,
line and column. So the messages are those of the full validation, and a
package is loaded only when the compiled checks found nothing Frictionless
would reject (tests/test_load.py holds the two to agreement).

The checks are deliberately narrower than Frictionless where that is cheaper:
a date must be written YYYY-MM-DD, an integer without a sign or spaces. A
value Frictionless would accept in another spelling falls back to the full
validation, which then loads it the old way; nothing is ever wrongly accepted.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from decimal import Decimal, InvalidOperation
from pathlib import Path

from scripts.package import Package, PackageError, Resource
from scripts.validate import LICENSED_EVENTS, PUBLIC_EVENTS, check_descriptor

# Chunk size of the byte-level scan of each file.
CHUNK = 1 << 20
# Rows per executemany batch: bounds memory whatever the file size.
BATCH = 5000

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
INTEGER_RE = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
# A URI rfc3986 accepts with a scheme and no password: scheme, "//", an
# authority without "@" (so no user information), then the rest.
URI_FAST_RE = re.compile(r"[^:/?#]+://[^/?#@\\]*(?:[/?#]|\Z)")
BLANK_LINE_RE = re.compile(rb"\n,*\n")
TRUE_VALUES = {"true": 1, "True": 1, "TRUE": 1, "1": 1, "false": 0, "False": 0, "FALSE": 0, "0": 0}


# Frictionless raises the csv module's cell size limit to this on import; a
# bigger cell is declined here and then judged (and reported) there.
csv.field_size_limit(2_147_483_646)


class Reject(Exception):
    """Something the one-pass check cannot accept; the full validation will say what."""


# --------------------------------------------------------------------------
# Cell checks compiled from the schema
# --------------------------------------------------------------------------


def compile_field(field: dict):
    """A function cell -> value to store, raising Reject for anything Frictionless
    might not accept, or that carries leading or trailing whitespace."""
    ftype = field["type"]
    fmt = field.get("format", "default")
    c = dict(field.get("constraints", {}))
    c.pop("unique", None)  # checked in SQL with a unique index
    required = bool(c.pop("required", False))
    if ftype == "string":
        if fmt not in ("default", "uri"):
            raise Reject(f"format {fmt!r} of field {field['name']!r}")
        return _string(required, fmt == "uri", c)
    if ftype == "date" and fmt == "default":
        return _date(required, c)
    if ftype in ("integer", "number") and not ({"bareNumber", "groupChar", "decimalChar",
                                                 "floatNumber"} & set(field)):
        return _numeric(ftype, required, c)
    if ftype == "boolean" and not ({"trueValues", "falseValues"} & set(field)):
        return _boolean(required, c)
    raise Reject(f"type {ftype}/{fmt} of field {field['name']!r}")


def _string(required: bool, uri: bool, c: dict):
    pattern = re.compile("^{0}$".format(c.pop("pattern"))).match if "pattern" in c else None
    min_len, max_len = c.pop("minLength", None), c.pop("maxLength", None)
    enum = set(c.pop("enum")) if "enum" in c else None
    if c:
        raise Reject(f"constraints {sorted(c)}")
    uri_ok = URI_FAST_RE.match

    def check(v: str):
        if v == "":
            if required:
                raise Reject
            return None
        if v[0].isspace() or v[-1].isspace():
            raise Reject
        if uri and not uri_ok(v):
            raise Reject
        if min_len is not None and len(v) < min_len:
            raise Reject
        if max_len is not None and len(v) > max_len:
            raise Reject
        if pattern is not None and not pattern(v):
            raise Reject
        if enum is not None and v not in enum:
            raise Reject
        return v

    return check


def _bounds(c: dict, cast):
    checks = []
    for name, op in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"),
                     ("exclusiveMaximum", "lt")):
        if name in c:
            bound = cast(c.pop(name))
            checks.append((op, bound))
    enum = {cast(v) for v in c.pop("enum")} if "enum" in c else None
    if c:
        raise Reject(f"constraints {sorted(c)}")

    def within(x) -> bool:
        for op, bound in checks:
            if op == "ge" and not x >= bound or op == "le" and not x <= bound \
                    or op == "gt" and not x > bound or op == "lt" and not x < bound:
                return False
        return enum is None or x in enum

    return within if (checks or enum is not None) else None


def _date(required: bool, c: dict):
    within = _bounds(c, lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v))
    seen: dict[str, bool] = {}  # a few thousand distinct dates, each parsed once

    def check(v: str):
        ok = seen.get(v)
        if ok:
            return v
        if v == "":
            if required:
                raise Reject
            return None
        if ok is None:
            ok = False
            if DATE_RE.match(v):
                try:
                    d = dt.date(int(v[:4]), int(v[5:7]), int(v[8:]))
                except ValueError:
                    d = None
                ok = d is not None and (within is None or within(d))
            if len(seen) < 100_000:
                seen[v] = ok
        if not ok:
            raise Reject
        return v

    return check


def _numeric(ftype: str, required: bool, c: dict):
    integer = ftype == "integer"
    shape = (INTEGER_RE if integer else NUMBER_RE).match
    within = _bounds(c, int if integer else (lambda v: Decimal(str(v))))

    def check(v: str):
        if v == "":
            if required:
                raise Reject
            return None
        if not shape(v):
            raise Reject
        if integer:
            x = int(v)
            if within is not None and not within(x):
                raise Reject
            return x
        if within is not None:
            try:
                if not within(Decimal(v)):
                    raise Reject
            except InvalidOperation:
                raise Reject from None
        return float(v)

    return check


def _boolean(required: bool, c: dict):
    enum = c.pop("enum", None)
    if c:
        raise Reject(f"constraints {sorted(c)}")
    allowed = None if enum is None else {TRUE_VALUES[str(v)] if not isinstance(v, bool) else int(v)
                                         for v in enum}

    def check(v: str):
        if v == "":
            if required:
                raise Reject
            return None
        x = TRUE_VALUES.get(v)
        if x is None or (allowed is not None and x not in allowed):
            raise Reject
        return x

    return check


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def scan_bytes(res: Resource) -> None:
    """The file hygiene of scripts/validate.check_file, streamed: no BOM, NUL or CR,
    no blank line, a final newline. UTF-8 is checked by the decoding pass."""
    tail = b""
    first = True
    with res.path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            if first:
                if chunk.startswith(b"\xef\xbb\xbf"):
                    raise Reject
                first = False
            if b"\x00" in chunk or b"\r" in chunk:
                raise Reject
            # Keep the last line's start so a blank line across chunks is seen.
            if BLANK_LINE_RE.search(tail + chunk):
                raise Reject
            cut = chunk.rfind(b"\n")
            tail = (tail + chunk)[-(len(chunk) - cut):] if cut >= 0 else tail + chunk
            if len(tail) > CHUNK:  # a very long line: keep only what a blank-line match needs
                tail = b"x" if tail.strip(b",\n") else tail
    if first or not tail.endswith(b"\n"):
        raise Reject


# Distinct values remembered per column, so a repeated identifier, licence or
# date is checked once. When full the set starts afresh: memory stays flat
# whatever the file size, and rows sorted by key keep hitting recent values.
SEEN_LIMIT = 100_000


def row_batches(res: Resource, rule=None):
    """Batches of typed rows of one CSV, every cell checked; raises Reject at the first doubt.

    The loop is generated from the schema, one block per column, so a cell
    costs a few inline tests rather than a function call: a free-text cell is
    tested for blank, whitespace and length; a cell with a pattern, enum, URI
    format or date type is looked up among the values already accepted, and
    only a new value goes through its full check (compile_field)."""
    fields = res.fields
    n = len(fields)
    env: dict = {"Reject": Reject, "BATCH": BATCH, "LIMIT": SEEN_LIMIT, "rule": rule,
                 "fields": res.field_names}
    cells = ", ".join(f"c{i}" for i in range(n)) + ("," if n == 1 else "")
    pk = [res.field_names.index(k) for k in res.primary_key]
    body = []
    for i, field in enumerate(fields):
        c = field.get("constraints", {})
        required = bool(c.get("required"))
        free = (field["type"] == "string" and field.get("format", "default") == "default"
                and not ({"pattern", "enum", "minLength"} & set(c)))
        if free:
            too_long = f" or len(c{i}) > {int(c['maxLength'])}" if "maxLength" in c else ""
            test = f"c{i}[0].isspace() or c{i}[-1].isspace(){too_long}"
            if required:
                body.append(f"if not c{i} or {test}: raise Reject")
            else:
                body.append(f"if c{i}:\n    if {test}: raise Reject\nelse: c{i} = None")
        elif field["type"] in ("string", "date"):
            env[f"f{i}"], env[f"s{i}"] = compile_field(field), set()
            body.append(f"if c{i} not in s{i}:\n    c{i} = f{i}(c{i})\n"
                        f"    if c{i} is not None:\n"
                        f"        if len(s{i}) >= LIMIT: s{i}.clear()\n"
                        f"        s{i}.add(c{i})")
        else:
            env[f"f{i}"] = compile_field(field)
            body.append(f"c{i} = f{i}(c{i})")
    key = ", ".join(f"c{i}" for i in pk) + ("," if len(pk) == 1 else "")
    src = [
        "def batches(reader):",
        "    previous = None",
        "    batch = []",
        "    for row in reader:",
        f"        if len(row) != {n}: raise Reject",
        f"        {cells} = row",
        f"        key = ({key})",
        "        if previous is not None and key < previous: raise Reject",
        "        previous = key",
        "        if rule is not None: rule(row)",
    ]
    for block in body:
        src += ["        " + line for line in block.split("\n")]
    src += [
        f"        batch.append(({cells}))",
        "        if len(batch) >= BATCH:",
        "            yield batch",
        "            batch = []",
        "    if batch: yield batch",
    ]
    exec("\n".join(src), env)  # noqa: S102 - source built above from the schema's field list
    with res.path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        if next(reader, None) != res.field_names:
            raise Reject
        yield from env["batches"](reader)


# --------------------------------------------------------------------------
# Per-row rules (scripts/validate.check_rules, the parts that need one row)
# --------------------------------------------------------------------------


def row_rules(pkg: Package) -> dict:
    as_of = pkg.as_of
    ev = pkg["events"].field_names
    i_date, i_prec = ev.index("date"), ev.index("date_precision")
    i_type, i_lic = ev.index("event_type"), ev.index("license_id")

    def event(row):
        d, prec = row[i_date], row[i_prec]
        if d > as_of:
            raise Reject
        if prec == "month" and not d.endswith("-01") or prec == "year" and not d.endswith("-01-01"):
            raise Reject
        if (row[i_type] in LICENSED_EVENTS) != (row[i_lic] != ""):
            raise Reject

    pl = pkg["pledges"].field_names
    i_made, i_dead, i_basis = pl.index("made_on"), pl.index("deadline"), pl.index("deadline_basis")

    def pledge(row):
        made, dead = row[i_made], row[i_dead]
        if made and made > as_of or dead and made and dead < made or dead and not row[i_basis]:
            raise Reject

    og = pkg["organizations"].field_names
    i_founded = og.index("founded_year")

    def organization(row):
        if row[i_founded] and row[i_founded] > as_of[:4]:
            raise Reject

    return {"events": event, "pledges": pledge, "organizations": organization}


# --------------------------------------------------------------------------
# Keys and cross-table rules, in SQL
# --------------------------------------------------------------------------


def check_keys(conn: sqlite3.Connection, pkg: Package) -> None:
    """Primary keys, unique fields and foreign keys as Frictionless checks them.

    The tables carry PRIMARY KEY and UNIQUE constraints, so a duplicate already
    failed its insert; what remains is a key with a NULL part (Frictionless
    counts two empty cells as equal, SQLite does not) and the foreign keys."""
    for res in pkg.resources.values():
        pk = res.primary_key
        required = {f["name"] for f in res.fields if f.get("constraints", {}).get("required")}
        if pk and not set(pk) <= required:
            cols = ", ".join(f"[{k}]" for k in pk)
            if conn.execute(f"SELECT 1 FROM [{res.name}] GROUP BY {cols} "
                            f"HAVING count(*) > 1 LIMIT 1").fetchone():
                raise Reject
        if conn.execute(f"PRAGMA foreign_key_check([{res.name}])").fetchone():
            raise Reject


def check_cross_rules(conn: sqlite3.Connection) -> None:
    """The cross-table rules of scripts/validate.check_rules."""
    public = ", ".join(f"'{t}'" for t in sorted(PUBLIC_EVENTS))
    queries = [
        # an event before its organization was founded
        "SELECT 1 FROM events e JOIN models m ON m.model_id = e.model_id "
        "JOIN organizations o ON o.organization_id = m.organization_id "
        "WHERE o.founded_year IS NOT NULL AND CAST(substr(e.date, 1, 4) AS INTEGER) < o.founded_year "
        "LIMIT 1",
        # a model without a first public event
        f"SELECT 1 FROM models m WHERE NOT EXISTS (SELECT 1 FROM events e "
        f"WHERE e.model_id = m.model_id AND e.event_type IN ({public})) LIMIT 1",
        # a pledge naming another organization's model
        "SELECT 1 FROM pledges p JOIN models m ON m.model_id = p.model_id "
        "WHERE m.organization_id <> p.organization_id LIMIT 1",
    ]
    for sql in queries:
        if conn.execute(sql).fetchone():
            raise Reject


# --------------------------------------------------------------------------
# The pass
# --------------------------------------------------------------------------


def load(conn: sqlite3.Connection, pkg: Package, order: list[str], create_table, after_table=None) -> None:
    """Check and insert every table in `order`, then the keys and cross-table rules.

    create_table(name) creates the empty table with its keys; after_table(name)
    runs once its rows are in (indexes). Raises Reject at the first doubt."""
    rules = row_rules(pkg)
    for name in order:
        res = pkg[name]
        scan_bytes(res)
        create_table(name)
        for field in res.fields:
            if field.get("constraints", {}).get("unique") and res.primary_key != [field["name"]]:
                conn.execute(f"CREATE UNIQUE INDEX [uq_{name}_{field['name']}] "
                             f"ON [{name}] ([{field['name']}])")
        sql = (f"INSERT INTO [{name}] ({', '.join(f'[{n}]' for n in res.field_names)}) "
               f"VALUES ({', '.join('?' for _ in res.field_names)})")
        try:
            for batch in row_batches(res, rules.get(name)):
                conn.executemany(sql, batch)
        except (sqlite3.IntegrityError, UnicodeDecodeError, csv.Error) as exc:
            raise Reject(str(exc)) from None
        if after_table is not None:
            after_table(name)
    check_keys(conn, pkg)
    check_cross_rules(conn)


def accepts(descriptor: Path, work: Path) -> bool:
    """True when the one-pass check accepts the package (loading it into a scratch database)."""
    from scripts import build

    try:
        pkg = Package(descriptor)
    except PackageError:
        return False
    if check_descriptor(pkg):
        return False
    work.unlink(missing_ok=True)
    conn = sqlite3.connect(work)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        try:
            build.fast_load(conn, pkg)
        except Reject:
            return False
        return True
    finally:
        conn.close()
        work.unlink(missing_ok=True)
