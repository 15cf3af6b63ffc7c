"""The served site, through Datasette's test client: home page, tables with
column descriptions, every canned query with and without parameters, downloads."""
from __future__ import annotations

import csv
import io

import pytest
import yaml

from scripts.metadata import METADATA_YML

QUERIES = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))["databases"]["open-weights-lag"]["queries"]

EXPECTED_COLUMNS = {
    "release_lags": ["lag_rank", "model_id", "name", "organization_id", "first_public_date", "open_weights_date", "lag_days"],
    "opened_later": ["model_id", "name", "organization", "first_public_date", "open_weights_date", "lag_days"],
    "still_closed": ["closed_rank", "model_id", "name", "organization_id", "first_public_date", "release_pattern", "days_without_open_weights"],
    "organization_scorecard": ["organization_id", "release_pattern", "models", "total_models", "typical_lag_days", "longest_lag_days"],
    "overdue_by_cadence": ["model_id", "organization_id", "typical_lag_days", "due_by_cadence", "days_overdue"],
    "pledge_status": ["pledge_id", "kind", "made_on", "deadline_words", "deadline_reading", "deadline",
                      "delivered_on", "status", "days_waited", "source_url", "second_source_url"],
    "policy_outcomes": ["pledge_id", "policy_rule", "model_id", "due_on", "opened_on", "outcome", "days"],
    "said_and_did": ["organization_id", "row_kind", "pledge_id", "model_id", "due_on", "done_on", "outcome", "days"],
    "model_history": ["model_id", "date", "event_type", "license_id", "source_url"],
    "lag_trend": ["year", "models", "open_at_launch", "opened_later", "closed", "median_lag_days"],
    "search": ["model_id", "name", "organization_id", "release_pattern"],
    "new_open_weights": ["date", "name", "organization_id", "license_id", "atom_id", "atom_title", "atom_updated"],
    "openness": ["organization_id", "openness_class", "models", "model_names"],
    "what_each_model_released": ["model_id", "openness_class", "component", "status", "released_on", "lag_days",
                                 "license_id", "checked_on", "source_url"],
    "openness_share": ["organization_id", "openness_class", "models", "share_percent"],
    "openness_by_year": ["year", "openness_class", "models"],
}

FILLED = {
    "release_lags": "organization=xai",
    "opened_later": "organization=xai",
    "still_closed": "organization=xai&modality=text",
    "overdue_by_cadence": "organization=xai",
    "organization_scorecard": "organization=xai",
    "pledge_status": "status=kept",
    "model_history": "model=grok-1",
    "search": "q=grok",
    "policy_outcomes": "organization=xai",
    "said_and_did": "organization=xai",
    "openness": "organization=ai2",
    "what_each_model_released": "model=grok-1",
    "openness_share": "organization=meta",
}


def rows_of(response) -> list[dict]:
    data = response.json()
    return [dict(zip(data["columns"], r)) for r in data["rows"]]


def test_every_canned_query_is_tested():
    assert set(QUERIES) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_canned_query_with_empty_parameters(client, name):
    r = client.get(f"/open-weights-lag/{name}.json?_shape=arrays")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["ok"] is True
    for col in EXPECTED_COLUMNS[name]:
        assert col in data["columns"], (name, col)
    assert data["rows"], f"{name} returned no rows with its parameters left empty"


@pytest.mark.parametrize("name", sorted(FILLED))
def test_canned_query_with_parameters(client, name):
    r = client.get(f"/open-weights-lag/{name}.json?_shape=arrays&{FILLED[name]}")
    assert r.status_code == 200, r.text
    rows = rows_of(r)
    assert rows
    key, value = FILLED[name].split("&")[0].split("=")
    column = {"organization": "organization_id", "model": "model_id", "status": "status", "q": None}[key]
    if column:
        assert {row[column] for row in rows} == {value}


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_canned_query_html_and_csv(client, name):
    html = client.get(f"/open-weights-lag/{name}")
    assert html.status_code == 200
    assert QUERIES[name]["title"].replace("'", "&#39;") in html.text
    r = client.get(f"/open-weights-lag/{name}.csv")
    assert r.status_code == 200
    header = next(csv.reader(io.StringIO(r.text)))
    assert header[: len(EXPECTED_COLUMNS[name][:1])] == EXPECTED_COLUMNS[name][:1]


def test_search_finds_organization_and_survives_quotes(client):
    rows = rows_of(client.get("/open-weights-lag/search.json?_shape=arrays&q=xAI"))
    assert {"grok-1", "grok-2"} <= {r["model_id"] for r in rows}
    r = client.get('/open-weights-lag/search.json?_shape=arrays&q=%22%20OR%20*')
    assert r.status_code == 200


def test_home_page_tells_what_it_is(client, package):
    r = client.get("/")
    assert r.status_code == 200
    assert "Open Weights Lag" in r.text
    assert f"Version <strong>{package.version}</strong>" in r.text
    assert package.as_of in r.text
    assert "CC-BY-4.0" in r.text
    assert "/open-weights-lag/opened_later#g.mark=bar" in r.text


