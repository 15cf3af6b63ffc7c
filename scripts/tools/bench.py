"""Benchmark of the pipeline on synthetic packages (`make bench`).

Writes a schema-valid synthetic package at each size (events; organizations,
models, licences and pledges in the proportions of the real data, realistic
text lengths, every foreign key satisfied), then times on the same files:

  validate   python -m scripts.validate (file hygiene, Frictionless, cross-table rules)
  build      python -m scripts.build (validate, then load, index, derive) -- the `make` path
  floor      the sqlite3 command line: CREATE TABLE + .import of the same CSVs
  csv read   reading every CSV with Python's csv module
  peer       datapackage-to-datasette (frictionless to SQLite plus metadata), on the
             same package without `pattern` constraints, which its SQLite adapter
             cannot check on empty cells

Each figure is the median of --runs runs: wall time, rows per second and peak
memory (maximum resident set size of the process). Prints a table with the
ratios ours / floor and ours / peer and writes build/bench/bench.json.

Then it serves the built database and times each canned query's JSON against
a trivial `select 1` page (the floor), beside the query's SQL run directly,
the rows and the bytes returned; written to build/bench/serve.json.

    python -m scripts.tools.bench [--sizes 10000,100000,1000000] [--runs 3]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.package import DB_NAME, DESCRIPTOR, ROOT, SQLITE_TYPES, Package, connect

OUT = ROOT / "build" / "bench"
AS_OF = "2026-11-26"
# Proportions of the real data per event.
PER_EVENT = {"models": 0.48, "organizations": 0.065, "licenses": 0.08, "pledges": 0.02}
VOCABULARIES = {"event_types", "components", "deadline_readings"}
EVENT_TYPES = ["announced", "paper", "api", "product", "weights_open", "code_inference", "retired"]
WORDS = ("model weights release open licence announced paper api product research preview "
         "checkpoint parameters tokens context multimodal reasoning benchmark").split()


def text(rng: random.Random, length: int) -> str:
    out = []
    while sum(len(w) + 1 for w in out) < length:
        out.append(rng.choice(WORDS))
    return " ".join(out)


def generate(n_events: int, folder: Path, seed: int = 1) -> dict[str, int]:
    """Write a synthetic package with n_events events into folder; returns row counts."""
    rng = random.Random(seed)
    counts = {k: max(3, int(n_events * v)) for k, v in PER_EVENT.items()}
    n_models, n_orgs, n_lic, n_pledges = (counts[k] for k in ("models", "organizations", "licenses", "pledges"))
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}

    def write(name: str, rows) -> None:
        width = len(fields[name])
        with (data / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(fields[name])
            w.writerows(list(r) + [""] * (width - len(r)) for r in rows)

    orgs = [f"org-{i:07d}" for i in range(n_orgs)]
    write("organizations", ([o, f"Organization {i}", "US", "company", f"https://example.org/{o}",
                             "", text(rng, 80)] for i, o in enumerate(orgs)))
    licenses = [f"LicenseRef-synthetic-{i:06d}" for i in range(n_lic)]
    write("licenses", ([lic, f"Synthetic licence {i}", f"https://example.org/licenses/{i}", "false",
                        "restricted", "custom-open"] for i, lic in enumerate(licenses)))
    models = [f"model-{i:07d}" for i in range(n_models)]
    model_org = {m: orgs[i % n_orgs] for i, m in enumerate(models)}
    write("models", ([m, model_org[m], f"Model {i}", f"family-{i % 997}", "text",
                      round(rng.uniform(0.1, 700), 1), text(rng, 120)] for i, m in enumerate(models)))
    # Events: each model first gets an announcement, the rest are spread at random.
    per_model = [1] * n_models
    for _ in range(n_events - n_models):
        per_model[rng.randrange(n_models)] += 1
    rows = []
    licensed = 0  # licences are handed out in turn, so every one is cited (a rule of the package)
    for i, m in enumerate(models):
        day0 = 737000 + rng.randrange(2000)  # first events from late 2018 to early 2024
        used = set()
        for j in range(per_model[i]):
            kind = "announced" if j == 0 else rng.choice(EVENT_TYPES[1:])
            date = _iso(day0 + (0 if j == 0 else rng.randrange(1, 400)))
            key = (date, kind)
            if key in used:
                kind, key = "paper", (date, "paper")
                if key in used:
                    continue
            used.add(key)
            lic = ""
            if kind in ("weights_open", "code_inference"):
                lic, licensed = licenses[licensed % n_lic], licensed + 1
            rows.append([m, date, kind, "day", "", lic, f"https://example.org/{m}/{kind}/{j}",
                         text(rng, 150)])
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    write("events", rows)
    def pledge(i: int) -> list[str]:
        row = dict.fromkeys(fields["pledges"], "")
        row.update(pledge_id=f"pledge-{i:07d}", kind="specific", organization_id=model_org[models[i]],
                   model_id=models[i], components="weights", made_on="2024-01-01",
                   made_on_precision="day", speaker="Spokesperson", statement=text(rng, 140),
                   deadline_words="soon", deadline_reading="soon",
                   source_url=f"https://example.org/pledges/{i}",
                   second_source_url=f"https://example.com/pledges/{i}", notes=text(rng, 60))
        return [row[f] for f in fields["pledges"]]

    write("pledges", (pledge(i) for i in range(n_pledges)))
    # The vocabularies are copied as they are; any other table is left empty.
    for res in descriptor["resources"]:
        name = res["name"]
        if (data / f"{name}.csv").exists():
            continue
        if name in VOCABULARIES:
            shutil.copy(ROOT / res["path"], data / f"{name}.csv")
        else:
            write(name, [])
        with (data / f"{name}.csv").open(encoding="utf-8") as f:
            counts[name] = sum(1 for _ in f) - 1
    descriptor["as_of"] = AS_OF
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    counts["events"] = len(rows)
    return counts


def _iso(ordinal: int) -> str:
    from datetime import date

    return date.fromordinal(ordinal).isoformat()


def measure(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one run of cmd."""
    timed = ["/usr/bin/time", "-f", "%M", *cmd]
    t = time.perf_counter()
    done = subprocess.run(timed, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, int(done.stderr.strip().splitlines()[-1])


def floor_script(pkg: Package, db: Path) -> str:
    lines = []
    for res in pkg.resources.values():
        cols = ", ".join(f"[{f['name']}] {SQLITE_TYPES[f['type']]}" for f in res.fields)
        lines.append(f"CREATE TABLE [{res.name}] ({cols});")
    lines.append(".mode csv")
    for res in pkg.resources.values():
        lines.append(f".import --skip 1 {res.path} {res.name}")
    return "\n".join(lines) + "\n"


def peer_descriptor(folder: Path) -> Path:
    """The package as the peer can load it: its SQLite adapter turns `pattern`
    constraints into REGEXP checks that fail on empty optional cells, so they
    are left out (the peer then checks slightly less than we do)."""
    d = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for res in d["resources"]:
        for f in res["schema"]["fields"]:
            f.get("constraints", {}).pop("pattern", None)
    path = folder / "datapackage-peer.json"
    path.write_text(json.dumps(d, indent=2), encoding="utf-8")
    return path


def steps(folder: Path, work: Path) -> dict[str, list[str]]:
    py = sys.executable
    pkg = Package(folder / "datapackage.json")
    peer = peer_descriptor(folder)
    script = work / "floor.sql"
    script.write_text(floor_script(pkg, work / "floor.db"), encoding="utf-8")
    reader = ("import csv, sys, glob\n"
              "n = 0\n"
              "for p in sorted(glob.glob(sys.argv[1] + '/data/*.csv')):\n"
              "    with open(p, encoding='utf-8', newline='') as f:\n"
              "        n += sum(1 for _ in csv.reader(f))\n"
              "print(n)\n")
    return {
        "validate": [py, "-m", "scripts.validate", "--package", str(folder / "datapackage.json")],
        "build": [py, "-m", "scripts.build", "--package", str(folder / "datapackage.json"),
                  "--db", str(work / "ours.db")],
        "floor": ["sh", "-c", f"rm -f {work / 'floor.db'} && sqlite3 {work / 'floor.db'} < {script}"],
        "csv read": [py, "-c", reader, str(folder)],
        "peer": ["sh", "-c", f"rm -f {work / 'peer.db'} {work / 'peer.json'} && {Path(py).parent / 'datapackage-to-datasette'} "
                 f"{work / 'peer.db'} {peer} {work / 'peer.json'}"],
    }


def run(sizes: list[int], runs: int) -> list[dict]:
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="owl-bench-") as tmp:
            folder, work = Path(tmp) / "package", Path(tmp) / "work"
            work.mkdir()
            t = time.perf_counter()
            counts = generate(size, folder)
            gen_s = time.perf_counter() - t
            total_rows = sum(counts.values())
            print(f"{size:>9} events: package written in {gen_s:.1f} s ({total_rows} rows)", flush=True)
            for name, cmd in steps(folder, work).items():
                walls, mems = [], []
                for _ in range(runs):
                    wall, mem = measure(cmd, ROOT)
                    walls.append(wall)
                    mems.append(mem)
                wall = statistics.median(walls)
                results.append({"events": size, "rows": total_rows, "step": name,
                                "seconds": round(wall, 3), "rows_per_second": round(total_rows / wall),
                                "peak_mib": round(statistics.median(mems) / 1024, 1), "runs": runs})
                print(f"{'':>9}   {name:<9} {wall:8.2f} s", flush=True)
    return results


