"""The rules of the package that a Table Schema cannot express: each defined
once, here, as an SQL query over the loaded tables, and run the same way by
`make validate` and by the build (scripts/pipeline.py).

A rule's query returns one row per offending row: `row` (the rowid of the
offending row in `table`, which is its position in the CSV), `value`, optionally
`column` (when one rule covers several columns) and any further columns its
message names in braces. Parameters: :as_of.

Severity: an error stops the build; a warning is printed and the build goes
on. Rules that read derived tables (model_lags) run after those are built.
"""
from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass

from scripts.package import Package, Problem

# Text that cites a lookup id instead of a URL ("... id 71619832572").
LOOKUP_ID_GLOB = "*id [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*"


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    column: str
    sql: str
    expected: str
    severity: str = "error"
    after_derived: bool = False
    # True when the fast acceptor (scripts/accept.py) declines every row the rule
    # would report, so a package it accepted cannot break the rule.
    implied_by_fast_path: bool = False


RULES = [
    # events
    Rule("event-after-as-of", "events", "date",
         "SELECT rowid AS row, date AS value FROM events WHERE date > :as_of",
         "after the package's as_of date {as_of}; expected an event that has happened"),
    Rule("month-precision-first-day", "events", "date",
         "SELECT rowid AS row, date AS value FROM events "
         "WHERE date_precision = 'month' AND substr(date, 9, 2) <> '01'",
         "date_precision is month; expected the first day of the month (YYYY-MM-01)"),
    Rule("year-precision-january-first", "events", "date",
         "SELECT rowid AS row, date AS value FROM events "
         "WHERE date_precision = 'year' AND substr(date, 6, 5) <> '01-01'",
         "date_precision is year; expected YYYY-01-01"),
    Rule("licence-required", "events", "license_id",
         "SELECT e.rowid AS row, '' AS value, e.event_type FROM events e "
         "CROSS JOIN event_types t ON t.event_type = e.event_type "
         "WHERE t.licence = 'required' AND e.license_id IS NULL",
         "event_type {event_type} expected a licence (licenses.license_id)"),
    Rule("licence-not-allowed", "events", "license_id",
         "SELECT e.rowid AS row, e.license_id AS value, e.event_type FROM events e "
         "CROSS JOIN event_types t ON t.event_type = e.event_type "
         "WHERE t.licence = 'none' AND e.license_id IS NOT NULL",
         "event_type {event_type} expected no licence (only the types whose "
         "event_types.licence is required or optional name one)"),
    Rule("event-before-founding", "events", "date",
         "SELECT e.rowid AS row, e.date AS value, o.organization_id, o.founded_year FROM events e "
         "JOIN models m ON m.model_id = e.model_id "
         "JOIN organizations o ON o.organization_id = m.organization_id "
         "WHERE CAST(substr(e.date, 1, 4) AS INTEGER) < o.founded_year",
         "before {organization_id} was founded ({founded_year}); expected a date in or after that year"),
    Rule("coarse-date-explained", "events", "notes",
         "SELECT rowid AS row, '' AS value, date_precision FROM events "
         "WHERE date_precision <> 'day' AND notes IS NULL",
         "date_precision is {date_precision}; expected a note saying why the day is not known",
         severity="warning"),
    # models
    Rule("model-has-public-event", "models", "model_id",
         "SELECT m.rowid AS row, m.model_id AS value, (SELECT group_concat(event_type, ', ') "
         "FROM (SELECT event_type FROM event_types WHERE public ORDER BY event_type)) AS types "
         "FROM models m WHERE NOT EXISTS (SELECT 1 FROM events e "
         "JOIN event_types t ON t.event_type = e.event_type "
         "WHERE e.model_id = m.model_id AND t.public)",
         "no first public event; expected an events.csv row of type {types}"),
    Rule("model-name-unique-in-organization", "models", "name",
         "SELECT m.rowid AS row, m.name AS value, m.organization_id FROM models m "
         "JOIN (SELECT organization_id, lower(name) AS lname, min(rowid) AS first FROM models "
         "GROUP BY 1, 2 HAVING count(*) > 1) d ON d.organization_id = m.organization_id "
         "AND d.lname = lower(m.name) AND m.rowid > d.first",
         "another model of {organization_id} has this name; expected one name per model "
         "within an organization"),
    Rule("weights-first-is-explained", "models", "notes",
         "SELECT m.rowid AS row, '' AS value, l.first_public_event FROM models m "
         "JOIN model_lags l ON l.model_id = m.model_id "
         "JOIN event_types t ON t.event_type = l.first_public_event "
         "WHERE t.weights IS NOT NULL AND m.notes IS NULL AND NOT EXISTS "
         "(SELECT 1 FROM events e WHERE e.model_id = m.model_id AND e.notes IS NOT NULL)",
         "first made public by {first_public_event}; expected a note (on the model or one of "
         "its events) saying how it was released without an announcement",
         after_derived=True),
    # organizations and licences
    Rule("founded-by-as-of", "organizations", "founded_year",
         "SELECT rowid AS row, founded_year AS value FROM organizations "
         "WHERE founded_year > CAST(substr(:as_of, 1, 4) AS INTEGER)",
         "after the as_of year {as_of_year}"),
    Rule("organization-has-model", "organizations", "organization_id",
         "SELECT o.rowid AS row, o.organization_id AS value FROM organizations o "
         "WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.organization_id = o.organization_id)",
         "no model; expected at least one models.csv row of this organization"),
    Rule("licence-is-used", "licenses", "license_id",
         "SELECT l.rowid AS row, l.license_id AS value FROM licenses l "
         "WHERE l.duplicate_of IS NULL "
         "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.license_id = l.license_id)",
         "not cited by any event; expected each licence to be the licence of an events.csv row"),
    Rule("duplicate-licence-not-cited", "events", "license_id",
         "SELECT e.rowid AS row, e.license_id AS value, l.duplicate_of FROM events e "
         "JOIN licenses l ON l.license_id = e.license_id WHERE l.duplicate_of IS NOT NULL",
         "a duplicate licence id; expected {duplicate_of}, the id it duplicates"),
    Rule("duplicate-of-an-original", "licenses", "duplicate_of",
         "SELECT l.rowid AS row, l.duplicate_of AS value FROM licenses l "
         "JOIN licenses o ON o.license_id = l.duplicate_of "
         "WHERE o.duplicate_of IS NOT NULL OR o.license_id = l.license_id",
         "names itself or another duplicate; expected the licence id that is kept"),
    # pledges
    Rule("pledge-by-as-of", "pledges", "made_on",
         "SELECT rowid AS row, made_on AS value FROM pledges WHERE made_on > :as_of",
         "after the package's as_of date {as_of}; expected a pledge already made"),
    Rule("deadline-after-pledge", "pledges", "deadline",
         "SELECT rowid AS row, deadline AS value, made_on FROM pledges WHERE deadline < made_on",
         "before made_on {made_on}; expected a deadline on or after it"),
    Rule("deadline-when-stated", "pledges", "deadline",
         "SELECT rowid AS row, coalesce(deadline, '') AS value, deadline_reading FROM pledges "
         "WHERE (deadline IS NOT NULL) <> (deadline_reading = 'stated')",
         "deadline_reading is {deadline_reading}; expected a deadline exactly when the reading is "
         "stated (other readings compute it from made_on)"),
    Rule("follow-up-links", "pledges", "follows_pledge_id",
         "SELECT rowid AS row, coalesce(follows_pledge_id, '') AS value, kind FROM pledges "
         "WHERE (kind = 'follow-up') <> (follows_pledge_id IS NOT NULL AND follow_up IS NOT NULL)",
         "kind is {kind}; expected follows_pledge_id and follow_up exactly for a follow-up"),
    Rule("follow-up-after-pledge", "pledges", "made_on",
         "SELECT p.rowid AS row, p.made_on AS value, f.pledge_id AS earlier, f.made_on AS earlier_on "
         "FROM pledges p JOIN pledges f ON f.pledge_id = p.follows_pledge_id "
         "WHERE CASE p.made_on_precision WHEN 'month' THEN date(p.made_on, '+1 month', '-1 day') "
         "ELSE p.made_on END < f.made_on",
         "before the pledge it follows ({earlier}, {earlier_on}); expected a later statement"),
    Rule("policy-has-rule", "pledges", "policy_rule",
         "SELECT rowid AS row, coalesce(policy_rule, '') AS value, kind FROM pledges "
         "WHERE (kind = 'policy') <> (policy_rule IS NOT NULL) "
         "OR (policy_rule = 'within-days') <> (policy_days IS NOT NULL)",
         "kind is {kind}; expected a policy_rule exactly for a policy, and policy_days exactly "
         "for a within-days rule"),
    Rule("pledge-components-known", "pledges", "components",
         "SELECT p.rowid AS row, c.component AS value FROM pledge_components c "
         "JOIN pledges p ON p.pledge_id = c.pledge_id "
         "WHERE c.component NOT IN (SELECT component FROM components)",
         "unknown component; expected components.component values separated by ';'",
         after_derived=True),
    Rule("pledge-second-source", "pledges", "second_source_url",
         "SELECT rowid AS row, '' AS value FROM pledges WHERE second_source_url IS NULL",
         "no second source; expected an independent source confirming the statement",
         severity="warning"),
    Rule("policy-models-of-a-policy", "policy_models", "pledge_id",
         "SELECT c.rowid AS row, c.pledge_id AS value, p.kind FROM policy_models c "
         "JOIN pledges p ON p.pledge_id = c.pledge_id WHERE p.kind <> 'policy'",
         "that pledge is of kind {kind}; expected a policy"),
    Rule("policy-models-of-the-organization", "policy_models", "model_id",
         "SELECT c.rowid AS row, c.model_id AS value, m.organization_id AS owner, "
         "p.organization_id FROM policy_models c JOIN pledges p ON p.pledge_id = c.pledge_id "
         "JOIN models m ON m.model_id = c.model_id WHERE m.organization_id <> p.organization_id",
         "belongs to {owner}; expected a model of the policy's organization {organization_id}"),
    Rule("successor-for-successor-rule", "policy_models", "successor_model_id",
         "SELECT c.rowid AS row, coalesce(c.successor_model_id, '') AS value, p.policy_rule "
         "FROM policy_models c JOIN pledges p ON p.pledge_id = c.pledge_id "
         "WHERE c.successor_model_id IS NOT NULL AND p.policy_rule <> 'previous-on-successor'",
         "the policy's rule is {policy_rule}; expected a successor only under previous-on-successor"),
    Rule("pledge-model-of-organization", "pledges", "organization_id",
         "SELECT p.rowid AS row, p.organization_id AS value, p.model_id, "
         "m.organization_id AS owner FROM pledges p JOIN models m ON m.model_id = p.model_id "
         "WHERE m.organization_id <> p.organization_id",
         "model {model_id} belongs to {owner}; expected the same organization"),
    # component checks
    Rule("check-by-as-of", "component_checks", "checked_on",
         "SELECT rowid AS row, checked_on AS value FROM component_checks WHERE checked_on > :as_of",
         "after the package's as_of date {as_of}; expected a check already made"),
    Rule("unknown-has-reason", "component_checks", "notes",
         "SELECT rowid AS row, '' AS value FROM component_checks "
         "WHERE status = 'unknown' AND notes IS NULL",
         "status is unknown; expected a note saying what was looked at and why it is unsettled"),
    Rule("check-agrees-with-events", "component_checks", "status",
         "SELECT c.rowid AS row, c.status AS value, c.component, min(e.date) AS released_on "
         "FROM component_checks c JOIN event_types t ON t.component = c.component "
         "JOIN events e ON e.model_id = c.model_id AND e.event_type = t.event_type "
         "WHERE e.date <= c.checked_on GROUP BY c.rowid",
         "{component} was released on {released_on} (events.csv); expected no check row for a "
         "released component"),
]


