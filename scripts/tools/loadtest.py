"""Load test of the served site (`make loadtest`).

Starts Datasette on 127.0.0.1 exactly as `make serve` does, then drives it
from a second process at 10 and 50 concurrent connections over a mix of pages:
the home page, table pages, every canned query as HTML, JSON and CSV, the
database download and, now and then, a deliberately slow query. Every response
is checked against what the database says it should contain, not only counted.
Each level is bounded by a number of requests and a time limit.

Prints requests per second, p50/p99 latency and errors per level and kind, and
writes the figures to build/loadtest.json.

    python -m scripts.tools.loadtest [--requests 2000] [--seconds 60] [--levels 10,50]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


from scripts import serve
from scripts.metadata import canned_queries, named_parameters
from scripts.package import DB_NAME, NAME, ROOT, connect

DB = NAME
SLOW_SQL = ("with recursive c(x) as (select 1 union all select x + 1 from c "
            "where x < 1000000000) select count(*) from c")
SLOW_EVERY = 500  # one request in this many is the slow query
P99_TARGET_MS = 250


def expected_rows(db: Path, queries: dict[str, str]) -> dict[str, int]:
    """Row counts each canned query must return with its parameters left empty."""
    conn = connect(f"file:{db}?mode=ro")
    out = {}
    for name, sql in queries.items():
        out[name] = len(conn.execute(sql, {p: "" for p in named_parameters(sql)}).fetchall())
    return out


def request_plan(db: Path) -> list[dict]:
    """The mix of requests, each with what its response must satisfy."""
    queries = canned_queries()
    rows = expected_rows(db, queries)
    conn = connect(f"file:{db}?mode=ro")
    models = conn.execute("select count(*) from models").fetchone()[0]
    db_bytes = db.read_bytes()
    plan = [
        {"kind": "home", "path": "/", "status": 200, "contains": f"{models} models from"},
        {"kind": "table", "path": f"/{DB}/models", "status": 200, "contains": "rows-and-columns"},
        {"kind": "table", "path": f"/{DB}/events?event_type=weights_open", "status": 200,
         "contains": "rows-and-columns"},
        {"kind": "table", "path": f"/{DB}/organizations.json?_shape=array&_size=max",
         "status": 200, "json_rows": conn.execute("select count(*) from organizations").fetchone()[0]},
        {"kind": "download", "path": f"/{DB}.db", "status": 200,
         "sha256": hashlib.sha256(db_bytes).hexdigest()},
    ]
    for name in queries:
        plan += [
            {"kind": "query", "path": f"/{DB}/{name}", "status": 200, "contains": "<table"},
            {"kind": "query", "path": f"/{DB}/{name}.json?_shape=array", "status": 200,
             "json_rows": rows[name]},
            {"kind": "query", "path": f"/{DB}/{name}.csv", "status": 200, "csv_rows": rows[name]},
        ]
    return plan


def check(spec: dict, status: int, body: bytes) -> str | None:
    """None when the response is right, else what was wrong."""
    if status != spec["status"]:
        return f"status {status}"
    if "contains" in spec and spec["contains"].encode() not in body:
        return f"missing {spec['contains']!r}"
    if "json_rows" in spec:
        data = json.loads(body)
        if len(data) != spec["json_rows"]:
            return f"{len(data)} rows, expected {spec['json_rows']}"
    if "csv_rows" in spec:
        n = len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) - 1
        if n != spec["csv_rows"]:
            return f"{n} CSV rows, expected {spec['csv_rows']}"
    if "sha256" in spec and hashlib.sha256(body).hexdigest() != spec["sha256"]:
        return "download differs from the built file"
    if "error" in spec and spec["error"] not in json.loads(body).get("error", ""):
        return "no time-limit error"
    return None


async def drive(base: str, plan: list[dict], concurrency: int, total: int, seconds: float) -> dict:
    import urllib.parse

    import aiohttp

    slow = {"kind": "slow", "path": f"/{DB}.json?" + urllib.parse.urlencode({"sql": SLOW_SQL}),
            "status": 400, "error": "took too long"}
    results: list[tuple[str, float, str | None]] = []
    counter = {"next": 0}
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)

    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     auto_decompress=False) as session:
        async def worker():
            while time.monotonic() < deadline:
                i = counter["next"]
                if i >= total:
                    return
                counter["next"] = i + 1
                spec = slow if i % SLOW_EVERY == SLOW_EVERY - 1 else plan[i % len(plan)]
                t = time.perf_counter()
                try:
                    async with session.get(spec["path"]) as r:
                        body = await r.read()
                        elapsed = (time.perf_counter() - t) * 1000
                    problem = check(spec, r.status, body)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    elapsed = (time.perf_counter() - t) * 1000
                    problem = type(exc).__name__
                results.append((spec["kind"], elapsed, problem))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start

    def summary(items):
        lat = sorted(ms for _, ms, _ in items)
        if not lat:
            return None
        return {"requests": len(lat), "errors": sum(1 for *_, p in items if p),
                "p50_ms": round(statistics.median(lat), 1),
                "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1)}

    kinds = sorted({k for k, _, _ in results})
    problems = sorted({f"{k}: {p}" for k, _, p in results if p})
    return {"concurrency": concurrency, "seconds": round(elapsed, 2),
            "requests": len(results), "rps": round(len(results) / elapsed, 1),
            "all": summary(results), "by_kind": {k: summary([r for r in results if r[0] == k]) for k in kinds},
            "problems": problems[:20]}


def client_main(args) -> int:
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    out = asyncio.run(drive(args.client, plan, args.concurrency, args.requests, args.seconds))
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load test of the served site.")
    parser.add_argument("--db", default=str(ROOT / "build" / DB_NAME))
    parser.add_argument("--metadata", default=str(ROOT / "build" / "metadata.json"))
    parser.add_argument("--requests", type=int, default=2000, help="requests per level")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per level")
    parser.add_argument("--levels", default="10,50", help="concurrent connections per level")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # run as the load-generating process
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "build" / "loadtest.json"))
    args = parser.parse_args(argv)
    if args.client:
        return client_main(args)

    db, metadata = Path(args.db), Path(args.metadata)
    out_dir = Path(args.out).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    plan_file = out_dir / "loadtest-plan.json"
    plan_file.write_text(json.dumps(request_plan(db)), encoding="utf-8")
    inspect = db.with_name("inspect.json")
    proc, base = serve.start(db, metadata, out_dir / "loadtest-server.log",
                             inspect if inspect.exists() else None)
    reports = []
    try:
        for level in (int(x) for x in args.levels.split(",")):
            cmd = [sys.executable, "-m", "scripts.loadtest", "--client", base, "--plan", str(plan_file),
                   "--concurrency", str(level), "--requests", str(args.requests),
                   "--seconds", str(args.seconds)]
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            reports.append(json.loads(done.stdout))
    finally:
        serve.stop(proc)

    print(f"Load test on {base} ({args.requests} requests or {args.seconds:g} s per level; "
          f"1 in {SLOW_EVERY} is a slow query)")
    print(f"{'conns':>5} {'kind':<9} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    failed = False
    for rep in reports:
        rows = [("all", rep["all"])] + sorted(rep["by_kind"].items())
        for kind, s in rows:
            rps = f"{rep['rps']:>7}" if kind == "all" else " " * 7
            print(f"{rep['concurrency']:>5} {kind:<9} {s['requests']:>8} {rps} {s['p50_ms']:>7} "
                  f"{s['p99_ms']:>7} {s['errors']:>6}")
        for p in rep["problems"]:
            print(f"      wrong answer: {p}")
        failed |= rep["all"]["errors"] > 0
        q = rep["by_kind"].get("query")
        if q and q["p99_ms"] > P99_TARGET_MS:
            print(f"      canned queries p99 {q['p99_ms']} ms is over the {P99_TARGET_MS} ms target")
    Path(args.out).write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