def table(results: list[dict]) -> str:
    by = {(r["events"], r["step"]): r for r in results}
    lines = [f"{'events':>9} {'step':<9} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9} "
             f"{'/ floor':>8} {'/ peer':>7}"]
    for r in results:
        floor, peer = by[(r["events"], "floor")], by[(r["events"], "peer")]
        lines.append(f"{r['events']:>9} {r['step']:<9} {r['seconds']:>8.2f} {r['rows_per_second']:>10} "
                     f"{r['peak_mib']:>9} {r['seconds'] / floor['seconds']:>8.1f} "
                     f"{r['seconds'] / peer['seconds']:>7.2f}")
    sizes = sorted({r["events"] for r in results})
    for a, b in zip(sizes, sizes[1:]):
        ra, rb = by[(a, "build")], by[(b, "build")]
        lines.append(f"build time x{rb['seconds'] / ra['seconds']:.1f} for x{b / a:g} events "
                     f"({a} -> {b}); linear would be x{b / a:g}")
    return "\n".join(lines)


# Parameter values for canned queries that take them (any other is left
# empty, which means "no filter"): each does real work.
SERVE_PARAMS = {"organization": "", "modality": "", "status": "", "model": "grok-2", "q": "llama"}
SERVE_TARGET = 2.0  # a canned query within this many times the trivial page