def _table_rules(pkg: Package) -> list[Rule]:
    """Rules every table obeys, generated from its schema: rows sorted by the
    primary key, no text with stray whitespace, no note citing a lookup id."""
    rules = []
    for res in pkg.resources.values():
        pk = res.primary_key
        key = ", ".join(f"coalesce(b.[{k}], '')" for k in pk)
        previous = ", ".join(f"coalesce(a.[{k}], '')" for k in pk)
        shown = " || ',' || ".join(f"coalesce(b.[{k}], '')" for k in pk)
        rules.append(Rule(
            f"{res.name}-sorted", res.name, ",".join(pk),
            f"SELECT b.rowid AS row, {shown} AS value FROM [{res.name}] b "
            f"JOIN [{res.name}] a ON a.rowid = b.rowid - 1 WHERE ({key}) < ({previous}) LIMIT 1",
            f"rows out of order; expected rows sorted by {','.join(pk)} "
            "(this row sorts before the row above it)"))
        text = [f["name"] for f in res.fields if f["type"] == "string"]
        untrimmed = [f"[{c}] <> trim([{c}], ' ' || char(9, 10, 11, 12, 13, 160))" for c in text]
        which = " ".join(f"WHEN {u} THEN '{c}'" for c, u in zip(text, untrimmed))
        first = " ".join(f"WHEN {u} THEN [{c}]" for c, u in zip(text, untrimmed))
        rules.append(Rule(
            f"{res.name}-trimmed", res.name, "",
            f"SELECT rowid AS row, CASE {which} END AS [column], CASE {first} END AS value "
            f"FROM [{res.name}] WHERE {' OR '.join(untrimmed)}",
            "leading or trailing whitespace; expected the value without it",
            implied_by_fast_path=True))
        if "notes" in text:
            rules.append(Rule(
                f"{res.name}-notes-cite-urls", res.name, "notes",
                f"SELECT rowid AS row, notes AS value FROM [{res.name}] "
                f"WHERE notes GLOB '{LOOKUP_ID_GLOB}'",
                "cites a lookup id; expected sources cited by their URL"))
    return rules


