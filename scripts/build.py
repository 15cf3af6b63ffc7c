"""Build the SQLite database from the data package (checked first, as
scripts/validate.py checks it). A failed or killed build leaves the last good
database untouched.

Usage: python -m scripts.build [--package datapackage.json] [--db build/<name>.db]
"""
from __future__ import annotations

import argparse
import sys

from scripts import pipeline
from scripts.package import DB_NAME, DESCRIPTOR, ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default=str(DESCRIPTOR), help="path to datapackage.json")
    parser.add_argument("--db", default=str(ROOT / "build" / DB_NAME), help="database to write")
    args = parser.parse_args(argv)
    problems = pipeline.build(args.package, args.db)
    return pipeline.report(problems, "build", f"wrote {args.db}",
                           f"; {args.db} left as it was", sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
