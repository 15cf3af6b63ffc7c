"""The pages for people: one per model and one per organization, linked both
ways; the 404 page; the favicon; link-preview tags and page titles."""
from __future__ import annotations

import html
import re
import sqlite3

import pytest

from tests.helpers import read_csv

MODELS = read_csv("models")
ORGANIZATIONS = read_csv("organizations")


def _meta(text: str, key: str) -> str | None:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', text)
    return html.unescape(match.group(1)) if match else None


def test_every_model_has_a_page_linked_to_its_organization(client):
    for model in MODELS:
        r = client.get(f"/model/{model['model_id']}")
        assert r.status_code == 200, model["model_id"]
        assert f'href="/organization/{model["organization_id"]}"' in r.text, model["model_id"]
        assert f"<h1>{html.escape(model['name'])}</h1>" in r.text


def test_every_organization_has_a_page_linking_each_of_its_models(client):
    by_org: dict[str, set[str]] = {}
    for model in MODELS:
        by_org.setdefault(model["organization_id"], set()).add(model["model_id"])
    for org in ORGANIZATIONS:
        r = client.get(f"/organization/{org['organization_id']}")
        assert r.status_code == 200, org["organization_id"]
        linked = set(re.findall(r'<a href="/model/([^"]+)">', r.text))
        assert linked == by_org.get(org["organization_id"], set()), org["organization_id"]


def test_model_page_holds_every_event_with_its_source(client, built_db):
    conn = sqlite3.connect(built_db)
    rows = conn.execute("select date, event_type, source_url from events where model_id = 'grok-2' "
                        "order by date").fetchall()
    lag = conn.execute("select lag_days from model_lags where model_id = 'grok-2'").fetchone()[0]
    conn.close()
    page = client.get("/model/grok-2").text
    table = page[page.index('id="model-events"'):page.index("</table>", page.index('id="model-events"'))]
    assert table.count("<tr>") == len(rows) + 1  # header row + one per event
    for date, _, url in rows:
        assert date in table and html.escape(url) in table
    assert f"<strong>{lag} days</strong>" in page
    # The chart's data is embedded: one mark per event and per pledge about the model.
    data = page[page.index('id="timeline-data">'):]
    assert data.count('"kind": "event"') == len(rows)


def test_organization_page_lists_pledges_and_policy_outcomes(client, built_db):
    conn = sqlite3.connect(built_db)
    pledges = conn.execute("select count(*) from pledges where organization_id = 'xai'").fetchone()[0]
    covered = conn.execute("select count(*) from policy_outcomes where organization_id = 'xai'").fetchone()[0]
    conn.close()
    page = client.get("/organization/xai").text
    section = page[page.index('id="organization-pledges"'):]
    assert section[:section.index("</table>")].count("<tr>") == pledges + 1
    section = page[page.index('id="organization-policies"'):]
    assert section[:section.index("</table>")].count("<tr>") == covered + 1 > 2


@pytest.mark.parametrize("path", ["/model/no-such-model", "/organization/nobody", "/no/such/page"])
def test_not_found_pages_help_the_reader(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "<h1>Not found</h1>" in r.text
    assert 'action="/open-weights-lag/search"' in r.text and 'href="/-/dashboards/release-lags"' in r.text


def test_rows_of_models_and_organizations_link_to_their_pages(client):
    assert 'href="/model/grok-1"' in client.get("/open-weights-lag/models/grok-1").text
    assert 'href="/organization/xai"' in client.get("/open-weights-lag/organizations/xai").text
    # In query results too: ids link to the pages.
    r = client.get("/open-weights-lag/opened_later?organization=xai")
    assert '<a href="/model/grok-1">grok-1</a>' in r.text


def test_favicon_is_the_sites_own(client):
    for path in ("/favicon.ico", "/favicon.svg"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
        assert r.text.startswith("<svg")
    assert '<link rel="icon" href="/favicon.svg"' in client.get("/").text


@pytest.mark.parametrize("path,title,description", [
    ("/", "Open Weights Lag: how long until AI model weights are opened", "How long after an AI model"),
    ("/-/dashboards/release-lags", "Release lags at a glance", "How late do open weights come"),
    ("/open-weights-lag/opened_later", "Weights opened later: Open Weights Lag",
     "Models whose weights became openly downloadable more than 7 days"),
    ("/model/grok-1", "Grok-1 (xAI): Open Weights Lag", "Grok-1 by xAI: first public 2023-11-03"),
    ("/organization/xai", "xAI: models, lags and promises · Open Weights Lag", "xAI: 16 models"),
])
def test_pages_carry_titles_and_link_preview_tags(client, path, title, description):
    text = client.get(path).text
    assert re.search(r"<title>(.*?)</title>", text, re.S).group(1).strip() == title
    assert _meta(text, "og:title") == _meta(text, "twitter:title") == title
    assert _meta(text, "og:description").startswith(description)
    assert _meta(text, "twitter:card") == "summary"
    assert text.count('property="og:title"') == 1
