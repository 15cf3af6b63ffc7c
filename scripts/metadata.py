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
import sqlite3
from pathlib import Path
from urllib.parse import quote

import yaml

from scripts.package import DB_NAME, DESCRIPTOR, ROOT, Package

METADATA_YML = ROOT / "metadata.yml"
DATABASE = DB_NAME.removesuffix(".db")
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
        with l as (select lag_days, row_number() over (order by lag_days) as rn,
                          count(*) over () as n
                   from model_lags where release_pattern = 'opened later')
        select round(avg(lag_days)) from l where rn in ((n + 1) / 2, (n + 2) / 2)""",
    "pledges_kept": "select count(*) from pledge_status where status = 'kept'",
    "pledges_late": "select count(*) from pledge_status where status = 'late'",
    "pledges_broken": "select count(*) from pledge_status where status = 'broken'",
    "version": "select version from package",
    "as_of": "select as_of from package",
    "year": "select substr(as_of, 1, 4) from package",
}


def headline_numbers(db_path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
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
