"""Broken input: every kind fails the build with one actionable line per problem
(file, line, column, value, what was expected), a non-zero exit, the last good
database byte-identical afterwards and no temporary files left behind."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from scripts import build, pipeline
from scripts.package import DB_NAME


def rewrite(path: Path, edit) -> None:
    """Parse a CSV, let `edit` change its rows (header included), write it back with LF."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def set_cell(pkg: Path, name: str, row: int, column: str, value: str) -> int:
    """Set a cell of data row `row` (0-based); returns its line number in the file."""
    def edit(rows):
        rows[row + 1][rows[0].index(column)] = value
    rewrite(pkg.parent / "data" / f"{name}.csv", edit)
    return line_of(pkg, name, row)


def line_of(pkg: Path, name: str, row: int) -> int:
    with (pkg.parent / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for i, _ in enumerate(reader):
            if i == row:
                return reader.line_num
    raise IndexError(row)


def find_row(pkg: Path, name: str, **match) -> int:
    with (pkg.parent / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            if all(r[k] == v if not callable(v) else v(r[k]) for k, v in match.items()):
                return i
    raise LookupError(match)


def raw(pkg: Path, name: str) -> Path:
    return pkg.parent / "data" / f"{name}.csv"


# Each case: (id, mutate(pkg) -> list of expected substrings of one output line).
def wrong_type(pkg):
    line = set_cell(pkg, "models", 0, "parameters_billions", "about seven")
    return [f"data/models.csv:{line}: parameters_billions: 'about seven': expected a number"]


def missing_required(pkg):
    line = set_cell(pkg, "models", 0, "name", "")
    return [f"data/models.csv:{line}: name: '': missing; expected a value (required)"]


def outside_enum(pkg):
    line = set_cell(pkg, "events", 0, "event_type", "launched")
    return [f"data/events.csv:{line}: event_type: 'launched': not found; expected a value of "
            "event_types.event_type (data/event_types.csv): one of announced, api, code_inference"]


def bad_slug(pkg):
    line = set_cell(pkg, "organizations", 0, "organization_id", "Bad Slug")
    return [f"data/organizations.csv:{line}: organization_id: 'Bad Slug': expected to match the pattern"]


def bad_url(pkg):
    line = set_cell(pkg, "events", 0, "source_url", "http://example.com/x")
    return [f"data/events.csv:{line}: source_url: 'http://example.com/x': expected to match the pattern https://"]


def bad_country(pkg):
    line = set_cell(pkg, "organizations", 0, "country", "usa")
    return [f"data/organizations.csv:{line}: country: 'usa': expected to match the pattern [A-Z]{{2}}"]


def negative_parameters(pkg):
    line = set_cell(pkg, "models", 0, "parameters_billions", "-1")
    return [f"data/models.csv:{line}: parameters_billions: '-1': expected minimum 0"]


def duplicate_primary_key(pkg):
    def edit(rows):
        rows.insert(2, list(rows[1]))
    rewrite(raw(pkg, "licenses"), edit)
    return ["data/licenses.csv:3: license_id: ", "duplicate"]


def dangling_event_model(pkg):
    line = set_cell(pkg, "events", 0, "model_id", "no-such-model")
    return [f"data/events.csv:{line}: model_id: 'no-such-model': not found; expected a value of models.model_id"]


def dangling_event_license(pkg):
    row = find_row(pkg, "events", event_type="weights_open")
    line = set_cell(pkg, "events", row, "license_id", "LicenseRef-nowhere")
    return [f"data/events.csv:{line}: license_id: 'LicenseRef-nowhere': not found; expected a value of licenses.license_id"]


def dangling_model_org(pkg):
    line = set_cell(pkg, "models", 0, "organization_id", "no-such-org")
    return [f"data/models.csv:{line}: organization_id: 'no-such-org': not found; expected a value of organizations.organization_id"]


def dangling_pledge_org(pkg):
    line = set_cell(pkg, "pledges", 0, "organization_id", "no-such-org")
    return [f"data/pledges.csv:{line}: organization_id: 'no-such-org': not found; expected a value of organizations.organization_id"]


def dangling_pledge_model(pkg):
    line = set_cell(pkg, "pledges", 0, "model_id", "no-such-model")
    return [f"data/pledges.csv:{line}: model_id: 'no-such-model': not found; expected a value of models.model_id"]


def impossible_date(pkg):
    line = set_cell(pkg, "events", 0, "date", "2024-02-30")
    return [f"data/events.csv:{line}: date: '2024-02-30': expected a calendar date YYYY-MM-DD"]


def date_after_as_of(pkg):
    line = set_cell(pkg, "events", 0, "date", "2099-01-01")
    # Keep the file sorted so only the date rule fires.
    return [f"data/events.csv:{line}: date: '2099-01-01': after the package's as_of date"]


def month_precision_mismatch(pkg):
    row = find_row(pkg, "events", date_precision="day", date=lambda d: not d.endswith("-01"))
    line = set_cell(pkg, "events", row, "date_precision", "month")
    return [f"data/events.csv:{line}: date: ", "date_precision is month; expected the first day"]


def weights_without_license(pkg):
    row = find_row(pkg, "events", event_type="weights_open")
    line = set_cell(pkg, "events", row, "license_id", "")
    return [f"data/events.csv:{line}: license_id: '': event_type weights_open expected a licence"]


def license_on_announcement(pkg):
    row = find_row(pkg, "events", event_type="announced")
    line = set_cell(pkg, "events", row, "license_id", "MIT")
    return [f"data/events.csv:{line}: license_id: 'MIT': event_type announced expected no licence"]


def model_without_public_event(pkg):
    def edit(rows):
        rows.append(["zzz-test-model", rows[1][1], "ZZZ", "zzz", "text", "", ""])
    rewrite(raw(pkg, "models"), edit)
    line = line_of(pkg, "models", find_row(pkg, "models", model_id="zzz-test-model"))
    return [f"data/models.csv:{line}: model_id: 'zzz-test-model': no first public event"]


def follow_up_to_no_pledge(pkg):
    row = find_row(pkg, "pledges", kind="follow-up")
    line = set_cell(pkg, "pledges", row, "follows_pledge_id", "no-such-pledge")
    return [f"data/pledges.csv:{line}: follows_pledge_id: 'no-such-pledge': not found; expected a value "
            "of pledges.pledge_id"]


def policy_names_unknown_model(pkg):
    line = set_cell(pkg, "policy_models", 0, "model_id", "no-such-model")
    return [f"data/policy_models.csv:{line}: model_id: 'no-such-model': not found; expected a value of "
            "models.model_id"]


def deadline_reading_outside_list(pkg):
    row = find_row(pkg, "pledges", deadline_reading="soon")
    line = set_cell(pkg, "pledges", row, "deadline_reading", "any day now")
    return [f"data/pledges.csv:{line}: deadline_reading: 'any day now': not found; expected a value of "
            "deadline_readings.deadline_reading (data/deadline_readings.csv): one of about 6 months"]


def deadline_without_stated_reading(pkg):
    row = find_row(pkg, "pledges", deadline_reading="soon")
    line = set_cell(pkg, "pledges", row, "deadline", "2030-01-01")
    return [f"data/pledges.csv:{line}: deadline: '2030-01-01': deadline_reading is soon; expected a "
            "deadline exactly when the reading is stated"]


def deadline_before_made_on(pkg):
    row = find_row(pkg, "pledges", deadline=lambda d: d != "")
    line = set_cell(pkg, "pledges", row, "deadline", "2000-01-01")
    return [f"data/pledges.csv:{line}: deadline: '2000-01-01': before made_on"]


def rows_out_of_order(pkg):
    def edit(rows):
        rows[1], rows[2] = rows[2], rows[1]
    rewrite(raw(pkg, "models"), edit)
    return ["data/models.csv:3: model_id: ", "rows out of order"]


def space_in_key(pkg):
    value = " " + find_value(pkg, "licenses", 0, "license_id")
    line = set_cell(pkg, "licenses", 0, "license_id", value)
    return [f"data/licenses.csv:{line}: license_id: {value!r}: expected to match the pattern"]


def trailing_space(pkg):
    value = find_value(pkg, "models", 0, "name") + " "
    line = set_cell(pkg, "models", 0, "name", value)
    return [f"data/models.csv:{line}: name: {value!r}: leading or trailing whitespace"]


def read_rows(pkg, name) -> list[dict]:
    with raw(pkg, name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def find_value(pkg, name, row, column):
    with raw(pkg, name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))[row][column]


def megabyte_cell(pkg):
    line = set_cell(pkg, "models", 0, "notes", "x" * 1_000_000)
    return [f"data/models.csv:{line}: notes: 'xxxx", "(1000000 characters): expected maxLength 2000"]


def utf8_bom(pkg):
    p = raw(pkg, "models")
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    return ["data/models.csv:1: '\\ufeff': starts with a UTF-8 byte-order mark"]


def crlf(pkg):
    p = raw(pkg, "models")
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    return ["data/models.csv:1: '\\\\r\\\\n': carriage return; expected LF"]


def not_utf8(pkg):
    p = raw(pkg, "organizations")
    data = p.read_bytes().split(b"\n")
    data[2] = data[2] + b"\xff\xfe"
    p.write_bytes(b"\n".join(data))
    return ["data/organizations.csv:3: 'bytes ff': not UTF-8"]


def nul_byte(pkg):
    p = raw(pkg, "organizations")
    data = p.read_bytes().split(b"\n")
    data[1] = data[1] + b"\x00"
    p.write_bytes(b"\n".join(data))
    return ["data/organizations.csv:2: '\\\\x00': NUL byte"]


def unclosed_quote(pkg):
    p = raw(pkg, "licenses")
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",", ',"', 1)
    p.write_text("\n".join(lines), encoding="utf-8")
    return ["data/licenses.csv:", "expected"]


def missing_column(pkg):
    def edit(rows):
        for r in rows:
            del r[-1]
    rewrite(raw(pkg, "organizations"), edit)
    return ["data/organizations.csv:1: notes: '': missing column; expected 'notes' at position 7"]


def extra_column(pkg):
    def edit(rows):
        rows[0].append("extra")
        for r in rows[1:]:
            r.append("")
    rewrite(raw(pkg, "organizations"), edit)
    return ["data/organizations.csv:1: extra: 'extra': extra column"]


def reordered_columns(pkg):
    def edit(rows):
        for r in rows:
            r[1], r[2] = r[2], r[1]
    rewrite(raw(pkg, "organizations"), edit)
    return ["data/organizations.csv:1: country: 'country': expected column 'name' at position 2"]


def empty_file(pkg):
    raw(pkg, "licenses").write_bytes(b"")
    return ["data/licenses.csv:1: file is empty; expected a header line: license_id,name"]


def header_only_events(pkg):
    p = raw(pkg, "events")
    p.write_text(p.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    return ["data/models.csv:2: model_id: ", "no first public event"]


def blank_line(pkg):
    p = raw(pkg, "organizations")
    lines = p.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")
    p.write_text("\n".join(lines), encoding="utf-8")
    return ["data/organizations.csv:3: '': blank line; expected a data row"]


def missing_final_newline(pkg):
    p = raw(pkg, "licenses")
    p.write_text(p.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    return ["data/licenses.csv:", "last line has no newline"]


def descriptor_not_json(pkg):
    pkg.write_text(pkg.read_text(encoding="utf-8")[:-10], encoding="utf-8")
    return ["datapackage.json:", "not valid JSON"]


def resource_path_missing(pkg):
    d = json.loads(pkg.read_text(encoding="utf-8"))
    d["resources"][0]["path"] = "data/nowhere.csv"
    pkg.write_text(json.dumps(d), encoding="utf-8")
    return ["datapackage.json: resources[0] (organizations): path 'data/nowhere.csv' does not exist"]


def resource_path_escapes(pkg):
    d = json.loads(pkg.read_text(encoding="utf-8"))
    d["resources"][0]["path"] = "../../../etc/passwd"
    pkg.write_text(json.dumps(d), encoding="utf-8")
    return ["datapackage.json: resources[0] (organizations): path '../../../etc/passwd' leaves the package folder"]


def bad_as_of(pkg):
    d = json.loads(pkg.read_text(encoding="utf-8"))
    d["as_of"] = "last week"
    pkg.write_text(json.dumps(d), encoding="utf-8")
    return ["datapackage.json: as_of: 'last week': expected a date YYYY-MM-DD"]


def unused_licence(pkg):
    def edit(rows):
        row = ["Zzz-Unused-1.0", "Unused licence", "https://example.org/l", "true", "yes", "permissive"]
        rows.append(row + [""] * (len(rows[0]) - len(row)))
    rewrite(raw(pkg, "licenses"), edit)
    line = line_of(pkg, "licenses", find_row(pkg, "licenses", license_id="Zzz-Unused-1.0"))
    return [f"data/licenses.csv:{line}: license_id: 'Zzz-Unused-1.0': not cited by any event"]


def add_licence(pkg, license_id: str, duplicate_of: str) -> None:
    def edit(rows):
        header = rows[0]
        row = dict.fromkeys(header, "")
        row.update(license_id=license_id, name=f"{license_id} licence", url="https://example.org/l",
                   osi_approved="false", commercial_use="yes", family="permissive",
                   duplicate_of=duplicate_of)
        rows.append([row[h] for h in header])
        rows[1:] = sorted(rows[1:], key=lambda r: r[0])
    rewrite(raw(pkg, "licenses"), edit)


def event_cites_duplicate_licence(pkg):
    row = find_row(pkg, "events", event_type="weights_open")
    kept = read_rows(pkg, "events")[row]["license_id"]
    add_licence(pkg, "Zzz-Dup-1.0", kept)
    line = set_cell(pkg, "events", row, "license_id", "Zzz-Dup-1.0")
    return [f"data/events.csv:{line}: license_id: 'Zzz-Dup-1.0': a duplicate licence id; "
            f"expected {kept}, the id it duplicates"]


def duplicate_of_a_duplicate(pkg):
    kept = read_rows(pkg, "licenses")[0]["license_id"]
    add_licence(pkg, "Zzz-Dup-B", kept)
    add_licence(pkg, "Zzz-Dup-A", "Zzz-Dup-B")
    line = line_of(pkg, "licenses", find_row(pkg, "licenses", license_id="Zzz-Dup-A"))
    return [f"data/licenses.csv:{line}: duplicate_of: 'Zzz-Dup-B': names itself or another duplicate"]


def organization_without_model(pkg):
    def edit(rows):
        rows.append(["zzz-lab", "ZZZ Lab", "US", "company", "", "", ""])
    rewrite(raw(pkg, "organizations"), edit)
    line = line_of(pkg, "organizations", find_row(pkg, "organizations", organization_id="zzz-lab"))
    return [f"data/organizations.csv:{line}: organization_id: 'zzz-lab': no model"]


def two_models_one_name(pkg):
    rows = read_rows(pkg, "models")
    seen: dict[str, str] = {}
    for i, r in enumerate(rows):
        if r["organization_id"] in seen and r["name"] != seen[r["organization_id"]]:
            org, first, row = r["organization_id"], seen[r["organization_id"]], i
            break
        seen.setdefault(r["organization_id"], r["name"])
    line = set_cell(pkg, "models", row, "name", first.upper())
    return [f"data/models.csv:{line}: name: {first.upper()!r}: another model of {org} has this name"]


def weights_first_without_note(pkg):
    def edit_models(rows):
        rows.append(["zzz-silent", rows[1][1], "ZZZ Silent", "zzz", "text", "", ""])
    rewrite(raw(pkg, "models"), edit_models)

    def edit_events(rows):
        rows.append(["zzz-silent", "2024-01-02", "weights_open", "day", "", "MIT",
                     "https://example.org/zzz", ""])
    rewrite(raw(pkg, "events"), edit_events)
    line = line_of(pkg, "models", find_row(pkg, "models", model_id="zzz-silent"))
    return [f"data/models.csv:{line}: notes: '': first made public by weights_open; expected a note"]


def note_cites_lookup_id(pkg):
    row = find_row(pkg, "events", notes=lambda n: n != "")
    line = set_cell(pkg, "events", row, "notes", "Date from the index, id 71619832572.")
    return [f"data/events.csv:{line}: notes: 'Date from the index, id 71619832572.': cites a lookup id"]


def check_status_outside_list(pkg):
    line = set_cell(pkg, "component_checks", 0, "status", "maybe")
    return [f"data/component_checks.csv:{line}: status: 'maybe': expected one of: not released, unknown"]


def check_without_page(pkg):
    line = set_cell(pkg, "component_checks", 0, "source_url", "")
    return [f"data/component_checks.csv:{line}: source_url: '': missing; expected a value (required)"]


def unknown_without_reason(pkg):
    row = find_row(pkg, "component_checks", status="not released")
    set_cell(pkg, "component_checks", row, "status", "unknown")
    line = set_cell(pkg, "component_checks", row, "notes", "")
    return [f"data/component_checks.csv:{line}: notes: '': status is unknown; expected a note"]


def check_contradicts_release(pkg):
    def edit(rows):
        header = rows[0]
        row = dict.fromkeys(header, "")
        row.update(model_id="grok-1", component="inference_code", status="not released",
                   checked_on="2026-12-01", source_url="https://github.com/xai-org/grok-1")
        rows.append([row[h] for h in header])
        rows[1:] = sorted(rows[1:], key=lambda r: (r[0], r[1]))
    rewrite(raw(pkg, "component_checks"), edit)
    line = line_of(pkg, "component_checks", find_row(pkg, "component_checks", model_id="grok-1",
                                                     component="inference_code"))
    return [f"data/component_checks.csv:{line}: status: 'not released': inference_code was released "
            "on 2024-03-17"]


def released_component_without_date(pkg):
    row = find_row(pkg, "events", event_type="code_training")
    line = set_cell(pkg, "events", row, "date", "")
    return [f"data/events.csv:{line}: date: '': missing; expected a value (required)"]


CASES = [
    wrong_type, missing_required, outside_enum, bad_slug, bad_url, bad_country,
    negative_parameters, duplicate_primary_key, dangling_event_model, dangling_event_license,
    dangling_model_org, dangling_pledge_org, dangling_pledge_model, impossible_date,
    date_after_as_of, month_precision_mismatch, weights_without_license, license_on_announcement,
    model_without_public_event, deadline_before_made_on, rows_out_of_order, space_in_key,
    trailing_space, megabyte_cell, utf8_bom, crlf, not_utf8, nul_byte, unclosed_quote,
    missing_column, extra_column, reordered_columns, empty_file, header_only_events, blank_line,
    missing_final_newline, descriptor_not_json, resource_path_missing, resource_path_escapes,
    bad_as_of, unused_licence, event_cites_duplicate_licence, duplicate_of_a_duplicate,
    organization_without_model, two_models_one_name,
    weights_first_without_note, note_cites_lookup_id, check_status_outside_list, check_without_page,
    unknown_without_reason, check_contradicts_release, released_component_without_date,
    follow_up_to_no_pledge, policy_names_unknown_model, deadline_reading_outside_list,
    deadline_without_stated_reading,
]

@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_reported_and_keeps_last_good_db(case, small_copy, built_db, tmp_path, capsys):
    """Each kind of broken input, run once through the build's command line in-process:
    one actionable line, exit status 1, the last good database byte-identical, no
    temporary file left. The cases break a copy of the small package (a few
    organizations' rows, tests/helpers.py); that the fast acceptor never takes
    a cell Frictionless rejects is tests/test_load.py's subject."""
    expected = case(small_copy)
    db = tmp_path / "out" / DB_NAME
    db.parent.mkdir()
    db.write_bytes(built_db.read_bytes())  # the last good database
    before = db.read_bytes()
    status = build.main(["--package", str(small_copy), "--db", str(db)])
    out, err = capsys.readouterr()
    assert status == 1, out + err
    lines = out.splitlines()
    matching = [line for line in lines if all(part in line for part in expected)]
    assert matching, f"no line contains {expected!r}; got:\n" + "\n".join(lines[:20])
    assert "left as it was" in err
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [DB_NAME]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_command_lines_refuse_unknown_arguments(command, capsys):
    from scripts import validate

    main = {"build": build.main, "validate": validate.main}[command]
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "--package" in capsys.readouterr().out


def test_header_only_pledges_is_accepted(package_copy, tmp_path):
    """pledges is optional content: a header-only file (and so no policy coverage) is valid
    and builds an empty table."""
    for name in ("pledges", "policy_models"):
        p = raw(package_copy, name)
        p.write_text(p.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    db = tmp_path / "ok.db"
    assert pipeline.errors(pipeline.build(package_copy, db)) == []
    import sqlite3
    assert sqlite3.connect(db).execute("select count(*) from pledges").fetchone()[0] == 0


@pytest.mark.parametrize("case", [blank_line, crlf, not_utf8, nul_byte, missing_final_newline],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("chunk", [2, 7, 4096])
def test_byte_faults_are_found_across_chunk_edges(case, chunk, small_copy, monkeypatch):
    """The whole-file scan reads in chunks: a fault split across two chunks (a
    blank line's two newlines, a two-byte sequence) is still found and reported."""
    from scripts import checks
    from scripts.package import Package

    expected = case(small_copy)
    monkeypatch.setattr(checks, "CHUNK", chunk)
    pkg = Package(small_copy)
    lines = [str(p) for res in pkg.resources.values() for p in checks.check_file(res)]
    assert [line for line in lines if all(part in line for part in expected)], lines
