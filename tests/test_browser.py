"""The site in a real browser: pages load without console errors (under the
site's Content-Security-Policy), every chart actually draws, the dashboard's
marks match the rows its queries return, and a dashboard filter changes the
drawing. Screenshots of each page are saved when $OWL_SCREENSHOTS names a folder.

Uses Playwright with Debian's Chromium (/usr/bin/chromium). Without Chromium
these tests are skipped, except under CI (CI=true), where that is a failure.
"""
from __future__ import annotations

import os
import re
import sqlite3
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from scripts.metadata import METADATA_YML, query_url
from scripts.package import connect

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Screenshots are taken when OWL_SCREENSHOTS names a folder (never the repository's).
SCREENSHOTS = Path(os.environ["OWL_SCREENSHOTS"]) if os.environ.get("OWL_SCREENSHOTS") else None
HAND_WRITTEN = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))
QUERIES = HAND_WRITTEN["databases"]["open-weights-lag"]["queries"]
DASHBOARD = HAND_WRITTEN["plugins"]["datasette-dashboards"]["release-lags"]
CHARTED = sorted(name for name, q in QUERIES.items() if q.get("chart"))
# The SVG group vega draws each dashboard chart's marks into.
MARK_GROUP = {"timeline": "mark-rect", "lag-by-organization": "mark-symbol",
              "patterns-by-year": "mark-rect", "pledges": "mark-rect", "openness-by-year": "mark-rect",
              "pledge-timeline": "mark-rect"}


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


MISSING = _browser_missing()
if MISSING and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser tests cannot run under CI: {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"browser tests skipped: {MISSING}")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Page:
    """A browser page that records console errors, page errors and CSP reports."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.json_requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("response", self._response)

    def _response(self, response):
        if response.status >= 400:
            self.errors.append(f"{response.status}: {response.url}")
        if ".json" in urlparse(response.url).path:
            self.json_requests.append(response.url)

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def screenshot(self, name: str) -> Path | None:
        """A full-page picture in $OWL_SCREENSHOTS; none when it is not set (a
        full page of a long table costs the browser more than the test itself)."""
        if SCREENSHOTS is None:
            return None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser):
    t = Page(browser)
    yield t
    t.close()


COLOURED_PIXELS_JS = """(selector) => {
    const c = document.querySelector(selector);
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
    }
    return n;
}"""


def coloured_pixels(page, selector: str = "canvas") -> int:
    """Pixels of the chart's canvas that are neither transparent nor white."""
    return page.evaluate(COLOURED_PIXELS_JS, selector)


def test_home_page_shows_numbers_from_the_data(live_site, tab, built_db):
    page = tab.open(live_site + "/")
    text = page.inner_text("body")
    conn = sqlite3.connect(built_db)
    models = conn.execute("select count(*) from models").fetchone()[0]
    orgs = conn.execute("select count(*) from organizations").fetchone()[0]
    assert f"{models} models from {orgs}" in re.sub(r"\s+", " ", text)
    assert page.locator("a[href='/-/dashboards/release-lags']").count() == 1
    tab.screenshot("home")
    assert tab.errors == []


@pytest.mark.parametrize("name", CHARTED)
def test_canned_query_chart_draws_from_its_own_rows(live_site, tab, name):
    page = tab.open(live_site + query_url(name, QUERIES[name]))
    page.wait_for_selector("canvas", timeout=15000)
    # Drawn: the canvas has its size and more than 2000 coloured pixels.
    page.wait_for_function(
        f"""() => {{ const c = document.querySelector('canvas');
                    return c && c.width > 50 && c.height > 50
                        && ({COLOURED_PIXELS_JS})('canvas') > 2000; }}""", timeout=15000)
    assert coloured_pixels(page) > 2000, "the chart's canvas is blank"
    # The chart fetched this very page's rows: same query, same parameters.
    chart_fetches = [u for u in tab.json_requests if urlparse(u).path.endswith(f"/{name}.json")]
    assert chart_fetches, tab.json_requests
    table_rows = page.locator("table.rows-and-columns tbody tr").count()
    import json as _json
    import urllib.request

    fetched = _json.loads(urllib.request.urlopen(chart_fetches[0]).read())
    rows = fetched["rows"] if isinstance(fetched, dict) else fetched
    assert len(rows) == table_rows > 0
    tab.screenshot(f"query-{name}")
    assert tab.errors == []


@pytest.mark.parametrize("name", sorted(set(QUERIES) - set(CHARTED)))
def test_uncharted_query_pages_load_cleanly(live_site, tab, name):
    page = tab.open(live_site + query_url(name, QUERIES[name]))
    assert page.locator("table.rows-and-columns").count() == 1
    assert tab.errors == []


def _dashboard_rows(db: Path, chart: str, params: dict[str, str]) -> list[tuple]:
    from datasette_dashboards import replace_opts_in_query

    sql = replace_opts_in_query(DASHBOARD["charts"][chart]["query"], params)
    conn = connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _marks(page, chart: str) -> int:
    return page.locator(f"#chart-{chart} svg g.{MARK_GROUP[chart]} > path").count()


def _open_dashboard(tab, live_site, query: str = ""):
    page = tab.open(f"{live_site}/-/dashboards/release-lags{query}")
    for chart in MARK_GROUP:
        page.wait_for_selector(f"#chart-{chart} svg g.{MARK_GROUP[chart]}", timeout=15000)
    page.wait_for_timeout(300)
    return page


