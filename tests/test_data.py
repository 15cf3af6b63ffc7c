"""The data itself: honesty rules that keep it trustworthy as it grows, and
golden values checked by hand against their sources."""
from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

SLUG = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*$")


def test_slugs_unique_and_well_formed(tables):
    for name, key in [("organizations", "organization_id"), ("models", "model_id"), ("pledges", "pledge_id")]:
        ids = [r[key] for r in tables[name]]
        assert len(ids) == len(set(ids)), name
        assert all(SLUG.match(i) for i in ids), name


def test_every_source_is_https(tables):
    for name in ("events", "pledges"):
        for row in tables[name]:
            assert row["source_url"].startswith("https://"), row


# Golden values, each checked against the sources cited in data/events.csv.
GOLDEN_LAGS = {
    # Announced 2023-11-03 (x.ai/news/grok), weights 2024-03-17 (x.ai/blog/grok-os).
    "grok-1": ("2023-11-03", "2024-03-17", 135, "opened later"),
    # 124M with the paper 2019-02-14; full 1.5B weights 2019-11-05.
    "gpt-2": ("2019-02-14", "2019-11-05", 264, "opened later"),
    # Beta on X 2024-08-13; weights on Hugging Face 2025-08-23.
    "grok-2": ("2024-08-13", "2025-08-23", 375, "opened later"),
    # Announced 2024-12-12; MIT weights on Hugging Face 2025-01-08.
    "phi-4": ("2024-12-12", "2025-01-08", 27, "opened later"),
    # Announced 2025-03-16; Apache-2.0 weights 2025-06-30.
    "ernie-4-5": ("2025-03-16", "2025-06-30", 106, "opened later"),
    # Released with weights the day it was announced.
    "gpt-oss": ("2025-08-05", "2025-08-05", 0, "open at launch"),
}


@pytest.mark.parametrize("model_id", sorted(GOLDEN_LAGS))
def test_golden_lags(built_db, model_id):
    conn = sqlite3.connect(built_db)
    row = conn.execute(
        "select first_public_date, open_weights_date, lag_days, release_pattern "
        "from model_lags where model_id = ?", [model_id]).fetchone()
    assert row == GOLDEN_LAGS[model_id]


def test_golden_patterns(built_db):
    conn = sqlite3.connect(built_db)
    pattern = dict(conn.execute("select model_id, release_pattern from model_lags"))
    assert pattern["llama-1"] == "gated only"
    assert pattern["grok-1-5"] == "closed"
    assert pattern["mistral-medium"] == "leaked only"
    assert pattern["gpt-4"] == "closed"


def test_golden_pledges(built_db):
    """The Grok line, each promise checked against its source (x.ai, Musk's posts):
    'this week' on 2024-03-11, kept 2024-03-17; 'next week' on 2025-08-06, due
    2025-08-17, kept 6 days late on 2025-08-23; Grok 3 'in about 6 months' from
    2025-08-23, due 2026-02-23, no weights since."""
    conn = sqlite3.connect(built_db)
    rows = {r[0]: r[1:] for r in conn.execute(
        "select pledge_id, deadline_reading, deadline, delivered_on, status, days_past_deadline "
        "from pledge_status")}
    as_of = conn.execute("select as_of from package").fetchone()[0]
    assert rows["xai-grok-open-source-2024-03"] == ("this week", "2024-03-17", "2024-03-17", "kept", 0)
    assert rows["xai-grok-2-open-source-2025-08"] == ("next week", "2025-08-17", "2025-08-23", "late", 6)
    overdue = (date.fromisoformat(as_of) - date(2026, 2, 23)).days
    assert rows["xai-grok-3-open-source-2025-08"] == ("about 6 months", "2026-02-23", None, "broken", overdue)
    assert rows["baidu-ernie-open-source-2025-02"][3] == "kept"
    statuses = {r[3] for r in rows.values()}
    assert {"kept", "late", "broken", "open-ended", "partially kept", "cancelled", "policy"} <= statuses


