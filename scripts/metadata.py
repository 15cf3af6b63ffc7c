"""Generate the metadata Datasette is served with.

Merges the hand-written metadata.yml with what datapackage.json already says
(table and column descriptions, version, as_of), turns each canned query's
`chart` setting into a datasette-vega link, fills the home page's headline
numbers ([[stat:name]]) from the built database, and writes build/metadata.json.

Usage: python -m scripts.metadata [--db build/open-weights-lag.db] [--out build/metadata.json]
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import yaml

from scripts.package import DB_NAME, DESCRIPTOR, NAME, ROOT, Package, connect

METADATA_YML = ROOT / "metadata.yml"
DATABASE = NAME
CHART_KEYS = ["mark", "x_column", "x_type", "y_column", "y_type", "color_column", "size_column"]


def chart_fragment(chart: dict) -> str:
    """datasette-vega keeps its chart settings in the URL fragment as g.<key>=<value>."""
    return "#" + "&".join(
        f"g.{key}={quote(str(chart[key]), safe='')}" for key in CHART_KEYS if chart.get(key)
    )


def query_url(name: str, query: dict) -> str:
    url = f"/{DATABASE}/{name}"
    if query.get("chart"):
        url += chart_fragment(query["chart"])
    return url


def canned_queries() -> dict[str, str]:
    """The SQL of each canned query in metadata.yml, by name."""
    meta = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))
    return {name: q["sql"] for name, q in meta["databases"][DATABASE]["queries"].items()}


def named_parameters(sql: str) -> list[str]:
    """The :name parameters of a canned query, in order of first use (string
    literals, which may hold a colon, are skipped)."""
    code = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return list(dict.fromkeys(re.findall(r"(?<![:\w]):(\w+)", code)))


# Headline numbers for the home page, each one SQL query over the built database.
STATS = {
    "models": "select count(*) from models",
    "organizations": "select count(*) from organizations",
    "events": "select count(*) from events",
    "pledges": "select count(*) from pledges",
    "open_models": "select count(*) from model_lags where open_weights_date is not null",
    "opened_later": "select count(*) from model_lags where release_pattern = 'opened later'",
    "closed": "select count(*) from model_lags where open_weights_date is null",
    "share_opened_later": """
        select round(100.0 * sum(release_pattern = 'opened later') / count(*))
        from model_lags where open_weights_date is not null""",
    "median_lag": """
        select round(median(lag_days)) from model_lags where release_pattern = 'opened later'""",
    "pledges_kept": "select count(*) from pledge_status where status = 'kept'",
    "pledges_late": "select count(*) from pledge_status where status = 'late'",
    "pledges_broken": "select count(*) from pledge_status where status = 'broken'",
    "version": "select version from package",
    "as_of": "select as_of from package",
    "year": "select substr(as_of, 1, 4) from package",
}


def headline_numbers(db_path: Path) -> dict[str, str]:
    conn = connect(f"file:{db_path}?mode=ro")
    try:
        out = {}
        for name, sql in STATS.items():
            value = conn.execute(sql).fetchone()[0]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out[name] = "–" if value is None else str(value)
        return out
    finally:
        conn.close()


def generate(pkg: Package, hand_written: dict, db_path: Path | None = None) -> dict:
    meta = json.loads(json.dumps(hand_written))  # deep copy
    db = meta["databases"][DATABASE]
    queries = db.get("queries", {})

    def link(match: re.Match) -> str:
        name = match.group(1)
        if name not in queries:
            raise KeyError(f"metadata.yml links to unknown query [[{name}]]")
        return html.escape(query_url(name, queries[name]))

    numbers = headline_numbers(db_path) if db_path else {}

    def stat(match: re.Match) -> str:
        name = match.group(1)
        if name not in STATS:
            raise KeyError(f"metadata.yml uses unknown number [[stat:{name}]]")
        return html.escape(numbers.get(name, "?"))

    d = pkg.descriptor
    meta["description_html"] = re.sub(r"\[\[stat:(\w+)\]\]", stat, meta["description_html"])
    meta["description_html"] = re.sub(r"\[\[(\w+)\]\]", link, meta["description_html"])
    meta["description_html"] += (
        f"\n<p>Version <strong>{html.escape(d['version'])}</strong>, data checked up to "
        f"<strong>{html.escape(d['as_of'])}</strong>.</p>"
    )

    tables = db.setdefault("tables", {})
    for res in pkg.resources.values():
        table = tables.setdefault(res.name, {})
        table.setdefault("title", res.descriptor.get("title", res.name))
        table.setdefault("description", res.descriptor["description"])
        table["columns"] = {f["name"]: f["description"] for f in res.fields}

    for name, query in queries.items():
        chart = query.pop("chart", None)
        text = html.escape(query.pop("description"))
        if chart:
            text += (
                f' <a href="{html.escape(chart_fragment(chart))}">Show the chart</a> '
                f"({html.escape(chart['mark'])} of {html.escape(chart['y_column'])} "
                f"by {html.escape(chart['x_column'])})."
            )
        query["description_html"] = text
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default=str(DESCRIPTOR))
    parser.add_argument("--db", default=str(ROOT / "build" / DB_NAME),
                        help="built database the headline numbers come from")
    parser.add_argument("--out", default=str(ROOT / "build" / "metadata.json"))
    args = parser.parse_args(argv)
    hand_written = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))
    meta = generate(Package(Path(args.package)), hand_written, Path(args.db))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