def test_dashboard_draws_one_mark_per_row(live_site, tab, built_db):
    page = _open_dashboard(tab, live_site)
    for chart in MARK_GROUP:
        rows = _dashboard_rows(built_db, chart, {})
        assert rows, chart
        assert _marks(page, chart) == len(rows), chart
    for metric in ("models", "organizations"):
        (value,) = _dashboard_rows(built_db, metric, {})[0]
        assert page.inner_text(f"#chart-{metric}").strip() == str(value)
    tab.screenshot("dashboard")
    assert tab.errors == []


def test_dashboard_filter_changes_the_drawing(live_site, tab, built_db):
    unfiltered = len(_dashboard_rows(built_db, "timeline", {}))
    params = {"organization": "xai"}
    rows = _dashboard_rows(built_db, "timeline", params)
    assert 0 < len(rows) < unfiltered
    page = _open_dashboard(tab, live_site, "?organization=xai")
    assert _marks(page, "timeline") == len(rows)
    labels = set(page.locator("#chart-timeline svg g.role-axis-label text").all_text_contents())
    assert {name for name, *_ in rows} <= labels
    assert page.input_value("#organization") == "xai"
    tab.screenshot("dashboard-xai")
    assert tab.errors == []


def test_dashboard_year_filter(live_site, tab, built_db):
    params = {"year": "2024"}
    rows = _dashboard_rows(built_db, "patterns-by-year", params)
    page = _open_dashboard(tab, live_site, "?year=2024")
    assert _marks(page, "patterns-by-year") == len(rows) > 0
    assert {r[0] for r in rows} == {2024}
    assert tab.errors == []


def test_chart_link_fragment_survives_navigation(live_site, tab):
    """Following the home page's link to a charted query opens it with the chart drawn."""
    page = tab.open(live_site + "/")
    page.click("text=models whose weights came late")
    page.wait_for_selector("canvas", timeout=15000)
    assert "g.mark=bar" in page.url
    assert parse_qs(urlparse(page.url).fragment)["g.y_column"] == ["lag_days"]
    assert tab.errors == []


def _count(db: Path, sql: str, params=()) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def _svg_marks(page, chart: str, group: str) -> int:
    page.wait_for_selector(f"#{chart} svg g.{group}", timeout=15000)
    return page.locator(f"#{chart} svg g.{group} > path").count()


def test_home_page_leads_with_a_chart_drawn_from_the_data(live_site, tab, built_db):
    page = tab.open(live_site + "/")
    conn = sqlite3.connect(built_db)
    names = {n for (n,) in conn.execute(
        "select name from model_lags where release_pattern = 'opened later'")}
    conn.close()
    assert _svg_marks(page, "headline-chart", "mark-rect") == len(names) > 10
    labels = set(page.locator("#headline-chart svg g.role-axis-label text").all_text_contents())
    assert names <= labels
    # The picture comes first: above the description and the numbers.
    chart_top = page.locator("#headline").bounding_box()["y"]
    numbers_top = page.locator("text=In numbers:").bounding_box()["y"]
    assert chart_top < numbers_top
    tab.screenshot("home-chart")
    assert tab.errors == []


def test_model_page_draws_its_timeline_and_links_to_its_organization(live_site, tab, built_db):
    events = _count(built_db, "select count(*) from events where model_id = 'grok-1'")
    pledges = _count(built_db, "select count(*) from pledges where model_id = 'grok-1'")
    page = tab.open(live_site + "/model/grok-1")
    assert _svg_marks(page, "model-chart", "mark-symbol") == events >= 3
    assert page.locator("#model-chart svg g.mark-rect > path").count() == pledges > 0
    assert page.locator("#model-events tbody tr").count() == events
    tab.screenshot("model-grok-1")
    assert tab.errors == []
    page.click("a.owl-organization")
    page.wait_for_url("**/organization/xai")
    models = _count(built_db, "select count(*) from models where organization_id = 'xai'")
    assert _svg_marks(page, "organization-chart", "mark-rect") == models > 5
    assert page.locator("#organization-models a[href='/model/grok-1']").count() == 1
    assert page.locator("#organization-pledges tbody tr").count() == _count(
        built_db, "select count(*) from pledges where organization_id = 'xai'")
    tab.screenshot("organization-xai")
    assert tab.errors == []


def test_not_found_page_helps(live_site, tab):
    response = tab.page.goto(live_site + "/model/no-such-model")
    assert response.status == 404
    tab.errors.clear()  # the 404 itself is the point here
    assert "no-such-model" in tab.page.inner_text("h1 + p")
    assert tab.page.locator("form[action='/open-weights-lag/search']").count() == 1
    tab.screenshot("not-found")


def test_a_sample_of_model_and_organization_pages_draw_their_charts(live_site, tab, built_db):
    """Beyond grok-1 and xai: one model of each of several organizations (the
    first model of every 40th organization), its page and its organization's."""
    conn = sqlite3.connect(built_db)
    orgs = [o for (o,) in conn.execute("select organization_id from organizations order by 1")][::40]
    for org in orgs:
        model, events = conn.execute(
            "select m.model_id, count(e.rowid) from models m join events e using (model_id) "
            "where m.organization_id = ? group by m.model_id order by m.model_id limit 1",
            (org,)).fetchone()
        models = conn.execute("select count(*) from models where organization_id = ?", (org,)).fetchone()[0]
        page = tab.open(f"{live_site}/model/{model}")
        assert _svg_marks(page, "model-chart", "mark-symbol") == events, model
        assert page.locator(f"a.owl-organization[href='/organization/{org}']").count() == 1
        page = tab.open(f"{live_site}/organization/{org}")
        assert _svg_marks(page, "organization-chart", "mark-rect") == models, org
        assert page.locator(f"#organization-models a[href='/model/{model}']").count() == 1
    conn.close()
    assert len(orgs) >= 3
    assert tab.errors == []
