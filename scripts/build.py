"""Build the SQLite database from the validated data package.

The database is written to a temporary file beside the target and moved into
place only when validation and every build step succeeded, so a failed or
killed build leaves the last good database untouched.

Usage: python -m scripts.build [--package datapackage.json] [--db build/open-weights-lag.db]
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlite_utils

from scripts import load as loader
from scripts import validate as validation
from scripts.package import DB_NAME, DESCRIPTOR, ROOT, SQLITE_TYPES, Package, PackageError

VIEWS_SQL = Path(__file__).with_name("views.sql")
# The derived figures of views.sql, in dependency order. The database is
# immutable, so each is computed once here and stored as a table: pages read
# precomputed rows instead of re-running the view on every request.
DERIVED = ["dated_events", "model_dates", "model_lags", "organization_cadence", "pledge_status",
           "organization_patterns", "overdue_models", "year_patterns"]
DERIVED_INDEXES = {
    "dated_events": [["model_id", "date"]],
    "model_lags": [["organization_id"], ["release_pattern"], ["first_public_year"], ["lag_rank"],
                   ["closed_rank"]],
    "organization_patterns": [["list_rank"], ["organization_id"]],
    "overdue_models": [["overdue_rank"], ["organization_id"]],
    "year_patterns": [["year"]],
}

# Load order: referenced tables before the tables that refer to them.
LOAD_ORDER = ["organizations", "licenses", "models", "events", "pledges"]

# Columns people filter on, beyond the foreign keys (which are always indexed).
EXTRA_INDEXES = {
    "models": [["family"], ["modality"]],
    "events": [["event_type", "date"], ["date"], ["event_type", "model_id", "date"]],
    "pledges": [["made_on"]],
    "organizations": [["country"], ["kind"]],
}

FULL_TEXT = {
    "models": ["name", "family", "notes"],
    "organizations": ["name", "notes"],
}


def _converter(field_type: str):
    if field_type == "integer":
        return int
    if field_type == "number":
        return float
    if field_type == "boolean":
        return lambda v: 1 if v.lower() in ("true", "1", "yes") else 0
    return str


def rows_of(res) -> tuple[list[str], list[tuple]]:
    """Typed rows of a validated CSV; blank cells become NULL."""
    names = res.field_names
    convert = [_converter(f["type"]) for f in res.fields]
    out = []
    with res.path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            out.append(tuple(conv(v) if v != "" else None for conv, v in zip(convert, row)))
    return names, out


def create_table(db: sqlite_utils.Database, res) -> list[tuple[str, str, str]]:
    """The empty table of one resource, with its keys; returns its foreign keys."""
    columns = {f["name"]: SQLITE_TYPES[f["type"]] for f in res.fields}
    not_null = [f["name"] for f in res.fields if f.get("constraints", {}).get("required")]
    fks = [
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in res.foreign_keys
    ]
    pk = res.primary_key
    db.create_table(
        res.name,
        columns,
        pk=pk[0] if len(pk) == 1 else tuple(pk),
        not_null=not_null,
        foreign_keys=fks,
        column_order=res.field_names,
    )
    return fks


def create_indexes(db: sqlite_utils.Database, res) -> None:
    for fk in res.foreign_keys:
        db[res.name].create_index(fk["fields"], find_unique_name=True)
    for index in EXTRA_INDEXES.get(res.name, []):
        db[res.name].create_index(index, find_unique_name=True)


def fast_load(conn: sqlite3.Connection, pkg: Package) -> None:
    """Check and load every table in one pass (scripts/load.py); raises load.Reject
    when the package needs the full validation to say what is wrong."""
    db = sqlite_utils.Database(conn)
    with conn:
        loader.load(
            conn,
            pkg,
            LOAD_ORDER,
            create_table=lambda name: create_table(db, pkg[name]),
            after_table=lambda name: create_indexes(db, pkg[name]),
        )


def create_tables(db: sqlite_utils.Database, pkg: Package) -> None:
    """Load a package the full validation has accepted (the path taken when the
    one-pass check declined a value written in a spelling it does not take)."""
    for name in LOAD_ORDER:
        res = pkg[name]
        create_table(db, res)
        names, rows = rows_of(res)
        placeholders = ", ".join("?" for _ in names)
        cols = ", ".join(f"[{n}]" for n in names)
        db.conn.executemany(f"INSERT INTO [{name}] ({cols}) VALUES ({placeholders})", rows)
        create_indexes(db, res)


def create_package_table(db: sqlite_utils.Database, pkg: Package) -> None:
    d = pkg.descriptor
    db.create_table(
        "package",
        {"name": str, "title": str, "version": str, "as_of": str, "license": str},
        pk="name",
        not_null=["name", "version", "as_of"],
    )
    db["package"].insert(
        {
            "name": d["name"],
            "title": d.get("title"),
            "version": d["version"],
            "as_of": d["as_of"],
            "license": (d.get("licenses") or [{}])[0].get("name"),
        }
    )


def derived_statements() -> list[tuple[str, str]]:
    """(name, SELECT) of each view in views.sql, in file order."""
    text = VIEWS_SQL.read_text(encoding="utf-8")
    found = re.findall(r"CREATE VIEW (\w+) AS\n(.*?);\s*(?=--|CREATE VIEW|\Z)", text, re.S)
    names = [name for name, _ in found]
    if names != DERIVED:
        raise RuntimeError(f"{VIEWS_SQL.name} defines {names}; expected {DERIVED}")
    return found


def materialize(conn: sqlite3.Connection) -> None:
    """Store each derived view of views.sql as a table of the same name and columns.

    Each is computed once, in dependency order, so a later one reads the
    stored (and indexed) rows of an earlier one instead of recomputing it."""
    for name, select in derived_statements():
        conn.execute(f"CREATE TABLE [{name}] AS {select}")
        for columns in DERIVED_INDEXES.get(name, []):
            cols = ", ".join(f"[{c}]" for c in columns)
            conn.execute(f"CREATE INDEX [idx_{name}_{'_'.join(columns)}] ON [{name}] ({cols})")
    conn.commit()


def build(descriptor: Path, db_path: Path) -> list:
    """Check and build the database at db_path atomically. Returns problems (empty on success).

    The one-pass check-and-load (scripts/load.py) is tried first. If it declines
    anything, the full validation (scripts/validate.py, Frictionless) reports
    the problems; if that finds none, the package is loaded the slow way."""
    try:
        pkg = Package(descriptor)
    except PackageError:
        return validation.validate(descriptor)
    problems = validation.check_descriptor(pkg)
    if problems:
        return problems
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a build that was killed mid-way.
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        stale.unlink()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = _connect(tmp)
        try:
            fast_load(conn, pkg)
        except loader.Reject:
            conn.close()
            problems = validation.validate(descriptor)
            if problems:
                return problems
            tmp.write_bytes(b"")
            conn = _connect(tmp)
            with conn:
                create_tables(sqlite_utils.Database(conn), pkg)
        db = sqlite_utils.Database(conn)
        with conn:
            create_package_table(db, pkg)
        for table, columns in FULL_TEXT.items():
            db[table].enable_fts(columns, fts_version="FTS5", create_triggers=False)
        materialize(conn)
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, db_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return []


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    # A fresh file written start to finish and renamed into place when complete:
    # no journal, no fsync per page.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default=str(DESCRIPTOR), help="path to datapackage.json")
    parser.add_argument("--db", default=str(ROOT / "build" / DB_NAME), help="database to write")
    args = parser.parse_args(argv)
    problems = build(Path(args.package), Path(args.db))
    for p in problems:
        print(p)
    if problems:
        print(f"build: {len(problems)} problem(s); {args.db} left as it was", file=sys.stderr)
        return 1
    print(f"build: wrote {args.db}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
