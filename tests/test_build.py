"""The built database: tables, column types, keys, indexes, full-text search, views."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import sqlite_utils

from scripts import database, pipeline
from scripts.package import DB_NAME, ROOT, SQLITE_TYPES, connect


def test_tables_and_column_types_follow_the_schema(built_db, package):
    db = sqlite_utils.Database(built_db)
    for res in package.resources.values():
        table = db[res.name]
        assert table.exists()
        assert [c.name for c in table.columns] == res.field_names
        for col in table.columns:
            assert col.type == SQLITE_TYPES[res.field(col.name)["type"]], (res.name, col.name)
            required = res.field(col.name).get("constraints", {}).get("required", False)
            assert bool(col.notnull) == required, (res.name, col.name)


def test_primary_and_foreign_keys(built_db, package):
    """Each table's key is declared, except where a part of it may be empty (events:
    variant): that table is paged by rowid and its key is a unique index."""
    db = sqlite_utils.Database(built_db)
    for res in package.resources.values():
        required = {f["name"] for f in res.fields if f.get("constraints", {}).get("required")}
        if set(res.primary_key) <= required:
            assert db[res.name].pks == res.primary_key
        else:
            assert db[res.name].pks == ["rowid"]
            assert any(i.unique and i.columns == res.primary_key for i in db[res.name].indexes)
        declared = {(fk["fields"][0], fk["reference"]["resource"]) for fk in res.foreign_keys}
        actual = {(fk.column, fk.other_table) for fk in db[res.name].foreign_keys}
        assert actual == declared


def test_indexes_on_foreign_keys_and_filters(built_db, package):
    db = sqlite_utils.Database(built_db)
    for res in package.resources.values():
        leading = {i.columns[0] for i in db[res.name].indexes}
        for fk in res.foreign_keys:
            assert fk["fields"][0] in leading, (res.name, fk)
    # event_type filters (and the newest-first list of one event type) use this one
    assert ("event_type", "date") in {tuple(i.columns) for i in db["events"].indexes}


def test_row_counts_equal_the_csvs(built_db, tables):
    conn = sqlite3.connect(built_db)
    for name, rows in tables.items():
        assert conn.execute(f"select count(*) from [{name}]").fetchone()[0] == len(rows)


def test_full_text_search(built_db, tables):
    db = sqlite_utils.Database(built_db)
    assert db["models"].detect_fts() == "models_fts"
    assert db["organizations"].detect_fts() == "organizations_fts"
    name = tables["models"][0]["name"]
    hits = [r["name"] for r in db["models"].search(name, quote=True)]
    assert name in hits


def test_each_derived_file_creates_its_table_and_nothing_else(built_db, package):
    """scripts/derived/NN_name.sql creates the table `name` (and its indexes), in name
    order: the tables of the database are the resources, the package row, full-text
    search and exactly these."""
    files = database.derived_files()
    names = [database.derived_name(p) for p in files]
    assert names[:3] == ["dated_events", "model_dates", "model_lags"]
    for path, name in zip(files, names):
        text = path.read_text(encoding="utf-8")
        assert text.count("CREATE TABLE ") == 1 and f"CREATE TABLE {name} AS" in text, path.name
    db = sqlite_utils.Database(built_db)
    fts = {t for t in db.table_names() if "_fts" in t or t.startswith("sqlite_")}
    assert set(db.table_names()) - fts == set(package.resources) | {"package"} | set(names)


def test_median_is_registered_on_build_connections(tmp_path):
    conn = connect(tmp_path / "m.db")
    assert conn.execute("select median(x) from (select 3 as x union all select 1 union all "
                        "select 10 union all select null)").fetchone() == (3.0,)
    assert conn.execute("select median(x) from (select 4 as x union all select 1)").fetchone() == (2.5,)
    assert conn.execute("select median(x) from (select null as x)").fetchone() == (None,)


def test_views_exist(built_db):
    db = sqlite_utils.Database(built_db)
    assert {"model_lags", "model_dates", "organization_cadence", "pledge_status"} <= set(db.table_names())
    assert db.view_names() == []
    cols = {c.name for c in db["model_lags"].columns}
    assert {"model_id", "name", "organization_id", "first_public_date", "open_weights_date",
            "lag_days", "release_pattern"} <= cols


def test_model_lags_has_one_row_per_model(built_db, tables):
    conn = sqlite3.connect(built_db)
    ids = [r[0] for r in conn.execute("select model_id from model_lags order by model_id")]
    assert ids == sorted(m["model_id"] for m in tables["models"])


def test_package_table_matches_descriptor(built_db, package):
    conn = sqlite3.connect(built_db)
    assert conn.execute("select version, as_of from package").fetchone() == (package.version, package.as_of)


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert pipeline.errors(pipeline.build(ROOT / "datapackage.json", a)) == []
    assert pipeline.errors(pipeline.build(ROOT / "datapackage.json", b)) == []
    assert a.read_bytes() == b.read_bytes()


def test_killed_build_keeps_last_good_db(tmp_path, built_db):
    """SIGKILL during the load step leaves the old database; the next build succeeds."""
    db = tmp_path / DB_NAME
    db.write_bytes(built_db.read_bytes())
    before = db.read_bytes()
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from scripts import pipeline as p\n"
        "real = p.fast_load\n"
        "def slow(path, pkg):\n"
        "    conn = real(path, pkg)\n"
        "    print('loaded', flush=True)\n"
        "    time.sleep(60)\n"
        "    return conn\n"
        "p.fast_load = slow\n"
        f"p.build(Path({str(ROOT / 'datapackage.json')!r}), Path({str(db)!r}))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "loaded"
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert db.read_bytes() == before
    assert pipeline.errors(pipeline.build(ROOT / "datapackage.json", db)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]
    assert sqlite3.connect(db).execute("select count(*) from models").fetchone()[0] > 0


def test_stored_ranks_follow_the_lag_order(built_db):
    """lag_rank and closed_rank, read by the release_lags and still_closed queries,
    number the models in the order those queries used to sort them per request."""
    conn = sqlite3.connect(built_db)
    ranked = conn.execute("select model_id from model_lags where lag_rank is not null "
                          "order by lag_rank").fetchall()
    sorted_ = conn.execute("select model_id from model_lags where open_weights_date is not null "
                           "order by lag_days desc, first_public_date, model_id").fetchall()
    assert ranked == sorted_ and len(ranked) > 200
    assert [r[0] for r in conn.execute("select lag_rank from model_lags where lag_rank is not null "
                                       "order by lag_rank")] == list(range(1, len(ranked) + 1))
    closed = conn.execute("select model_id from model_lags where closed_rank is not null "
                          "order by closed_rank").fetchall()
    expected = conn.execute("select model_id from model_lags where open_weights_date is null "
                            "order by days_without_open_weights desc, model_id").fetchall()
    assert closed == expected and len(closed) > 100
    plan = " ".join(str(r) for r in conn.execute(
        "explain query plan select * from model_lags where lag_rank is not null order by lag_rank"))
    assert "TEMP B-TREE" not in plan


def test_stored_lists_match_model_lags(built_db):
    """organization_patterns, overdue_models and year_patterns, read by the
    scorecard, overdue and trend queries, agree with model_lags recounted here."""
    import statistics
    from collections import Counter, defaultdict
    from datetime import date

    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    lags = [dict(r) for r in conn.execute("select * from model_lags")]
    as_of = conn.execute("select as_of from package").fetchone()[0]
    later = defaultdict(list)
    for m in lags:
        if m["release_pattern"] == "opened later":
            later[m["organization_id"]].append(m["lag_days"])

    patterns = [dict(r) for r in conn.execute("select * from organization_patterns order by list_rank")]
    assert {(p["organization_id"], p["release_pattern"]): p["models"] for p in patterns} == \
        Counter((m["organization_id"], m["release_pattern"]) for m in lags)
    totals = Counter(m["organization_id"] for m in lags)
    for p in patterns:
        assert p["total_models"] == totals[p["organization_id"]]
        assert p["longest_lag_days"] == max(later[p["organization_id"]], default=None)
        assert p["typical_lag_days"] == (statistics.median(later[p["organization_id"]])
                                         if later[p["organization_id"]] else None)
    assert [p["total_models"] for p in patterns] == sorted((p["total_models"] for p in patterns), reverse=True)
    assert patterns[0]["organization_id"] == "google-deepmind"

    overdue = [dict(r) for r in conn.execute("select * from overdue_models order by overdue_rank")]
    expected = sorted(
        ((m["model_id"], int(m["days_without_open_weights"] - statistics.median(later[m["organization_id"]])))
         for m in lags if m["open_weights_date"] is None and later[m["organization_id"]]
         and m["days_without_open_weights"] > statistics.median(later[m["organization_id"]])),
        key=lambda t: (-t[1], t[0]))
    assert [(o["model_id"], o["days_overdue"]) for o in overdue] == expected and len(expected) > 50
    grok15 = next(o for o in overdue if o["model_id"] == "grok-1-5")
    assert grok15["first_public_date"] == "2024-03-28"
    assert grok15["days_without_open_weights"] == (date.fromisoformat(as_of) - date(2024, 3, 28)).days

    years = {r["year"]: dict(r) for r in conn.execute("select * from year_patterns")}
    by_year = Counter(m["first_public_year"] for m in lags)
    assert {y: r["models"] for y, r in years.items()} == dict(by_year)
    for y, r in years.items():
        lags_y = [m["lag_days"] for m in lags if m["first_public_year"] == y
                  and m["release_pattern"] == "opened later"]
        assert r["opened_later"] == len(lags_y)
        assert r["median_lag_days"] == (statistics.median(lags_y) if lags_y else None)
        assert r["open_at_launch"] + r["opened_later"] + r["gated_only"] + r["partial_or_leaked"] \
            + r["closed"] == r["models"]
