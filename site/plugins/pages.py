"""Pages for people rather than tables: one page per model and one per
organization (each with its timeline drawn), the favicon, and the tags that
make a pasted link show a title and a summary (OpenGraph and Twitter cards).

The pages read only tables the build derives (model_lags, model_openness,
model_components, pledge_status, policy_outcomes, organization_patterns) and
the hand-edited ones; no rule or list is repeated here.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from datasette import Response, hookimpl
from datasette.utils.asgi import NotFound
from markupsafe import Markup

SITE = Path(__file__).resolve().parent.parent
FAVICON = (SITE / "static" / "favicon.svg").read_bytes()
MODEL_PATH = r"^/model/(?P<model_id>[A-Za-z0-9._-]{1,100})$"
ORGANIZATION_PATH = r"^/organization/(?P<organization_id>[A-Za-z0-9._-]{1,100})$"
# Columns whose values in query results link to the page of that model or organization.
PAGE_LINKS = {"model_id": "/model/", "organization_id": "/organization/",
              "successor_model_id": "/model/"}


async def _rows(db, sql: str, params: list) -> list[dict]:
    result = await db.execute(sql, params)
    return [dict(r) for r in result.rows]


async def _one(db, sql: str, params: list) -> dict | None:
    rows = await _rows(db, sql, params)
    return rows[0] if rows else None


def _script_json(value) -> Markup:
    """JSON that is safe inside a <script type="application/json"> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _model_timeline(events: list[dict], pledges: list[dict], as_of: str) -> list[dict]:
    """One mark per event (a point) and one per pledge (a bar from the day it
    was made to its deadline, or to its delivery or as_of when none was stated)."""
    marks = [{"kind": "event", "lane": e["lane"], "start": e["date"], "end": None,
              "label": e["event_type"] + (f" ({e['variant']})" if e["variant"] else ""),
              "precision": e["date_precision"]} for e in events]
    for p in pledges:
        end = p["deadline"] or p["delivered_on"] or as_of
        marks.append({"kind": "pledge", "lane": "pledges", "start": p["made_on"],
                      "end": max(end, p["made_on"]), "label": f"{p['pledge_id']}: {p['status']}",
                      "precision": p["made_on_precision"]})
    return marks


async def model_page(request, datasette):
    model_id = request.url_vars["model_id"]
    db = datasette.get_database()
    model = await _one(db, "select * from model_lags where model_id = ?", [model_id])
    if model is None:
        raise NotFound(f"There is no model with the id “{model_id}”.")
    package = await _one(db, "select name, version, as_of from package", [])
    events = await _rows(db, """
        select e.date, e.date_precision, e.event_type, e.variant, e.license_id, e.source_url,
          e.notes, case when t.weights is not null then 'weights'
                        when t.component is not null then 'components'
                        else 'releases' end as lane
        from events e join event_types t using (event_type)
        where e.model_id = ? order by e.date, e.event_type, e.variant""", [model_id])
    pledges = await _rows(db, """
        select pledge_id, kind, made_on, made_on_precision, speaker, statement, deadline_words,
          deadline, delivered_on, status, days_past_deadline, days_waited, source_url
        from pledge_status where model_id = ? order by made_on, pledge_id""", [model_id])
    context = {
        "model": model, "package": package, "events": events, "pledges": pledges,
        "openness": await _one(db, "select * from model_openness where model_id = ?", [model_id]),
        "components": await _rows(db, """
            select component, status, released_on, date_precision, license_id, lag_days,
              checked_on, source_url, check_notes
            from model_components where model_id = ? order by component""", [model_id]),
        "policies": await _rows(db, "select * from policy_outcomes where model_id = ? "
                                    "order by pledge_id", [model_id]),
        "timeline": _script_json(_model_timeline(events, pledges, package["as_of"])),
        "database": db.name,
    }
    return Response.html(await datasette.render_template("model.html", context, request=request))


async def organization_page(request, datasette):
    organization_id = request.url_vars["organization_id"]
    db = datasette.get_database()
    organization = await _one(db, "select * from organizations where organization_id = ?",
                              [organization_id])
    if organization is None:
        raise NotFound(f"There is no organization with the id “{organization_id}”.")
    package = await _one(db, "select name, version, as_of from package", [])
    models = await _rows(db, """
        select ml.model_id, ml.name, ml.modality, ml.first_public_date, ml.open_weights_date,
          ml.lag_days, ml.release_pattern, ml.days_without_open_weights, ml.retired_date,
          mo.openness_class, mo.weights_license_id
        from model_lags ml left join model_openness mo using (model_id)
        where ml.organization_id = ? order by ml.first_public_date, ml.model_id""",
                         [organization_id])
    context = {
        "organization": organization, "package": package, "models": models,
        "patterns": await _rows(db, """
            select release_pattern, models, typical_lag_days, longest_lag_days
            from organization_patterns where organization_id = ? order by list_rank""",
                                [organization_id]),
        "pledges": await _rows(db, """
            select pledge_id, kind, model_id, model_name, made_on, speaker, statement,
              deadline_words, deadline, delivered_on, status, days_past_deadline, days_waited,
              source_url
            from pledge_status where organization_id = ? order by made_on, pledge_id""",
                               [organization_id]),
        "policies": await _rows(db, "select * from policy_outcomes where organization_id = ? "
                                    "order by pledge_id, first_public_date", [organization_id]),
        "chart": _script_json([{**m, "until": m["open_weights_date"] or package["as_of"]}
                               for m in models]),
        "database": db.name,
    }
    return Response.html(await datasette.render_template("organization.html", context,
                                                         request=request))