def test_previous_grok_policy_judged_model_by_model(built_db):
    """Under 'the previous Grok is opened when the next one ships': Grok-1 opened
    (2024-03-17) before Grok-1.5 (2024-03-28); Grok-1.5 never, though Grok-2 shipped
    2024-08-13; Grok-2 187 days after Grok 3 (2025-02-17); Grok 3 not since Grok 4
    (2025-07-09)."""
    conn = sqlite3.connect(built_db)
    as_of = date.fromisoformat(conn.execute("select as_of from package").fetchone()[0])
    rows = {r[0]: r[1:] for r in conn.execute(
        "select model_id, successor_model_id, due_on, opened_on, outcome, days from policy_outcomes "
        "where pledge_id = 'xai-previous-grok-open-2025-08'")}
    assert rows["grok-1"] == ("grok-1-5", "2024-03-28", "2024-03-17", "kept", None)
    assert rows["grok-1-5"] == ("grok-2", "2024-08-13", None, "overdue", (as_of - date(2024, 8, 13)).days)
    assert rows["grok-2"] == ("grok-3", "2025-02-17", "2025-08-23", "late", 187)
    assert rows["grok-3"] == ("grok-4", "2025-07-09", None, "overdue", (as_of - date(2025, 7, 9)).days)


def test_deadline_readings_turn_words_into_dates(built_db):
    """Each documented reading, applied to a pledge made on a Monday (2024-03-11)."""
    conn = sqlite3.connect(built_db)
    readings = conn.execute("select deadline_reading, modifier, then_modifier from deadline_readings").fetchall()
    got = {}
    for name, first, then in readings:
        if first is None:
            continue
        args = ["2024-03-11", first] + ([then] if then else [])
        got[name] = conn.execute(f"select date({', '.join('?' * len(args))})", args).fetchone()[0]
    assert got == {"this week": "2024-03-17", "next week": "2024-03-24", "coming weeks": "2024-04-22",
                   "soon": "2024-06-11", "few months": "2024-06-11", "coming months": "2024-09-11",
                   "about 6 months": "2024-09-11"}


def test_pledges_naming_a_variant_are_judged_by_that_variant(built_db):
    """Only the pledged variant's weights fulfil a pledge that names one (checked by hand)."""
    conn = sqlite3.connect(built_db)
    rows = {r[0]: r[1:] for r in conn.execute(
        "select pledge_id, open_weights_date, status from pledge_status where variant is not null")}
    # the text-to-video weights of 2024-12-03 do not count for the image-to-video pledge
    assert rows["tencent-hunyuanvideo-i2v-2024-12"] == ("2025-03-06", "kept")
    # Nano's same-day weights do not count for the Super and Ultra pledges
    assert rows["nvidia-nemotron-3-super-open-2025-12"] == ("2026-03-11", "kept")
    assert rows["nvidia-nemotron-3-ultra-open-2025-12"] == ("2026-06-04", "kept")
    # a variant released as weights_partial of the model still fulfils its own pledge
    assert rows["black-forest-labs-flux-2-klein-2025-11"] == ("2026-01-15", "kept")
    assert rows["meta-llama-2-34b-delayed-2023-07"] == (None, "open-ended")


def test_xai_line_is_complete(tables):
    xai = {m["model_id"] for m in tables["models"] if m["organization_id"] == "xai"}
    assert {"grok-1", "grok-1-5", "grok-1-5v", "grok-2", "grok-3", "grok-4"} <= xai
    weights = {(e["model_id"], e["date"]) for e in tables["events"]
               if e["event_type"] == "weights_open" and e["model_id"] in xai}
    assert weights == {("grok-1", "2024-03-17"), ("grok-2", "2025-08-23")}


def test_no_negative_lag(built_db):
    """A coarse weights date in the same month as a day-precise release gives lag 0, never below."""
    conn = sqlite3.connect(built_db)
    assert conn.execute("select count(*) from model_lags where lag_days < 0").fetchone()[0] == 0
    # and the clamp only ever applies to coarse dates
    rows = conn.execute(
        "select model_id from model_lags where lag_days = 0 and lag_precision = 'day' "
        "and open_weights_date < first_public_date").fetchall()
    assert rows == []


# Components, each checked against the source cited in events.csv or component_checks.csv.
def _components(built_db, model_id):
    conn = sqlite3.connect(built_db)
    return {c: (s, d, lic) for c, s, d, lic in conn.execute(
        "select component, status, released_on, license_id from model_components "
        "where model_id = ?", [model_id])}


