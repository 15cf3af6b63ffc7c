"""SQL functions of the database, registered on every connection the site
opens and by the build (scripts/package.py loads this file), so a derived
table and a served query compute a figure the same way.

median(x): the middle value of the non-null x, or the mean of the two middle
values when there is an even number of them; NULL when there are none.
"""
from __future__ import annotations

try:
    from datasette import hookimpl
except ImportError:  # the build registers the functions without Datasette
    hookimpl = None


class Median:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        if not self.values:
            return None
        values = sorted(self.values)
        mid = len(values) // 2
        if len(values) % 2:
            return float(values[mid])
        return (values[mid - 1] + values[mid]) / 2


def register(conn) -> None:
    conn.create_aggregate("median", 1, Median)


if hookimpl is not None:
    @hookimpl
    def prepare_connection(conn):
        register(conn)
