"""Reading the data package descriptor: the one place the schema is defined.

Every other step (validation, SQLite column types, Datasette column
descriptions, the data dictionary) takes its facts from here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = ROOT / "datapackage.json"
DB_NAME = "open-weights-lag.db"

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

    def __getitem__(self, name: str) -> Resource:
        return self.resources[name]


def load(descriptor_path: Path | str = DESCRIPTOR) -> Package:
    return Package(Path(descriptor_path))