# Rules that join events to its small vocabulary use CROSS JOIN, which keeps
# events the outer loop: the table is read in order instead of at random
# through an index on event_type.


def rules_for(pkg: Package) -> list[Rule]:
    return _table_rules(pkg) + [r for r in RULES if r.table in pkg.resources]


def run(conn: sqlite3.Connection, pkg: Package, after_derived: bool,
        fast_path: bool = False) -> list[Problem]:
    """Every problem the rules of one phase find, with the CSV line of each row.
    `fast_path`: the tables were loaded by the fast acceptor, so the rules it
    implies cannot fire and are not run."""
    conn.row_factory = sqlite3.Row
    params = {"as_of": pkg.as_of}
    found = []
    try:
        for rule in rules_for(pkg):
            if rule.after_derived != after_derived or (fast_path and rule.implied_by_fast_path):
                continue
            for row in conn.execute(rule.sql, params):
                found.append((rule, dict(row)))
    finally:
        conn.row_factory = None
    lines: dict[str, list[int]] = {}
    problems = []
    for rule, row in found:
        res = pkg[rule.table]
        if rule.table not in lines:
            lines[rule.table] = line_numbers(res)
        numbers = lines[rule.table]
        line = numbers[row["row"] - 1] if 0 < row["row"] <= len(numbers) else None
        text = rule.expected.format(as_of=pkg.as_of, as_of_year=pkg.as_of[:4], **row)
        value = "" if row["value"] is None else row["value"]
        column = row.pop("column", None) or rule.column
        problems.append(Problem(res.relpath, line, column, value, text, rule.severity))
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line or 0))


def line_numbers(res) -> list[int]:
    """The file line on which each data row ends (the header is line 1)."""
    with res.path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        return [reader.line_num for _ in reader]
