"""The fast acceptor: every cell checked against its field in datapackage.json
in one pass, while the rows stream into SQLite.

Each field's check is compiled from the schema (type, required, pattern, enum,
length and bounds, exactly as Frictionless reads them), so nothing here is a
second copy of the schema. This path only ever *accepts*: the first cell it
cannot accept raises `Reject`, and the pipeline then asks Frictionless, the
judge whose messages users see, to report every problem with its file, line
and column. The checks are deliberately narrower than Frictionless where that
is cheaper (a date must be written YYYY-MM-DD, an integer without a sign or
spaces): a value Frictionless accepts in another spelling is then loaded from
Frictionless's own typed rows, so nothing is ever wrongly accepted or lost.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from scripts.package import Resource

# Rows per executemany batch: bounds memory whatever the file size.
BATCH = 5000

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
INTEGER_RE = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
# A URI rfc3986 accepts with a scheme and no password: scheme, "//", an
# authority without "@" (so no user information), then the rest.
URI_FAST_RE = re.compile(r"[^:/?#]+://[^/?#@\\]*(?:[/?#]|\Z)")
TRUE_VALUES = {"true": 1, "True": 1, "TRUE": 1, "1": 1, "false": 0, "False": 0, "FALSE": 0, "0": 0}


# Frictionless raises the csv module's cell size limit to this on import; a
# bigger cell is declined here and then judged (and reported) there.
csv.field_size_limit(2_147_483_646)


class Reject(Exception):
    """Something the one-pass check cannot accept; the full validation will say what."""


def _constraints(field: dict) -> dict:
    """The constraints a cell check enforces: required is handled apart, and
    unique is checked in SQL with a unique index."""
    c = dict(field.get("constraints", {}))
    c.pop("unique", None)
    c.pop("required", None)
    return c


# --------------------------------------------------------------------------
# Cell checks compiled from the schema
# --------------------------------------------------------------------------


def compile_field(field: dict):
    """A function cell -> value to store, raising Reject for anything Frictionless
    might not accept. Leading or trailing whitespace is declined too (a rule of
    the package reports it; Frictionless may read such a cell differently)."""
    ftype = field["type"]
    fmt = field.get("format", "default")
    c = _constraints(field)
    required = bool(field.get("constraints", {}).get("required"))
    if ftype == "string":
        if fmt not in ("default", "uri"):
            raise Reject(f"format {fmt!r} of field {field['name']!r}")
        return _string(required, fmt == "uri", c)
    if ftype == "date" and fmt == "default":
        return _date(required, c)
    if ftype in ("integer", "number") and not ({"bareNumber", "groupChar", "decimalChar",
                                                 "floatNumber"} & set(field)):
        return _numeric(ftype, required, c)
    if ftype == "boolean" and not ({"trueValues", "falseValues"} & set(field)):
        return _boolean(required, c)
    raise Reject(f"type {ftype}/{fmt} of field {field['name']!r}")


def _string(required: bool, uri: bool, c: dict):
    env: dict = {"Reject": Reject}
    lines = string_lines("v", required, uri, c, env, "k")
    source = "def check(v):\n" + "".join(f"    {line}\n" for line in lines) + "    return v\n"
    exec(source, env)  # noqa: S102 - source built by string_lines from the field's constraints
    return env["check"]


def string_lines(var: str, required: bool, uri: bool, c: dict, env: dict, prefix: str) -> list[str]:
    """Python lines that check the string cell in `var` against its constraints
    (raising Reject) and set `var` to None when an optional cell is empty. The
    fast acceptor runs these lines inline, one block per column; compile_field
    wraps them in a function. Names they need go into `env`, under `prefix`."""
    c = dict(c)
    pattern, enum = c.pop("pattern", None), c.pop("enum", None)
    min_len, max_len = c.pop("minLength", None), c.pop("maxLength", None)
    if c:
        raise Reject(f"constraints {sorted(c)}")
    tests = [f"{var}[0].isspace()", f"{var}[-1].isspace()"]
    if uri:
        env[f"{prefix}_uri"] = URI_FAST_RE.match
        tests.append(f"not {prefix}_uri({var})")
    if min_len is not None:
        tests.append(f"len({var}) < {int(min_len)}")
    if max_len is not None:
        tests.append(f"len({var}) > {int(max_len)}")
    if pattern is not None:
        env[f"{prefix}_pattern"] = re.compile("^{0}$".format(pattern)).match
        tests.append(f"not {prefix}_pattern({var})")
    if enum is not None:
        env[f"{prefix}_enum"] = frozenset(enum)
        tests.append(f"{var} not in {prefix}_enum")
    return [f"if {var} == '':",
            "    raise Reject" if required else f"    {var} = None",
            f"elif {' or '.join(tests)}:",
            "    raise Reject"]


def _bounds(c: dict, cast):
    checks = []
    for name, op in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"),
                     ("exclusiveMaximum", "lt")):
        if name in c:
            bound = cast(c.pop(name))
            checks.append((op, bound))
    enum = {cast(v) for v in c.pop("enum")} if "enum" in c else None
    if c:
        raise Reject(f"constraints {sorted(c)}")

    def within(x) -> bool:
        for op, bound in checks:
            if op == "ge" and not x >= bound or op == "le" and not x <= bound \
                    or op == "gt" and not x > bound or op == "lt" and not x < bound:
                return False
        return enum is None or x in enum

    return within if (checks or enum is not None) else None


def _date(required: bool, c: dict):
    within = _bounds(c, lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v))
    seen: dict[str, bool] = {}  # a few thousand distinct dates, each parsed once

    def check(v: str):
        ok = seen.get(v)
        if ok:
            return v
        if v == "":
            if required:
                raise Reject
            return None
        if ok is None:
            ok = False
            if DATE_RE.match(v):
                try:
                    d = dt.date(int(v[:4]), int(v[5:7]), int(v[8:]))
                except ValueError:
                    d = None
                ok = d is not None and (within is None or within(d))
            if len(seen) < 100_000:
                seen[v] = ok
        if not ok:
            raise Reject
        return v

    return check


def _numeric(ftype: str, required: bool, c: dict):
    integer = ftype == "integer"
    shape = (INTEGER_RE if integer else NUMBER_RE).match
    within = _bounds(c, int if integer else (lambda v: Decimal(str(v))))

    def check(v: str):
        if v == "":
            if required:
                raise Reject
            return None
        if not shape(v):
            raise Reject
        if integer:
            x = int(v)
            if within is not None and not within(x):
                raise Reject
            return x
        if within is not None:
            try:
                if not within(Decimal(v)):
                    raise Reject
            except InvalidOperation:
                raise Reject from None
        return float(v)

    return check


def _boolean(required: bool, c: dict):
    enum = c.pop("enum", None)
    if c:
        raise Reject(f"constraints {sorted(c)}")
    allowed = None if enum is None else {TRUE_VALUES[str(v)] if not isinstance(v, bool) else int(v)
                                         for v in enum}

    def check(v: str):
        if v == "":
            if required:
                raise Reject
            return None
        x = TRUE_VALUES.get(v)
        if x is None or (allowed is not None and x not in allowed):
            raise Reject
        return x

    return check


# Distinct values remembered per column, so a repeated identifier, licence or
# date is checked once. When full the set starts afresh: memory stays flat
# whatever the file size, and rows sorted by key keep hitting recent values.
SEEN_LIMIT = 10_000


def row_batches(res: Resource):
    """Batches of typed rows of one CSV, every cell checked; raises Reject at the first doubt.

    The loop is generated from the schema, one block per column, so a cell
    costs a few inline tests rather than a function call: a free-text cell is
    tested for blank, whitespace and length; a cell with a pattern, enum, URI
    format or date type is looked up among the values already accepted, and
    only a new value goes through its full check (compile_field)."""
    fields = res.fields
    n = len(fields)
    env: dict = {"Reject": Reject, "BATCH": BATCH, "LIMIT": SEEN_LIMIT}
    cells = ", ".join(f"c{i}" for i in range(n)) + ("," if n == 1 else "")
    body = []
    for i, field in enumerate(fields):
        c = field.get("constraints", {})
        required = bool(c.get("required"))
        free = (field["type"] == "string" and field.get("format", "default") == "default"
                and not ({"pattern", "enum", "minLength"} & set(c)))
        if free:
            too_long = f" or len(c{i}) > {int(c['maxLength'])}" if "maxLength" in c else ""
            test = f"c{i}[0].isspace() or c{i}[-1].isspace(){too_long}"
            if required:
                body.append(f"if not c{i} or {test}: raise Reject")
            else:
                body.append(f"if c{i}:\n    if {test}: raise Reject\nelse: c{i} = None")
        elif field["type"] == "string" and field.get("format") == "uri":
            # Addresses are nearly all distinct: checked every time, not remembered.
            compile_field(field)  # declines what the inline lines cannot check
            body.append("\n".join(string_lines(f"c{i}", required, True, _constraints(field), env, f"k{i}")))
        elif field["type"] == "string":
            compile_field(field)
            env[f"s{i}"] = set()
            check = string_lines(f"c{i}", required, False, _constraints(field), env, f"k{i}")
            body.append(f"if c{i} not in s{i}:\n" + "".join(f"    {line}\n" for line in check)
                        + f"    if c{i} is not None:\n"
                        f"        if len(s{i}) >= LIMIT: s{i}.clear()\n"
                        f"        s{i}.add(c{i})")
        elif field["type"] == "date":
            env[f"f{i}"], env[f"s{i}"] = compile_field(field), set()
            body.append(f"if c{i} not in s{i}:\n    c{i} = f{i}(c{i})\n"
                        f"    if c{i} is not None:\n"
                        f"        if len(s{i}) >= LIMIT: s{i}.clear()\n"
                        f"        s{i}.add(c{i})")
        else:
            env[f"f{i}"] = compile_field(field)
            body.append(f"c{i} = f{i}(c{i})")
    src = [
        "def batches(reader):",
        "    batch = []",
        "    for row in reader:",
        f"        if len(row) != {n}: raise Reject",
        f"        {cells} = row",
    ]
    for block in body:
        src += ["        " + line for line in block.split("\n")]
    src += [
        f"        batch.append(({cells}))",
        "        if len(batch) >= BATCH:",
        "            yield batch",
        "            batch = []",
        "    if batch: yield batch",
    ]
    exec("\n".join(src), env)  # noqa: S102 - source built above from the schema's field list
    with res.path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        if next(reader, None) != res.field_names:
            raise Reject
        yield from env["batches"](reader)
