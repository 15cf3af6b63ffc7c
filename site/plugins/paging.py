"""Table pages that return every row exactly once, under every sort offered.

Datasette 0.65.5 pages a table by keyset: each "next" link carries the last
row's sort value and key, and the next page starts after them. Three faults
of that version lose or repeat rows, and two answer 500 for a bad request:

1. The first page orders rows only by the sort column, later pages by the
   sort column and then the key: rows that tie on the sort column can come
   in another order on the first page than the next page assumes. Here every
   page orders by the sort column and then the key.
2. A bad or unknown _sort/_sort_desc column, or both at once, raised a server
   error (500); here it is a bad request (400) that says what is wrong.
3. A _next token with the wrong number of parts was silently ignored, or
   with a non-integer rowid matched nothing; here it is a bad request (400).
5. A filter on a column the table does not have answered 200 with no rows;
   here it is a bad request (400).
4. The sort value in a _next token is compared as text, so a column without a
   declared type (computed columns of derived tables) that holds numbers
   matched nothing after the first page; here it is compared as the number.

(A key with an empty part cannot be carried in a token at all: the build
gives such a table no declared key, so it is paged by rowid; see
scripts/database.py.)

The fix edits Datasette's own table view at startup, by exact text: if the
text is not found (another Datasette version), the site refuses to start
rather than serve wrong pages.
"""
from __future__ import annotations

import inspect
import textwrap

from datasette.views import table as table_view

EXPECTED_VERSION = "0.65.5"

PATCHES = [
    # 1: the tie-breaker on every page, not only after the first
    (
        '            order_by = f"{escape_sqlite(sort_desc)} desc"\n',
        '            order_by = f"{escape_sqlite(sort_desc)} desc"\n'
        "\n"
        "        if (sort or sort_desc) and not is_view:\n"
        '            order_by = f"{order_by}, {order_by_pks}"\n',
    ),
    (
        '                    order_by = f"{order_by}, {order_by_pks}"\n',
        "                    pass  # the tie-breaker is already in order_by\n",
    ),
    # 2: a column that cannot be sorted by is the request's fault
    (
        'raise DatasetteError(f"Cannot sort table by {sort}")',
        'raise DatasetteError(f"Cannot sort table by {sort}: not a sortable column of this table",'
        " status=400)",
    ),
    (
        'raise DatasetteError(f"Cannot sort table by {sort_desc}")',
        'raise DatasetteError(f"Cannot sort table by {sort_desc}: not a sortable column of this'
        ' table", status=400)',
    ),
    # 4: the sort value travels as text: compare it as the number it was, so a column
    # without a declared type (a computed column of a derived table) still pages
    (
        '                        params[f"p{len(params)}"] = sort_value\n',
        '                        params[f"p{len(params)}"] = _owl_typed(sort_value)\n',
    ),
    (
        'raise DatasetteError("Cannot use _sort and _sort_desc at the same time")',
        'raise DatasetteError("Cannot use _sort and _sort_desc at the same time", status=400)',
    ),
    # 5: a filter on a column the table does not have is the request's fault
    (
        "        # Build where clauses from query string arguments\n",
        "        for key, _value in filter_args:\n"
        "            column = key.rsplit('__', 1)[0] if '__' in key else key\n"
        "            if column not in table_columns and not (column == 'rowid' and not pks):\n"
        "                raise BadRequest(f'Cannot filter by {column}: no such column in {table_name}')\n"
        "        # Build where clauses from query string arguments\n",
    ),
    # 3: a _next token must have one part per key column (an integer for rowid)
    (
        "                # Figure out the SQL for next-based-on-primary-key first\n",
        "                if (len(components) != (1 if use_rowid else len(pks))\n"
        "                        or use_rowid and not str(components[0]).lstrip('-').isdigit()):\n"
        "                    raise BadRequest('Malformed _next token: expected the value of the sort '\n"
        "                                     'column (when sorted) and then the row key, as given by '\n"
        "                                     'the next_url of the previous page')\n"
        "                # Figure out the SQL for next-based-on-primary-key first\n",
    ),
]


def patched(source: str) -> str:
    for old, new in PATCHES:
        if source.count(old) != 1:
            raise RuntimeError(f"paging plugin: Datasette's table view is not the expected "
                               f"{EXPECTED_VERSION} one (text not found: {old.strip()[:60]!r})")
        source = source.replace(old, new)
    return source


def _owl_typed(value: str):
    """A sort value from a _next token, as the integer or real it was written from.
    Safe for every column: a TEXT column converts a number back to text to compare."""
    for cast in (int, float):
        try:
            return cast(value)
        except (TypeError, ValueError):
            pass
    return value


def _install() -> None:
    method = table_view.TableView._data_traced
    if getattr(method, "_owl_paging", False):
        return
    source = textwrap.dedent(patched(inspect.getsource(method)))
    namespace: dict = {}
    table_view.__dict__["_owl_typed"] = _owl_typed
    exec(compile(source, table_view.__file__, "exec"), table_view.__dict__, namespace)  # noqa: S102
    fixed = namespace["_data_traced"]
    fixed._owl_paging = True
    table_view.TableView._data_traced = fixed


_install()