async def favicon(request, datasette):
    return Response(FAVICON, content_type="image/svg+xml",
                    headers={"cache-control": "public, max-age=86400"})


@hookimpl
def register_routes():
    return [(MODEL_PATH, model_page), (ORGANIZATION_PATH, organization_page),
            (r"^/favicon\.ico$", favicon), (r"^/favicon\.svg$", favicon)]


@hookimpl
def render_cell(value, column, table, database, datasette):
    """In query results, a model or organization id links to its page."""
    if table is None and column in PAGE_LINKS and isinstance(value, str) and value:
        href = PAGE_LINKS[column] + value
        return Markup(f'<a href="{html.escape(href)}">{html.escape(value)}</a>')
    return None


# ---- Link previews -------------------------------------------------------------------------

TITLE = re.compile(rb"<title>(.*?)</title>", re.S)


def _description(datasette, path: str) -> str:
    """A one-line summary of the page at `path`, from the served metadata."""
    meta = datasette.metadata() or {}
    site = meta.get("title", "")
    db_name = next((n for n in datasette.databases if not n.startswith("_")), "")
    queries = ((datasette.metadata("databases") or {}).get(db_name, {}).get("queries", {}))
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if path.startswith(f"/{db_name}/") and name in queries:
        query = queries[name]
        return _plain(query.get("description") or query.get("description_html") or site)
    dashboards = datasette.plugin_config("datasette-dashboards") or {}
    if path.startswith("/-/dashboards/") and name in dashboards:
        return dashboards[name].get("description") or site
    first = re.split(r"(?<=[.?])\s", _plain(meta.get("description_html", "")), maxsplit=2)
    return " ".join(first[:2])


def _plain(text: str) -> str:
    """Text without tags, placeholders or runs of white space."""
    text = html.unescape(re.sub(r"<[^>]+>|\[\[[^\]]*\]\]", "", text))
    return " ".join(text.split())


def share_tags(title: str, description: str, url: str, site_name: str) -> bytes:
    tags = [("property", "og:type", "website"), ("property", "og:site_name", site_name),
            ("property", "og:title", title), ("property", "og:description", description),
            ("property", "og:url", url), ("name", "twitter:card", "summary"),
            ("name", "twitter:title", title), ("name", "twitter:description", description),
            ("name", "description", description)]
    out = ['<link rel="icon" href="/favicon.svg" type="image/svg+xml">']
    out += [f'<meta {attr}="{key}" content="{html.escape(value, quote=True)}">'
            for attr, key, value in tags]
    return "\n".join(out).encode()


def add_share_tags(body: bytes, datasette, scope) -> bytes:
    if b'property="og:title"' in body or b"</head>" not in body:
        return body
    match = TITLE.search(body)
    title = html.unescape(match.group(1).decode("utf-8", "replace")).strip() if match else ""
    path = scope.get("path", "/")
    host = dict(scope.get("headers") or []).get(b"host", b"localhost").decode("latin-1")
    url = f"{scope.get('scheme', 'http')}://{host}{path}"
    meta = datasette.metadata() or {}
    tags = share_tags(title or meta.get("title", ""), _description(datasette, path), url,
                      meta.get("title", ""))
    return body.replace(b"</head>", tags + b"\n</head>", 1)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_share_tags(scope, receive, send):
            if scope.get("type") != "http" or scope.get("method") != "GET":
                await app(scope, receive, send)
                return
            held = {}
            chunks: list[bytes] = []

            async def buffered(message):
                if message["type"] == "http.response.start":
                    headers = dict(message.get("headers") or [])
                    if headers.get(b"content-type", b"").startswith(b"text/html"):
                        held["start"] = message
                        return
                    await send(message)
                elif "start" in held:
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body"):
                        await _send_html(held["start"], b"".join(chunks), datasette, scope, send)
                else:
                    await send(message)

            await app(scope, receive, buffered)
        return with_share_tags
    return wrap


async def _send_html(start, body: bytes, datasette, scope, send) -> None:
    body = add_share_tags(body, datasette, scope)
    headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
