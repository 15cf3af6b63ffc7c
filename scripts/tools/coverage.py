"""Print what the data covers: counts per organization, release pattern and
year, gaps to fill (models with one event, weights events that came late
without a second source, dates known only to the month or year) and sources
by domain.

Usage: python -m scripts.tools.coverage [build/<name>.db]
"""
from __future__ import annotations

import sqlite3
import sys
from urllib.parse import urlsplit

from scripts.package import DB_NAME, NAME, ROOT


# Each model's first public date and open-weights date (model_dates), with the
# finest precision among the events that give that date.
DATE_PRECISION = """
select d.model_id, 'first public', d.first_public_date,
  (select e.date_precision from dated_events e
    where e.model_id = d.model_id and e.date = d.first_public_date
      and e.is_public and not e.superseded_as_public
    order by case e.date_precision when 'day' then 0 when 'month' then 1 else 2 end limit 1)
from model_dates d where d.first_public_date is not null
union all
select d.model_id, 'open weights', d.open_weights_date,
  (select e.date_precision from dated_events e
    where e.model_id = d.model_id and e.date = d.open_weights_date
      and e.weights = 'open' and not e.superseded_as_type
    order by case e.date_precision when 'day' then 0 when 'month' then 1 else 2 end limit 1)
from model_dates d where d.open_weights_date is not null
order by 1, 2
"""


def table(title: str, rows: list[tuple], headers: tuple[str, ...]) -> None:
    print(f"\n## {title}")
    if not rows:
        print("(none)")
        return
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())


def main(argv: list[str]) -> int:
    db = argv[1] if len(argv) > 1 else str(ROOT / "build" / DB_NAME)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    q = lambda sql: conn.execute(sql).fetchall()
    version, as_of = q("select version, as_of from package")[0]
    totals = q("select (select count(*) from organizations), (select count(*) from models), "
               "(select count(*) from events), (select count(*) from pledges)")[0]
    print(f"# Coverage of {NAME} {version}, as of {as_of}")
    print("organizations {}, models {}, events {}, pledges {}".format(*totals))
    table("Per organization", q(
        "select organization_id, count(*), sum(release_pattern = 'open at launch'), "
        "sum(release_pattern = 'opened later'), sum(release_pattern = 'closed'), "
        "sum(events) from model_lags group by organization_id order by count(*) desc, 1"),
        ("organization", "models", "open at launch", "opened later", "closed", "events"))
    table("Per release pattern", q(
        "select release_pattern, count(*) from model_lags group by 1 order by 2 desc"),
        ("release pattern", "models"))
    table("Per year of first release", q(
        "select first_public_year, count(*), sum(release_pattern = 'opened later') "
        "from model_lags group by 1 order by 1"), ("year", "models", "opened later"))
    table("Events by type", q("select event_type, count(*) from events group by 1 order by 2 desc"),
          ("event type", "events"))
    table("Events without the licence their type requires (should be none)", q(
        "select e.model_id, e.date, e.event_type from events e join event_types t "
        "on t.event_type = e.event_type where e.license_id is null and t.licence = 'required'"),
        ("model", "date", "event type"))
    table("Models with only one event", q(
        "select model_id, organization_id from model_lags where events = 1 order by 2, 1"),
        ("model", "organization"))
    table("Opened later without a second source in the notes of the weights event", q(
        "select ml.model_id, ml.lag_days from model_lags ml join events e on e.model_id = ml.model_id "
        "and e.event_type = 'weights_open' and e.date = ml.open_weights_date "
        "where ml.release_pattern = 'opened later' and coalesce(e.notes, '') not like '%https://%' "
        "order by 2 desc"), ("model", "lag days"))
    dates = q(DATE_PRECISION)
    day = sum(1 for _, _, _, precision in dates if precision == "day")
    share = f"{100 * day / len(dates):.1f}%" if dates else "n/a"
    print(f"\n## Day precision of first-public and open-weights dates\n{day} of {len(dates)} ({share})")
    table("Dates known only to the month or year",
          [row for row in dates if row[3] != "day"], ("model", "date of", "date", "precision"))
    domains: dict[str, int] = {}
    for (url,) in q("select source_url from events union all select source_url from pledges"):
        host = urlsplit(url).hostname or "?"
        domains[host.removeprefix("www.")] = domains.get(host.removeprefix("www."), 0) + 1
    table("Sources by domain (top 25)",
          sorted(domains.items(), key=lambda kv: (-kv[1], kv[0]))[:25], ("domain", "rows"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