def serve_params(sql: str) -> dict[str, str]:
    from scripts.metadata import named_parameters

    return {p: SERVE_PARAMS.get(p, "") for p in named_parameters(sql)}


def serve_bench(requests: int) -> list[dict]:
    """Each canned query's JSON against a trivial query on the same site (the floor).

    Datasette runs on 127.0.0.1 as `make serve` runs it, over the built
    database; requests are sequential and each carries a distinct ignored
    `_bench` parameter, so no response comes from the site's response cache
    and every figure is the work of one uncached request. The pages are
    requested in turn, round after round."""
    import urllib.parse
    import urllib.request

    from scripts import serve
    from scripts.metadata import DATABASE as DB, canned_queries

    db, metadata = ROOT / "build" / DB_NAME, ROOT / "build" / "metadata.json"
    if not (db.exists() and metadata.exists()):
        raise SystemExit("serve benchmark: run `make all` first (needs the built database and metadata)")
    OUT.mkdir(parents=True, exist_ok=True)
    proc, base = serve.start(db, metadata, OUT / "serve.log", inspect=ROOT / "build" / "inspect.json")
    try:
        targets = {"floor (select 1)": f"/{DB}.json?sql=select+1"}
        for name, sql in canned_queries().items():
            params = serve_params(sql)
            targets[name] = f"/{DB}/{name}.json" + ("?" + urllib.parse.urlencode(params) if params else "")

        sizes: dict[str, tuple[int, int]] = {}

        def timed(name: str, path: str, i: int) -> float:
            url = base + path + ("&" if "?" in path else "?") + f"_bench={i}"
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read()
                if r.status != 200:
                    raise RuntimeError(f"{url}: HTTP {r.status}")
            elapsed = time.perf_counter() - t
            sizes[name] = (len(json.loads(body)["rows"]), len(body))
            return elapsed

        sql_ms = direct_sql_ms(db)
        for name, path in targets.items():
            for i in range(5):  # warm-up
                timed(name, path, -1 - i)
        # Round robin: the pages take turns, so a slow spell of the machine
        # weighs on all of them alike instead of on whichever was running.
        samples: dict[str, list[float]] = {name: [] for name in targets}
        for i in range(requests):
            for name, path in targets.items():
                samples[name].append(timed(name, path, i))
        results = []
        for name, path in targets.items():
            times = sorted(samples[name])
            rows, size = sizes[name]
            results.append({"target": name, "path": path, "requests": requests, "rows": rows,
                            "bytes": size, "sql_ms": sql_ms.get(name),
                            "median_ms": round(statistics.median(times) * 1000, 2),
                            "p90_ms": round(times[int(len(times) * 0.9) - 1] * 1000, 2)})
        floor = results[0]["median_ms"]
        for r in results:
            r["ratio"] = round(r["median_ms"] / floor, 2)
        return results
    finally:
        serve.stop(proc)


