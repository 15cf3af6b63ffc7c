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
import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlite_utils

from scripts import validate as validation
from scripts.package import DB_NAME, DESCRIPTOR, ROOT, SQLITE_TYPES, Package

VIEWS_SQL = Path(__file__).with_name("views.sql")
# The derived figures of views.sql, in dependency order. The database is
# immutable, so each is computed once here and stored as a table: pages read
# precomputed rows instead of re-running the view on every request.
DERIVED = ["dated_events", "model_dates", "model_lags", "organization_cadence", "pledge_status"]
DERIVED_INDEXES = {
    "dated_events": [["model_id"]],
    "model_lags": [["organization_id"], ["release_pattern"], ["first_public_year"]],
}

# Load order: referenced tables before the tables that refer to them.
LOAD_ORDER = ["organizations", "licenses", "models", "events", "pledges"]

# Columns people filter on, beyond the foreign keys (which are always indexed).
EXTRA_INDEXES = {
    "models": [["family"], ["modality"]],
    "events": [["event_type"], ["date"], ["event_type", "model_id", "date"]],
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


def create_tables(db: sqlite_utils.Database, pkg: Package) -> None:
    for name in LOAD_ORDER:
        res = pkg[name]
        columns = {f["name"]: SQLITE_TYPES[f["type"]] for f in res.fields}
        not_null = [f["name"] for f in res.fields if f.get("constraints", {}).get("required")]
        fks = [
            (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for fk in res.foreign_keys
        ]
        pk = res.primary_key
        db.create_table(
            name,
            columns,
            pk=pk[0] if len(pk) == 1 else tuple(pk),
            not_null=not_null,
            foreign_keys=fks,
            column_order=res.field_names,
        )
        names, rows = rows_of(res)
        placeholders = ", ".join("?" for _ in names)
        cols = ", ".join(f"[{n}]" for n in names)
        db.conn.executemany(f"INSERT INTO [{name}] ({cols}) VALUES ({placeholders})", rows)
        for fk_col, _, _ in fks:
            db[name].create_index([fk_col], find_unique_name=True)
        for index in EXTRA_INDEXES.get(name, []):
            db[name].create_index(index, find_unique_name=True)


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


def materialize(conn: sqlite3.Connection) -> None:
    """Replace each derived view by a table holding its rows (same name, same columns)."""
    for name in DERIVED:
        conn.execute(f"CREATE TABLE [_{name}] AS SELECT * FROM [{name}]")
    for name in reversed(DERIVED):
        conn.execute(f"DROP VIEW [{name}]")
    for name in DERIVED:
        conn.execute(f"ALTER TABLE [_{name}] RENAME TO [{name}]")
        for columns in DERIVED_INDEXES.get(name, []):
            cols = ", ".join(f"[{c}]" for c in columns)
            conn.execute(f"CREATE INDEX [idx_{name}_{'_'.join(columns)}] ON [{name}] ({cols})")
    conn.commit()


def build(descriptor: Path, db_path: Path, validate_first: bool = True) -> list:
    """Validate, then build the database at db_path atomically. Returns problems (empty on success)."""
    if validate_first:
        problems = validation.validate(descriptor)
        if problems:
            return problems
    pkg = Package(descriptor)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a build that was killed mid-way.
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        stale.unlink()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        db = sqlite_utils.Database(conn)
        with conn:
            create_tables(db, pkg)
            create_package_table(db, pkg)
        for table, columns in FULL_TEXT.items():
            db[table].enable_fts(columns, fts_version="FTS5", create_triggers=False)
        conn.executescript(VIEWS_SQL.read_text(encoding="utf-8"))
        materialize(conn)
        bad = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise RuntimeError(f"foreign key check failed after load: {bad[:5]}")
        conn.execute("ANALYZE")
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, db_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return []


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
