"""The one path from a data package to its database: how a package is checked
and loaded. `make validate` and `make build` are thin command lines on it.

    descriptor  scripts/package.py   the descriptor reads, resources exist
    files       scripts/checks.py    UTF-8, LF, header in schema order, no blank line
    cells       scripts/accept.py    every cell against its field, streamed into SQLite;
                                     on any doubt Frictionless judges and reports
                                     (scripts/checks.py), and a package it accepts is
                                     loaded from its typed rows instead
    rules       scripts/rules.py     the package's own rules, in SQL
    derived     scripts/derived/     the derived tables, then the rules that read them

Every problem names file, line, column, value and what was expected. A build
writes a temporary file beside the target and moves it into place only when
every step succeeded, so a failed or killed build leaves the last good
database untouched.
"""
from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
from pathlib import Path

import sqlite_utils

from scripts import accept, checks, database, rules
from scripts.package import DESCRIPTOR, Package, PackageError, Problem, connect

# Frictionless raises the csv module's cell size limit to this on import; the
# fast acceptor reads cells of the same size, and the length check declines them.
csv.field_size_limit(2_147_483_646)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _load(conn: sqlite3.Connection, pkg: Package, rows) -> None:
    db = sqlite_utils.Database(conn)
    with conn:
        for name in pkg.load_order():
            res = pkg[name]
            database.create_table(db, res)
            database.insert(conn, res, rows(res))
            database.create_indexes(db, res)


def fast_load(path: Path, pkg: Package) -> sqlite3.Connection | None:
    """The package's tables in a fresh database at `path`, every cell checked by
    the fast acceptor; None (and nothing kept) when it declines anything."""
    conn = connect(path, fresh=True)
    try:
        _load(conn, pkg, accept.row_batches)
        if not database.key_problems(conn, pkg):
            return conn
    except (accept.Reject, sqlite3.IntegrityError, UnicodeDecodeError, csv.Error):
        pass
    conn.close()
    return None


def load(path: Path, pkg: Package) -> tuple[sqlite3.Connection | None, list[Problem]]:
    """The package's tables in a fresh database at `path`, every cell checked.
    Returns the open connection, or None and Frictionless's report."""
    conn = fast_load(path, pkg)
    if conn is not None:
        return conn, []
    return judged_load(path, pkg)


def judged_load(path: Path, pkg: Package) -> tuple[sqlite3.Connection | None, list[Problem]]:
    """Frictionless judges the package; one it accepts is loaded from its typed rows."""
    problems = checks.check_schema(pkg)
    if problems:
        return None, problems
    # Valid, in a spelling the fast acceptor does not take: load Frictionless's typed rows.
    conn = connect(path, fresh=True)
    _load(conn, pkg, lambda res: [list(checks.typed_rows(pkg, res))])
    return conn, []


def check_into(path: Path, descriptor: Path) -> tuple[sqlite3.Connection | None, list[Problem]]:
    """Check the package and build its database at `path`. Returns the open
    connection (None when an error stopped the build) and every problem found."""
    try:
        pkg = Package(descriptor)
    except PackageError as exc:
        return None, [Problem(exc.file, exc.line, exc.column, None, exc.expected)]
    problems = checks.check_descriptor(pkg)
    for res in [] if problems else pkg.resources.values():
        problems += checks.check_file(res)
    if problems:
        return None, problems
    conn = fast_load(path, pkg)
    fast_path = conn is not None
    if not fast_path:
        conn, problems = judged_load(path, pkg)
        if conn is None:
            return None, problems
    with conn:
        database.create_package_table(sqlite_utils.Database(conn), pkg)
    problems = rules.run(conn, pkg, after_derived=False, fast_path=fast_path)
    if not errors(problems):
        database.create_derived(conn)
        problems += rules.run(conn, pkg, after_derived=True)
    if errors(problems):
        conn.close()
        return None, problems
    database.finish(conn)
    return conn, problems


def validate(descriptor: Path | str = DESCRIPTOR) -> list[Problem]:
    """Every problem of the package (errors and warnings); builds into a scratch file."""
    with tempfile.TemporaryDirectory(prefix="owl-validate-") as tmp:
        conn, problems = check_into(Path(tmp) / "scratch.db", Path(descriptor))
        if conn is not None:
            conn.close()
    return problems


def build(descriptor: Path | str, db_path: Path | str) -> list[Problem]:
    """Check and build the database at db_path atomically. Returns every problem;
    the database is replaced only when none is an error."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):  # a killed build's leftovers
        stale.unlink()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn, problems = check_into(tmp, Path(descriptor))
        if conn is None:
            return problems
        # Statistics for the query planner, from a sample of each index: enough to
        # choose between indexes, and bounded whatever the size of the tables.
        conn.execute("PRAGMA analysis_limit = 1000")
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, db_path)
        return problems
    finally:
        tmp.unlink(missing_ok=True)


def report(problems: list[Problem], command: str, success: str, failure: str, out, err) -> int:
    """Print problems one per line; the exit status of a command line."""
    for p in problems:
        print(p, file=out)
    n_errors, n_warnings = len(errors(problems)), len(problems) - len(errors(problems))
    if n_errors:
        print(f"{command}: {n_errors} problem(s){failure}", file=err)
        return 1
    extra = f" ({n_warnings} warning(s))" if n_warnings else ""
    print(f"{command}: {success}{extra}", file=err)
    return 0
