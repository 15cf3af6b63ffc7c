"""The ground layer: the data package descriptor and what every step shares.

Every other step (checking, loading, SQLite column types, Datasette column
descriptions, the data dictionary) takes its facts from here: the schema,
the one problem type, the load order derived from the foreign keys, the
package name and the SQL functions the database is built and served with.
Nothing here imports another module of this package.
"""
from __future__ import annotations

import importlib.util
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = ROOT / "datapackage.json"
# The package name, as the descriptor states it, names the database and the release files.
NAME = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))["name"]
DB_NAME = f"{NAME}.db"
# SQL functions shared by the build and the served site (a Datasette plugin file).
SQL_FUNCTIONS = ROOT / "site" / "plugins" / "sql_functions.py"

# Frictionless field types mapped to SQLite column types.
SQLITE_TYPES = {
    "string": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "year": "INTEGER",
    "integer": "INTEGER",
    "number": "REAL",
    "boolean": "INTEGER",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: file, line (the header is line 1), column,
    offending value and what was expected. `severity` is "error" or "warning"."""

    file: str
    line: int | None
    column: str | None
    value: object
    expected: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.column is not None:
            parts.append(self.column)
        if self.value is not None:
            parts.append(_show(self.value))
        parts.append(self.expected)
        text = ": ".join(parts)
        return text if self.severity == "error" else f"{text} (warning)"


def _show(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else str(value)
    shown = repr(text[:limit])
    if len(text) > limit:
        shown += f"... ({len(text)} characters)"
    return shown


class PackageError(Exception):
    """The descriptor itself cannot be used: names the file, the place and what was expected."""

    def __init__(self, file: str, expected: str, line: int | None = None, column: str | None = None):
        self.file, self.expected, self.line, self.column = file, expected, line, column
        where = file if line is None else f"{file}:{line}"
        super().__init__(": ".join(x for x in (where, column, expected) if x))


@dataclass(frozen=True)
class Resource:
    name: str
    path: Path  # absolute
    relpath: str  # as written in the descriptor
    descriptor: dict

    @property
    def fields(self) -> list[dict]:
        return self.descriptor["schema"]["fields"]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        pk = self.descriptor["schema"].get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.descriptor["schema"].get("foreignKeys", [])

    def field(self, name: str) -> dict:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise KeyError(name)


class Package:
    def __init__(self, descriptor_path: Path):
        self.descriptor_path = Path(descriptor_path).resolve()
        self.base = self.descriptor_path.parent
        label = self.descriptor_path.name
        try:
            text = self.descriptor_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PackageError(label, f"file not found: {self.descriptor_path}") from None
        except UnicodeDecodeError as exc:
            raise PackageError(label, f"byte {exc.start} is not UTF-8; expected UTF-8 JSON") from None
        try:
            self.descriptor = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PackageError(
                label, f"not valid JSON ({exc.msg}); expected a JSON object", exc.lineno,
                f"character {exc.colno}",
            ) from None
        if not isinstance(self.descriptor, dict) or not isinstance(
            self.descriptor.get("resources"), list
        ):
            raise PackageError(label, "expected an object with a 'resources' list")
        self.resources: dict[str, Resource] = {}
        for i, res in enumerate(self.descriptor["resources"]):
            name = res.get("name") if isinstance(res, dict) else None
            rel = res.get("path") if isinstance(res, dict) else None
            where = f"resources[{i}]"
            if not name or not isinstance(rel, str):
                raise PackageError(label, "expected a 'name' and a string 'path'", column=where)
            if not isinstance(res.get("schema"), dict) or not res["schema"].get("fields"):
                raise PackageError(label, "expected a 'schema' with 'fields'", column=f"{where} ({name})")
            path = (self.base / rel).resolve()
            if Path(rel).is_absolute() or not path.is_relative_to(self.base):
                raise PackageError(
                    label, f"path {rel!r} leaves the package folder; expected a relative "
                    "path inside it", column=f"{where} ({name})",
                )
            if not path.is_file():
                raise PackageError(label, f"path {rel!r} does not exist; expected a CSV file",
                                   column=f"{where} ({name})")
            self.resources[name] = Resource(name, path, rel, res)

    @property
    def as_of(self) -> str:
        return self.descriptor["as_of"]

    @property
    def version(self) -> str:
        return self.descriptor["version"]

    @property
    def name(self) -> str:
        return self.descriptor.get("name", NAME)

    def __getitem__(self, name: str) -> Resource:
        return self.resources[name]

    def load_order(self) -> list[str]:
        """Resource names, each after every resource its foreign keys refer to
        (descriptor order among equals)."""
        order: list[str] = []
        pending = list(self.resources)
        while pending:
            for name in pending:
                refs = {fk["reference"].get("resource") or name
                        for fk in self.resources[name].foreign_keys}
                if refs - {name} <= set(order):
                    order.append(name)
                    pending.remove(name)
                    break
            else:
                raise PackageError(self.descriptor_path.name, "foreign keys refer in a cycle "
                                   "or to a missing resource: " + ", ".join(pending))
        return order


def load(descriptor_path: Path | str = DESCRIPTOR) -> Package:
    return Package(Path(descriptor_path))


def sql_functions():
    """The module defining the SQL functions (median) the site registers as a
    plugin; the build registers the same ones."""
    spec = importlib.util.spec_from_file_location("owl_sql_functions", SQL_FUNCTIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def connect(path: Path | str, fresh: bool = False) -> sqlite3.Connection:
    """A connection with the package's SQL functions. `fresh`: an empty file
    (whatever was at `path` is discarded), written start to finish and renamed
    into place when complete, so no journal and no fsync per page."""
    if fresh:
        Path(path).write_bytes(b"")
    conn = sqlite3.connect(path, uri=str(path).startswith("file:"))
    sql_functions().register(conn)
    if fresh:
        # 16 KiB pages: fewer pages to write, index and scan in a bulk build
        # (about a tenth faster at a million events than the default 4 KiB).
        conn.execute("PRAGMA page_size = 16384")
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        # A page cache of up to 32 MiB: index builds and derived tables read
        # their pages once; memory stays bounded whatever the table sizes.
        conn.execute("PRAGMA cache_size = -32768")
    return conn