def direct_sql_ms(db: Path) -> dict[str, float]:
    """Each canned query's SQL alone, on the same database and parameters (median of 50)."""

    from scripts.metadata import canned_queries

    conn = connect(f"file:{db}?mode=ro")
    out = {}
    for name, sql in canned_queries().items():
        params = serve_params(sql)
        times = []
        for _ in range(50):
            t = time.perf_counter()
            conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - t)
        out[name] = round(statistics.median(times) * 1000, 3)
    conn.close()
    return out


def serve_table(results: list[dict]) -> str:
    lines = [f"{'served page':<24} {'rows':>5} {'KiB':>6} {'SQL ms':>7} {'median ms':>9} "
             f"{'p90 ms':>7} {'/ floor':>8}"]
    for r in results:
        flag = "" if r["ratio"] <= SERVE_TARGET else f"  above {SERVE_TARGET:g}x"
        sql = f"{r['sql_ms']:.2f}" if r["sql_ms"] is not None else "-"
        lines.append(f"{r['target']:<24} {r['rows']:>5} {r['bytes'] / 1024:>6.1f} {sql:>7} "
                     f"{r['median_ms']:>9.2f} {r['p90_ms']:>7.2f} {r['ratio']:>8.2f}{flag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark validation and build on synthetic packages.")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve-requests", type=int, default=100,
                        help="requests per served page (0 skips the serving benchmark)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = run(sizes, args.runs) if sizes else []
    serving = serve_bench(args.serve_requests) if args.serve_requests else []
    if results:
        print()
        print(table(results))
    if serving:
        print()
        print(serve_table(serving))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, figures in (("bench.json", results), ("serve.json", serving)):
        if figures:
            (OUT / name).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
            print(f"written to {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
