"""Hostile use of the site: writes, runaway queries, markup injection, crafted
column names, debug pages, and the response headers. Through Datasette's test
client and over HTTP against a real server on 127.0.0.1."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from scripts import metadata as metadata_gen
from scripts import pipeline
from scripts.package import NAME, Package
from scripts.serve import SETTINGS as SITE_SETTINGS
from tests.helpers import make_app_client

DB = NAME
SCRIPT = '<script>alert("owl")</script>'
ATTR = '"><img src=x onerror=alert(1)>'

WRITES = [
    "insert into models (model_id, organization_id, name) values ('x', 'xai', 'x')",
    "update models set name = 'x'",
    "delete from events",
    "drop table events",
    "create table t (x)",
    "attach database '/tmp/owl-attack.db' as a",
    "pragma user_version = 5",
    "pragma journal_mode = delete",
    "vacuum",
    "replace into licenses (license_id, name) values ('MIT', 'x')",
    "select 1; delete from events",
    "with x as (select 1) delete from events",
]


def http_get(url: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ writes

@pytest.mark.parametrize("sql", WRITES)
def test_writes_in_sql_are_refused_by_the_test_client(client, built_db, sql):
    before = sha(built_db)
    r = client.get(f"/{DB}.json?" + urllib.parse.urlencode({"sql": sql}))
    assert r.status_code == 400, r.text
    assert r.json()["ok"] is False
    assert sha(built_db) == before


def test_writes_over_http_are_refused_and_the_file_is_unchanged(live_site, built_db):
    before = sha(built_db)
    for sql in WRITES:
        status, _, body = http_get(f"{live_site}/{DB}.json?" + urllib.parse.urlencode({"sql": sql}))
        assert status == 400, (sql, body[:200])
        # refused with a plain message: no traceback is rendered or sent
        assert "Traceback" not in body.decode() and json.loads(body)["ok"] is False, sql
    for path in (f"/{DB}/models", f"/{DB}/-/create", f"/{DB}/models/-/insert", f"/{DB}/release_lags"):
        req = urllib.request.Request(live_site + path, data=b"{}", method="POST",
                                     headers={"content-type": "application/json"})
        try:
            status = urllib.request.urlopen(req, timeout=10).status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == 405, (path, status)
    assert sha(built_db) == before
    assert not Path("/tmp/owl-attack.db").exists()


# ------------------------------------------------------------------ runaway queries

SLOW = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000000000) "
        "select count(*) from c")


def test_a_slow_query_is_cut_off_while_other_pages_answer(live_site):
    limit_s = SITE_SETTINGS["sql_time_limit_ms"] / 1000
    result = {}

    def slow():
        t = time.monotonic()
        result["slow"] = http_get(f"{live_site}/{DB}.json?" + urllib.parse.urlencode({"sql": SLOW}))
        result["slow_s"] = time.monotonic() - t

    for _ in range(3):  # a warm server: the page below is answered from its cache
        assert http_get(f"{live_site}/{DB}/release_lags.json?_shape=array")[0] == 200
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)  # the slow query has reached the server and holds a thread
    answered_while_slow_ran = 0
    deadline = time.monotonic() + 60
    while "slow" not in result and time.monotonic() < deadline:
        status, _, body = http_get(f"{live_site}/{DB}/release_lags.json?_shape=array")
        assert status == 200 and json.loads(body)
        answered_while_slow_ran += "slow" not in result
    thread.join(timeout=60)
    status, _, body = result["slow"]
    assert status == 400
    assert "took too long" in json.loads(body)["error"]
    assert result["slow_s"] >= limit_s
    # other pages were served while the runaway query still held its thread
    assert answered_while_slow_ran >= 1


# ------------------------------------------------------------------ markup in data and parameters

@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """The real package with markup planted in names and notes, built and served."""
    root = tmp_path_factory.mktemp("hostile")
    from scripts.package import DESCRIPTOR, ROOT

    shutil.copy(DESCRIPTOR, root / "datapackage.json")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("releases"))
    for name, changes in (("models", {"grok-1": {"name": SCRIPT, "notes": ATTR}}),
                          ("organizations", {"xai": {"name": ATTR + SCRIPT}})):
        path = root / "data" / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
        key = fields[0]
        for row in rows:
            row.update(changes.get(row[key], {}))
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    db = root / "hostile.db"
    assert pipeline.errors(pipeline.build(root / "datapackage.json", db)) == []
    hand_written = yaml.safe_load(metadata_gen.METADATA_YML.read_text(encoding="utf-8"))
    meta = metadata_gen.generate(Package(root / "datapackage.json"), hand_written, db)
    shutil.move(db, root / f"{DB}.db")
    c = make_app_client(root / f"{DB}.db", meta)
    yield c
    c.close()


HOSTILE_PAGES = [
    f"/{DB}/models",
    f"/{DB}/models/grok-1",
    f"/{DB}/organizations/xai",
    f"/{DB}/events?model_id=grok-1",
    f"/{DB}/model_lags?organization_id=xai",
    f"/{DB}/model_history?model=grok-1",
    f"/{DB}/search?q=grok",
    f"/{DB}/opened_later",
    f"/{DB}/organization_scorecard?organization=xai",
    f"/{DB}?sql=" + urllib.parse.quote("select name, notes from models where model_id = 'grok-1'"),
]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_markup_in_data_is_escaped(hostile_client, path):
    r = hostile_client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert SCRIPT not in r.text and ATTR not in r.text
    assert "<img src=x" not in r.text
    # ... and shown escaped
    assert "&lt;script&gt;alert(" in r.text or "&lt;img src=x" in r.text


PAYLOAD = "</script><script>alert('owl')</script>\"'><svg onload=alert(1)>"
PARAM_PAGES = [
    f"/{DB}/release_lags?organization=",
    f"/{DB}/search?q=",
    f"/{DB}/model_history?model=",
    f"/{DB}/models?_search=",
    f"/{DB}/models?name__contains=",
    "/-/dashboards/release-lags?organization=",
    "/-/dashboards/release-lags?year=",
]


@pytest.mark.parametrize("path", PARAM_PAGES)
def test_markup_in_parameters_is_escaped(hostile_client, path):
    r = hostile_client.get(path + urllib.parse.quote(PAYLOAD))
    assert r.status_code in (200, 400), r.text[:300]
    assert PAYLOAD not in r.text
    assert "<svg onload" not in r.text
    assert "<script>alert('owl')" not in r.text


def test_markup_in_the_atom_feed_is_escaped(hostile_client):
    r = hostile_client.get(f"/{DB}/new_open_weights.atom")
    assert r.status_code == 200
    assert SCRIPT not in r.text


# ------------------------------------------------------------------ crafted column names

@pytest.mark.parametrize("column", [
    'name") or 1=1 --',
    "name]) or 1=1 --",
    'x"); drop table models; --',
    "name' or '1'='1",
])
def test_crafted_column_names_do_not_reach_sql(client, built_db, column):
    before = sha(built_db)
    q = urllib.parse.urlencode({f"{column}__arraycontains": "1"})
    r = client.get(f"/{DB}/models.json?{q}")
    if r.status_code == 200:
        assert r.json()["rows"] == [], "a crafted column name changed the query"
    else:
        assert r.status_code in (400, 500)
        assert "no such column" in r.text or "Invalid" in r.text
    assert sha(built_db) == before
    total = client.get(f"/{DB}/models.json?_size=1").json()["filtered_table_rows_count"]
    assert total > 100


# ------------------------------------------------------------------ settings, debug, headers

def test_settings_are_the_intended_ones(live_site):
    status, _, body = http_get(f"{live_site}/-/settings.json")
    assert status == 200
    served = json.loads(body)
    for key, value in SITE_SETTINGS.items():
        assert served[key] == value, key
    assert served["trace_debug"] is False


def test_trace_and_debug_pages_are_off(live_site):
    _, _, body = http_get(f"{live_site}/{DB}.json?sql=select+1&_trace=1")
    assert "_trace" not in json.loads(body)
    for path in ("/-/messages", "/-/allow-debug", "/-/threads", "/-/permissions", "/-/actor.json"):
        status, _, _ = http_get(live_site + path)
        assert status == 404, path
    status, _, _ = http_get(f"{live_site}/-/versions.json")
    assert status == 200


@pytest.mark.parametrize("path", ["/", f"/{DB}", f"/{DB}/models", f"/{DB}/release_lags.json",
                                  f"/{DB}/events.csv", f"/{DB}.db", "/-/dashboards/release-lags",
                                  "/-/static/app.css", f"/{DB}/nope"])
def test_security_headers_on_every_response(live_site, path):
    status, headers, _ = http_get(live_site + path)
    h = {k.lower(): v for k, v in headers.items()}
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    if status == 200:
        assert "public" in h["cache-control"] and "s-maxage=" in h["cache-control"]
    else:
        assert status == 404


def test_uncacheable_responses_stay_uncacheable(live_site):
    _, headers, _ = http_get(f"{live_site}/{DB}/release_lags.json?_ttl=0")
    h = {k.lower(): v for k, v in headers.items()}
    assert h["cache-control"] == "no-cache"


def test_download_declares_a_length_but_not_also_chunked(live_site):
    status, headers, body = http_get(f"{live_site}/{DB}.db")
    h = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and int(h["content-length"]) == len(body)
    assert "transfer-encoding" not in h


def test_repeated_pages_come_from_the_cache_unchanged(hostile_client):
    cache = hostile_client.ds._response_cache
    first = hostile_client.get(f"/{DB}/opened_later.json?_shape=array")
    hits = cache.hits
    second = hostile_client.get(f"/{DB}/opened_later.json?_shape=array")
    assert cache.hits == hits + 1
    assert first.content == second.content and second.status_code == 200
    # errors and uncacheable answers are never stored
    for _ in range(2):
        bad = hostile_client.get(f"/{DB}.json?sql=delete+from+events")
        assert bad.status_code == 400
    assert not any(b"delete" in k for k in cache.entries)
    assert cache.size <= cache.max_bytes
