"""Cross-check the package against a dated snapshot of Epoch AI's Notable AI
Models catalogue (reference/epoch_notable_models.csv, CC BY 4.0; credit and
retrieval in reference/README.md): coverage of the catalogue's scope per year
and domain, and every matched model whose first public date differs from
Epoch's publication date by more than MAX_DAYS.

Usage: python -m scripts.tools.crosscheck [--db build/<name>.db] [--reference CSV]
                                          [--min-coverage 95]
Exit status 1 when coverage is below --min-coverage or a difference is unexplained.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

from scripts.package import DB_NAME, ROOT

REFERENCE = ROOT / "reference" / "epoch_notable_models.csv"
# The scope: models published since SINCE, in one of DOMAINS, by an organization of one of ORG_KINDS.
SINCE = "2019-01-01"
DOMAINS = {"Language", "Multimodal", "Image generation", "Video", "Audio", "Speech", "Biology"}
ORG_KINDS = {"Industry", "Research collective", "Government"}
MAX_DAYS = 14


def _parts(text: str) -> set[str]:
    return {p.strip() for p in text.split(",") if p.strip()}


def in_scope(row: dict) -> bool:
    return (row["publication_date"] >= SINCE and bool(_parts(row["domain"]) & DOMAINS)
            and bool(_parts(row["organization_categorization"]) & ORG_KINDS))


def read_reference(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if in_scope(r)]


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days


def compare(rows: list[dict], conn: sqlite3.Connection) -> dict:
    """Coverage per year and domain, differences in first public dates, absent models."""
    first = dict(conn.execute("select model_id, first_public_date from model_dates"))
    mentions = {m for (m,) in conn.execute(
        "select distinct model_id from events where notes like '%Epoch%'")}
    counted = [r for r in rows if r["match"] != "out of scope"]
    by_year: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_domain: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    differences, absent = [], []
    for r in counted:
        found = r["model_id"] in first
        for tally in [by_year[r["publication_date"][:4]]] + [
                by_domain[d] for d in sorted(_parts(r["domain"]) & DOMAINS)]:
            tally[0] += 1
            tally[1] += found
        if not found:
            absent.append(r)
            continue
        ours = first[r["model_id"]]
        days = _days(ours, r["publication_date"])
        if abs(days) > MAX_DAYS:
            explained = bool(r["match_notes"].strip()) or r["model_id"] in mentions
            differences.append((r, ours, days, explained))
    matched = sum(1 for r in counted if r["model_id"] in first)
    return {"scope": len(rows), "excluded": len(rows) - len(counted), "counted": len(counted),
            "matched": matched, "by_year": dict(sorted(by_year.items())),
            "by_domain": dict(sorted(by_domain.items())), "differences": differences,
            "absent": absent}


def _pct(found: int, total: int) -> str:
    return f"{100 * found / total:.1f}%" if total else "-"


def report(result: dict) -> str:
    out = [f"Epoch scope: {result['scope']} models ({result['excluded']} judged out of scope); "
           f"{result['matched']} of {result['counted']} in the package "
           f"({_pct(result['matched'], result['counted'])})", "", "by year:"]
    out += [f"  {year}  {found:4d} / {total:4d}  {_pct(found, total)}"
            for year, (total, found) in result["by_year"].items()]
    out += ["", "by domain:"]
    out += [f"  {domain:<17} {found:4d} / {total:4d}  {_pct(found, total)}"
            for domain, (total, found) in result["by_domain"].items()]
    diffs = result["differences"]
    unexplained = [d for d in diffs if not d[3]]
    out += ["", f"first public date differs from Epoch's by more than {MAX_DAYS} days: "
            f"{len(diffs)} ({len(unexplained)} unexplained)"]
    out += [f"  {'  ' if ok else '! '}{r['model_id']:<28} ours {ours}  Epoch {r['publication_date']}"
            f"  ({days:+d} days)  {r['model']}" for r, ours, days, ok in diffs]
    out += ["", f"absent: {len(result['absent'])}"]
    out += [f"  {r['publication_date']}  {r['model']} ({r['organization']})" for r in result["absent"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.tools.crosscheck",
                                     description="Cross-check against Epoch AI's catalogue.")
    parser.add_argument("--db", default=str(ROOT / "build" / DB_NAME))
    parser.add_argument("--reference", default=str(REFERENCE))
    parser.add_argument("--min-coverage", type=float, default=0.0,
                        help="exit 1 below this coverage, in percent")
    args = parser.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    try:
        result = compare(read_reference(Path(args.reference)), conn)
    finally:
        conn.close()
    print(report(result))
    coverage = 100 * result["matched"] / result["counted"] if result["counted"] else 0.0
    unexplained = sum(1 for d in result["differences"] if not d[3])
    return 1 if coverage < args.min_coverage or unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