def test_grok_1_opened_weights_and_inference_code_only(built_db):
    """xai-org/grok-1 (2024-03-17): Apache-2.0 weights and JAX sampling code; the README
    offers no training code, no data, no data description and no paper."""
    assert _components(built_db, "grok-1") == {
        "weights": ("released", "2024-03-17", "Apache-2.0"),
        "inference_code": ("released", "2024-03-17", "Apache-2.0"),
        "training_code": ("not released", None, None),
        "training_data": ("not released", None, None),
        "data_documentation": ("not released", None, None),
        "paper": ("not released", None, None),
    }
    conn = sqlite3.connect(built_db)
    assert conn.execute("select openness_class, weights_lag_days, inference_code_lag_days "
                        "from model_openness where model_id = 'grok-1'").fetchone() == \
        ("open weights (OSI licence)", 135, 135)


def test_olmo_is_open_source(built_db):
    """OLMo 1 (2024-02-01): Apache-2.0 weights, training code and Dolma, with its datasheet."""
    components = _components(built_db, "olmo")
    assert {c: s for c, (s, _, _) in components.items()} == dict.fromkeys(components, "released")
    assert components["training_code"] == ("released", "2024-02-01", "Apache-2.0")
    conn = sqlite3.connect(built_db)
    assert conn.execute("select openness_class from model_openness where model_id = 'olmo'"
                        ).fetchone() == ("open source",)


def test_molmo_data_came_after_its_weights(built_db):
    """Molmo's weights came out on 2024-09-25; its PixMo training data on 2024-11-27."""
    conn = sqlite3.connect(built_db)
    row = conn.execute("select weights_date, training_data, training_data_date, training_data_lag_days "
                       "from model_openness where model_id = 'molmo'").fetchone()
    assert row == ("2024-09-25", "released", "2024-11-27", 63)


def test_every_model_has_an_openness_row_and_six_components(built_db):
    """model_openness: one row per model; model_components: six per model with any
    component released or checked, which is every model with weights."""
    conn = sqlite3.connect(built_db)
    models = conn.execute("select count(*) from models").fetchone()[0]
    assert conn.execute("select count(*) from model_openness").fetchone()[0] == models
    counts = {n for (n,) in conn.execute("select count(*) from model_components group by model_id")}
    assert counts == {6}
    assert conn.execute("select count(*) from model_openness where weights = 'released' and model_id "
                        "not in (select model_id from model_components)").fetchone()[0] == 0
    classes = {c for (c,) in conn.execute("select distinct openness_class from model_openness")}
    assert classes <= {"open source", "open weights (OSI licence)", "open weights (restricted)",
                       "partial weights", "gated", "closed"}
    # closed means no weights of any kind, and nothing else is closed
    assert conn.execute("select count(*) from model_openness o join model_lags l using (model_id) "
                        "where (o.openness_class = 'closed') <> (l.open_weights_date is null and "
                        "l.gated_weights_date is null and l.partial_weights_date is null)"
                        ).fetchone()[0] == 0


def test_day_precision_of_the_dates_lags_rest_on(built_db):
    """At least 95% of first-public and open-weights dates are known to the day
    (the coverage report lists the rest); a date that became day-precise from a
    dated announcement reads as such."""
    from scripts.tools.coverage import DATE_PRECISION

    with sqlite3.connect(built_db) as conn:
        dates = conn.execute(DATE_PRECISION).fetchall()
    by_key = {(model, which): (day, precision) for model, which, day, precision in dates}
    day = sum(precision == "day" for _, _, _, precision in dates)
    assert len(dates) > 1000
    assert day / len(dates) >= 0.95, f"{day} of {len(dates)} day-precise"
    # Mistral's magnet-link post of 2024-04-10; Evo 2's launch of 2025-02-19.
    assert by_key["mixtral-8x22b", "open weights"] == ("2024-04-10", "day")
    assert by_key["evo-2", "open weights"] == ("2025-02-19", "day")
    # Pythia's weights are dated only to the year.
    assert by_key["pythia", "open weights"] == ("2022-01-01", "year")
