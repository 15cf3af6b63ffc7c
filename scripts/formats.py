"""The package's tables in other file formats, typed from the Frictionless
schema: Parquet (for pandas, Polars, DuckDB and the Hugging Face Hub).

Used by the release zip and the Hugging Face dataset folder. An empty CSV cell
is a null; each column has the Arrow type of its schema type.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from scripts.accept import TRUE_VALUES
from scripts.package import Package, Resource


def arrow_type(field: dict):
    import pyarrow as pa

    return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
            "boolean": pa.bool_(), "date": pa.date32(), "year": pa.int64()}[field["type"]]


def _cast(value: str, kind: str):
    if value == "":
        return None
    if kind in ("integer", "year"):
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value not in TRUE_VALUES:
            raise ValueError(f"not a boolean: {value!r}")
        return bool(TRUE_VALUES[value])
    if kind == "date":
        return dt.date.fromisoformat(value)
    return value


def arrow_table(res: Resource):
    """The resource's rows as a pyarrow Table with the schema's types."""
    import pyarrow as pa

    with res.path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = {}
    for field in res.fields:
        kind = field["type"]
        columns[field["name"]] = pa.array([_cast(r[field["name"]], kind) for r in rows],
                                          type=arrow_type(field))
    schema = pa.schema([pa.field(f["name"], arrow_type(f), nullable=True,
                                 metadata={"description": f.get("description", "")})
                        for f in res.fields],
                       metadata={"resource": res.name, "title": res.descriptor.get("title", "")})
    return pa.Table.from_pydict(columns, schema=schema)


def parquet_bytes(res: Resource) -> bytes:
    """One resource as Parquet bytes; the same input gives the same bytes."""
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(arrow_table(res), buf, compression="zstd", write_statistics=True,
                   store_schema=True)
    return buf.getvalue()


def parquet_files(pkg: Package, folder: str = "parquet") -> dict[str, bytes]:
    """{relative path: bytes} of every resource as Parquet."""
    return {f"{folder}/{res.name}.parquet": parquet_bytes(res) for res in pkg.resources.values()}