def test_tables_have_column_descriptions(client, package):
    for res in package.resources.values():
        r = client.get(f"/open-weights-lag/{res.name}")
        assert r.status_code == 200
        for field in res.fields[:3]:
            assert field["description"][:30].replace("'", "&#39;") in r.text, (res.name, field["name"])


def test_generated_metadata_has_every_column(served_metadata, package):
    tables = served_metadata["databases"]["open-weights-lag"]["tables"]
    for res in package.resources.values():
        assert list(tables[res.name]["columns"]) == res.field_names
        assert all(tables[res.name]["columns"].values())


def test_chart_links_in_query_descriptions(served_metadata):
    queries = served_metadata["databases"]["open-weights-lag"]["queries"]
    assert "#g.mark=bar&amp;g.x_column=rank_and_name" in queries["opened_later"]["description_html"]
    assert "g.mark=line" in queries["lag_trend"]["description_html"]
    assert "chart" not in queries["opened_later"]


def test_database_download_matches_built_file(client, built_db):
    r = client.get("/open-weights-lag.db")
    assert r.status_code == 200
    assert r.content == built_db.read_bytes()


def test_table_downloads(client, tables):
    r = client.get("/open-weights-lag/models.csv?_size=max")
    assert r.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(r.text)))) == len(tables["models"])
    r = client.get("/open-weights-lag/events.json?_shape=array&_size=5")
    assert len(r.json()) == 5


def test_writes_are_refused(client, built_db):
    before = built_db.read_bytes()
    for sql in ["insert into models (model_id) values ('x')", "delete from models",
                "update models set name = 'x'", "drop table models"]:
        r = client.get("/open-weights-lag.json?sql=" + sql.replace(" ", "+"))
        assert r.status_code == 400
    assert built_db.read_bytes() == before


def test_scorecard_adds_up_to_each_organizations_models(client, tables):
    rows = rows_of(client.get("/open-weights-lag/organization_scorecard.json?_shape=arrays&_size=max"))
    per_org: dict[str, int] = {}
    for row in rows:
        per_org[row["organization_id"]] = per_org.get(row["organization_id"], 0) + row["models"]
        assert row["total_models"] >= row["models"]
    expected: dict[str, int] = {}
    for m in tables["models"]:
        expected[m["organization_id"]] = expected.get(m["organization_id"], 0) + 1
    assert per_org == expected


def test_lag_bars_are_labelled_in_lag_order(client):
    rows = rows_of(client.get("/open-weights-lag/opened_later.json?_shape=arrays"))
    labels = [r["rank_and_name"] for r in rows]
    assert labels == sorted(labels)
    lags = [r["lag_days"] for r in rows]
    assert lags == sorted(lags, reverse=True)
    assert labels[0].endswith(" " + rows[0]["name"])


def test_atom_feed_lists_newest_open_weights(client, tables):
    r = client.get("/open-weights-lag/new_open_weights.atom")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    import xml.etree.ElementTree as ET

    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(r.content).findall("a:entry", ns)
    weights = sorted((e["date"] for e in tables["events"] if e["event_type"] == "weights_open"),
                     reverse=True)
    assert len(entries) == min(50, len(weights))
    assert entries[0].find("a:updated", ns).text.startswith(weights[0])
    ids = [e.find("a:id", ns).text for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:open-weights-lag") for i in ids)


def test_home_page_numbers_come_from_the_data(client, built_db):
    import sqlite3

    conn = sqlite3.connect(built_db)
    models, = conn.execute("select count(*) from models").fetchone()
    events, = conn.execute("select count(*) from events").fetchone()
    kept, = conn.execute("select count(*) from pledge_status where status = 'kept'").fetchone()
    text = " ".join(client.get("/").text.split())
    assert f"{models} models from" in text
    assert f"{events} dated events" in text
    assert f"{kept} were kept" in text
    assert "[[" not in text
    assert 'href="/-/dashboards/release-lags"' in text
    assert 'href="/open-weights-lag.db"' in text


@pytest.mark.parametrize("name,rank,where", [
    ("release_lags", "lag_rank", "open_weights_date is not null"),
    ("still_closed", "closed_rank", "open_weights_date is null"),
])
def test_long_lists_page_by_rank(client, built_db, name, rank, where):
    """100 rows a page; from_rank pages on, and the pages together are the whole list."""
    import sqlite3

    first = rows_of(client.get(f"/open-weights-lag/{name}.json?_shape=arrays"))
    assert [r[rank] for r in first] == list(range(1, 101))
    seen, start = [], 1
    while True:
        page = rows_of(client.get(f"/open-weights-lag/{name}.json?_shape=arrays&from_rank={start}"))
        if not page:
            break
        assert page[0][rank] == start and len(page) <= 100
        seen += [r["model_id"] for r in page]
        start = page[-1][rank] + 1
    conn = sqlite3.connect(built_db)
    expected = [r[0] for r in conn.execute(
        f"select model_id from model_lags where {where} order by {rank}")]
    assert seen == expected and len(expected) > 200
    # A filter keeps the global ranks, so a filtered list pages the same way.
    xai = rows_of(client.get(f"/open-weights-lag/{name}.json?_shape=arrays&organization=xai&from_rank=2"))
    assert xai and all(r["organization_id"] == "xai" and r[rank] >= 2 for r in xai)
