"""Check the data package: the descriptor, file hygiene, every cell against the
Frictionless schema, then the package's rules. Prints one line per problem
(file:line: column: value: what was expected); exit status 1 on any error.

Usage: python -m scripts.validate [--package datapackage.json]
"""
from __future__ import annotations

import argparse
import sys

from scripts import pipeline
from scripts.package import DESCRIPTOR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.validate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default=str(DESCRIPTOR), help="path to datapackage.json")
    args = parser.parse_args(argv)
    problems = pipeline.validate(args.package)
    return pipeline.report(problems, "validate", "package is valid", " found",
                           sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
