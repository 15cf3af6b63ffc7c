"""The SQLite database of a checked package: tables typed from the schema,
keys and indexes, full-text search, the package row, and the derived tables.

Each derived table is one file in scripts/derived/, run in name order: the
file creates the table from the tables before it and, beside it, its indexes.
The database is immutable once served, so derived figures are stored as
tables: a page reads precomputed rows instead of recomputing a view.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from scripts.package import SQLITE_TYPES, Package, Resource

DERIVED = Path(__file__).with_name("derived")

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


def create_table(db: sqlite_utils.Database, res: Resource) -> None:
    """The empty table of one resource, with its primary, unique and foreign keys.

    A primary key with an optional part (events: variant) cannot identify a row in
    a URL or in a page token, so such a table gets no declared key: it is a rowid
    table (rows are addressed and paged by rowid) with a unique index on the key
    columns instead, and key_problems() checks the empty parts."""
    columns = {f["name"]: SQLITE_TYPES[f["type"]] for f in res.fields}
    not_null = [f["name"] for f in res.fields if f.get("constraints", {}).get("required")]
    fks = [(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
           for fk in res.foreign_keys]
    pk = res.primary_key
    declared = pk if set(pk) <= set(not_null) else []
    db.create_table(res.name, columns, pk=(declared[0] if len(declared) == 1 else tuple(declared)) or None,
                    not_null=not_null, foreign_keys=fks, column_order=res.field_names)
    if pk and not declared:
        cols = ", ".join(f"[{c}]" for c in pk)
        db.conn.execute(f"CREATE UNIQUE INDEX [uq_{res.name}_key] ON [{res.name}] ({cols})")
    for field in res.fields:
        if field.get("constraints", {}).get("unique") and pk != [field["name"]]:
            db.conn.execute(f"CREATE UNIQUE INDEX [uq_{res.name}_{field['name']}] "
                            f"ON [{res.name}] ([{field['name']}])")


def insert(conn: sqlite3.Connection, res: Resource, batches) -> None:
    names = res.field_names
    sql = (f"INSERT INTO [{res.name}] ({', '.join(f'[{n}]' for n in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    for batch in batches:
        conn.executemany(sql, batch)


def create_indexes(db: sqlite_utils.Database, res: Resource) -> None:
    """An index for each foreign key (unless another index starts with its columns)
    and for the columns people filter on."""
    extra = EXTRA_INDEXES.get(res.name, [])
    for fk in res.foreign_keys:
        if not any(index[:len(fk["fields"])] == fk["fields"] for index in extra):
            db[res.name].create_index(fk["fields"], find_unique_name=True)
    for index in extra:
        db[res.name].create_index(index, find_unique_name=True)


def key_problems(conn: sqlite3.Connection, pkg: Package) -> bool:
    """True when a key is broken in a way SQLite's constraints let through: a
    primary key with an empty part repeated (Frictionless counts two empty
    cells as equal, SQLite does not), or a foreign key to nowhere."""
    for res in pkg.resources.values():
        pk = res.primary_key
        required = {f["name"] for f in res.fields if f.get("constraints", {}).get("required")}
        if pk and not set(pk) <= required:
            cols = ", ".join(f"[{k}]" for k in pk)
            if conn.execute(f"SELECT 1 FROM [{res.name}] GROUP BY {cols} "
                            f"HAVING count(*) > 1 LIMIT 1").fetchone():
                return True
        if conn.execute(f"PRAGMA foreign_key_check([{res.name}])").fetchone():
            return True
    return False


def create_package_table(db: sqlite_utils.Database, pkg: Package) -> None:
    d = pkg.descriptor
    db.create_table("package", {"name": str, "title": str, "version": str, "as_of": str,
                                "license": str}, pk="name", not_null=["name", "version", "as_of"])
    db["package"].insert({
        "name": d["name"],
        "title": d.get("title"),
        "version": d["version"],
        "as_of": d["as_of"],
        "license": (d.get("licenses") or [{}])[0].get("name"),
    })


def derived_files() -> list[Path]:
    return sorted(DERIVED.glob("*.sql"))


def derived_name(path: Path) -> str:
    """10_dated_events.sql -> dated_events."""
    return path.stem.split("_", 1)[1]


def create_derived(conn: sqlite3.Connection) -> None:
    for path in derived_files():
        conn.executescript(path.read_text(encoding="utf-8"))


def finish(conn: sqlite3.Connection) -> None:
    """Full-text search over the names and notes of a checked database."""
    db = sqlite_utils.Database(conn)
    for table, columns in FULL_TEXT.items():
        db[table].enable_fts(columns, fts_version="FTS5", create_triggers=False)
