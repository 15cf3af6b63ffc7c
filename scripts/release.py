"""Versioned releases of the data package.

    python -m scripts.release build      # dist/open-weights-lag-X.Y.Z.zip + .sha256, record the release
    python -m scripts.release changes    # rows added, removed and changed since the previous release
    python -m scripts.release changelog  # the same, as a Keep a Changelog section
    python -m scripts.release check      # version discipline (also run by the tests)

A release is recorded in releases/X.Y.Z.json: the schema and every row of
the released CSVs, keyed by primary key. That record is what `changes` and
`check` compare the working data with, so neither needs git history.

Version rules (Frictionless "Data Package Version" recipe):
  major  a resource or field removed or renamed, a type changed, a key changed,
         a constraint tightened;
  minor  rows, fields or resources added, a constraint loosened;
  patch  values corrected, rows removed, descriptions or as_of changed.
Before 1.0.0 a breaking change needs at least a minor bump (semantic versioning's
rule for initial development). A released model, organization, licence or pledge
slug may never disappear.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts import formats, pipeline
from scripts.package import DB_NAME, NAME, ROOT, Package, PackageError

RELEASES = Path("releases")
DOCUMENTS = ["README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md"]
# Slugs that are cited from outside and must never disappear once released.
STABLE_SLUGS = ["organizations", "models", "licenses", "pledges"]
LEVELS = {"none": 0, "patch": 1, "minor": 2, "major": 3}
CHANGELOG_ENTRY = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


class ReleaseError(Exception):
    pass


# ---------------------------------------------------------------- versions

def parse_version(text: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", str(text))
    if not m:
        raise ReleaseError(f"version {text!r}: expected MAJOR.MINOR.PATCH")
    return tuple(int(x) for x in m.groups())  # type: ignore[return-value]


def bump_kind(old: str, new: str) -> str:
    """The kind of bump from old to new: major, minor, patch, none, or 'lower'."""
    a, b = parse_version(old), parse_version(new)
    if b < a:
        return "lower"
    if b == a:
        return "none"
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    return "patch"


def effective(required: str, new_version: str) -> str:
    """Before 1.0.0 a breaking change is allowed with a minor bump."""
    if required == "major" and parse_version(new_version)[0] == 0:
        return "minor"
    return required


# ---------------------------------------------------------------- snapshots

def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def key_of(row: dict, pk: list[str]) -> str:
    return "|".join(row[k] for k in pk)


def snapshot(pkg: Package) -> dict:
    """The state a release records: version, as_of, each schema and each row by key."""
    resources = {}
    for name, res in sorted(pkg.resources.items()):
        rows = read_rows(res.path)
        resources[name] = {
            "schema": res.descriptor["schema"],
            "rows": {key_of(r, res.primary_key): r for r in rows},
        }
    return {"name": NAME, "version": pkg.version, "as_of": pkg.as_of, "resources": resources}


def released_versions(base: Path) -> list[str]:
    folder = base / RELEASES
    versions = [p.stem for p in folder.glob("*.json")] if folder.is_dir() else []
    return sorted(versions, key=parse_version)


def load_release(base: Path, version: str) -> dict:
    return json.loads((base / RELEASES / f"{version}.json").read_text(encoding="utf-8"))


def previous_release(base: Path, version: str) -> str | None:
    """The newest recorded release older than `version`."""
    older = [v for v in released_versions(base) if parse_version(v) < parse_version(version)]
    return older[-1] if older else None


def write_record(base: Path, snap: dict) -> Path:
    path = base / RELEASES / f"{snap['version']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snap, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------- comparing

@dataclass
class Diff:
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    # resource -> key -> [(field, old, new)]
    changed: dict[str, dict[str, list[tuple[str, str, str]]]] = field(default_factory=dict)
    schema: list[tuple[str, str]] = field(default_factory=list)  # (level, what)
    as_of: tuple[str, str] | None = None

    @property
    def empty(self) -> bool:
        return not (any(self.added.values()) or any(self.removed.values())
                    or any(self.changed.values()) or self.schema or self.as_of)

    def required(self) -> tuple[str, str]:
        """The smallest bump this diff needs, and why."""
        for wanted in ("major", "minor"):
            for level, what in self.schema:
                if level == wanted:
                    return level, what
        row_changes = [("minor", self.added, "added to"), ("patch", self.removed, "removed from"),
                       ("patch", self.changed, "changed in")]
        for level, rows, verb in row_changes:
            for name, keys in rows.items():
                if keys:
                    return level, f"{len(keys)} row(s) {verb} {name}"
        if self.schema:
            return "patch", self.schema[0][1]
        if self.as_of:
            return "patch", f"as_of changed from {self.as_of[0]} to {self.as_of[1]}"
        return "none", "nothing changed"


def _constraint_change(where: str, old: dict, new: dict) -> list[tuple[str, str]]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        what = f"{where}: constraint {key} {a!r} -> {b!r}"
        if a is None:
            level = "minor" if key == "required" and b is False else "major"
        elif b is None:
            level = "minor"
        elif key == "enum":
            level = "minor" if set(a) <= set(b) else "major"
        elif key in ("minimum", "minLength"):
            level = "minor" if b <= a else "major"
        elif key in ("maximum", "maxLength"):
            level = "minor" if b >= a else "major"
        elif key in ("required", "unique"):
            level = "major" if b else "minor"
        else:  # pattern and anything else whose strictness cannot be compared
            level = "major"
        out.append((level, what))
    return out


def compare_schema(name: str, old: dict, new: dict) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    old_fields = {f["name"]: f for f in old["fields"]}
    new_fields = {f["name"]: f for f in new["fields"]}
    for fname in old_fields.keys() - new_fields.keys():
        out.append(("major", f"{name}.{fname}: field removed or renamed"))
    for fname in new_fields.keys() - old_fields.keys():
        required = new_fields[fname].get("constraints", {}).get("required")
        out.append(("major" if required else "minor", f"{name}.{fname}: field added"))
    for fname in sorted(old_fields.keys() & new_fields.keys()):
        a, b = old_fields[fname], new_fields[fname]
        where = f"{name}.{fname}"
        if a.get("type") != b.get("type") or a.get("format") != b.get("format"):
            out.append(("major", f"{where}: type {a.get('type')} -> {b.get('type')}"))
        out += _constraint_change(where, a.get("constraints", {}), b.get("constraints", {}))
        for k in sorted((set(a) | set(b)) - {"name", "type", "format", "constraints"}):
            if a.get(k) != b.get(k):
                out.append(("patch", f"{where}: {k} changed"))
    if [f["name"] for f in old["fields"]] != [f["name"] for f in new["fields"]] and \
            set(old_fields) == set(new_fields):
        out.append(("major", f"{name}: fields reordered"))
    for k in ("primaryKey", "foreignKeys"):
        if old.get(k) != new.get(k):
            out.append(("major", f"{name}: {k} changed"))
    return out


def compare(old: dict, new: dict) -> Diff:
    diff = Diff()
    if old["as_of"] != new["as_of"]:
        diff.as_of = (old["as_of"], new["as_of"])
    old_res, new_res = old["resources"], new["resources"]
    for name in sorted(old_res.keys() - new_res.keys()):
        diff.schema.append(("major", f"resource {name} removed"))
        diff.removed[name] = sorted(old_res[name]["rows"])
    for name in sorted(new_res.keys() - old_res.keys()):
        diff.schema.append(("minor", f"resource {name} added"))
        diff.added[name] = sorted(new_res[name]["rows"])
    for name in sorted(old_res.keys() & new_res.keys()):
        diff.schema += compare_schema(name, old_res[name]["schema"], new_res[name]["schema"])
        a, b = old_res[name]["rows"], new_res[name]["rows"]
        diff.added[name] = sorted(b.keys() - a.keys())
        diff.removed[name] = sorted(a.keys() - b.keys())
        changes = {}
        for key in sorted(a.keys() & b.keys()):
            fields = [(f, a[key].get(f, ""), b[key].get(f, ""))
                      for f in sorted(set(a[key]) | set(b[key]))
                      if a[key].get(f, "") != b[key].get(f, "")]
            if fields:
                changes[key] = fields
        diff.changed[name] = changes
    return diff


def report(diff: Diff, old_version: str | None, new_version: str) -> str:
    lines = [f"Changes from {old_version or '(no release)'} to {new_version}"]
    if diff.as_of:
        lines.append(f"as_of: {diff.as_of[0]} -> {diff.as_of[1]}")
    for level, what in diff.schema:
        lines.append(f"schema ({level}): {what}")
    names = sorted(set(diff.added) | set(diff.removed) | set(diff.changed))
    for name in names:
        added, removed = diff.added.get(name, []), diff.removed.get(name, [])
        changed = diff.changed.get(name, {})
        lines.append(f"\n## {name}: {len(added)} added, {len(removed)} removed, {len(changed)} changed")
        lines += [f"+ {k}" for k in added]
        lines += [f"- {k}" for k in removed]
        for key, fields in changed.items():
            lines.append(f"~ {key}")
            lines += [f"    {f}: {a!r} -> {b!r}" for f, a, b in fields]
    level, why = diff.required()
    lines.append(f"\nsmallest version bump needed: {level} ({why})")
    return "\n".join(lines)


def changelog_section(diff: Diff, version: str, date: str, new_snap: dict) -> str:
    """A Keep a Changelog section written from the diff."""
    models = new_snap["resources"].get("models", {}).get("rows", {})
    added, changed, removed = [], [], []
    for name in sorted(diff.added):
        if diff.added[name]:
            added.append(f"- {len(diff.added[name])} {name} rows.")
    if diff.added.get("models"):
        shown = ", ".join(models[k]["name"] for k in diff.added["models"][:40])
        more = len(diff.added["models"]) - 40
        added.append(f"- New models: {shown}" + (f" and {more} more." if more > 0 else "."))
    for level, what in diff.schema:
        (removed if "removed" in what else changed).append(f"- Schema: {what}.")
    for name in sorted(diff.changed):
        if diff.changed[name]:
            fields = sorted({f for fs in diff.changed[name].values() for f, _, _ in fs})
            changed.append(f"- {len(diff.changed[name])} {name} rows corrected "
                           f"(fields: {', '.join(fields)}).")
    if diff.as_of:
        changed.append(f"- Data checked up to {diff.as_of[1]} (was {diff.as_of[0]}).")
    for name in sorted(diff.removed):
        if diff.removed[name]:
            removed.append(f"- {len(diff.removed[name])} {name} rows: {', '.join(diff.removed[name])}.")
    out = [f"## [{version}] - {date}"]
    for title, items in (("Added", added), ("Changed", changed), ("Removed", removed)):
        if items:
            out += ["", f"### {title}"] + items
    return "\n".join(out)


# ---------------------------------------------------------------- checks

def citation_problems(base: Path, pkg: Package) -> list[str]:
    problems = []
    cff = yaml.safe_load((base / "CITATION.cff").read_text(encoding="utf-8"))
    text = (base / "CHANGELOG.md").read_text(encoding="utf-8")
    m = CHANGELOG_ENTRY.search(text)
    if not m:
        return ["CHANGELOG.md: expected a '## [X.Y.Z] - YYYY-MM-DD' entry"]
    log_version, log_date = m.groups()
    cff_version, cff_date = str(cff.get("version")), str(cff.get("date-released"))
    if not (pkg.version == cff_version == log_version):
        problems.append(f"version disagrees: datapackage.json {pkg.version}, "
                        f"CITATION.cff {cff_version}, CHANGELOG.md {log_version}")
    if cff_date != log_date:
        problems.append(f"release date disagrees: CITATION.cff {cff_date}, CHANGELOG.md {log_date}")
    if log_date < pkg.as_of:
        problems.append(f"CHANGELOG.md date {log_date} is before as_of {pkg.as_of}")
    return problems + zenodo_problems(base, pkg, cff)


# Zenodo's licence ids are the SPDX ids in lower case.
def zenodo_problems(base: Path, pkg: Package, cff: dict) -> list[str]:
    """.zenodo.json (what Zenodo reads when a GitHub release is archived) must
    agree with the package and CITATION.cff on version, licence, title and creators."""
    path = base / ".zenodo.json"
    if not path.exists():
        return [".zenodo.json is missing"]
    zen = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if zen.get("version") != pkg.version:
        problems.append(f".zenodo.json version {zen.get('version')} is not {pkg.version}")
    licences = [lic["name"].lower() for lic in pkg.descriptor.get("licenses", [])]
    if zen.get("license") not in licences or str(cff.get("license", "")).lower() != zen.get("license"):
        problems.append(f".zenodo.json license {zen.get('license')} disagrees with the package "
                        f"({', '.join(licences)}) or CITATION.cff ({cff.get('license')})")
    if zen.get("title") != cff.get("title"):
        problems.append(".zenodo.json title differs from CITATION.cff")
    creators = [c.get("name") for c in zen.get("creators", [])]
    authors = [a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()
               for a in cff.get("authors", [])]
    if creators != authors:
        problems.append(f".zenodo.json creators {creators} differ from CITATION.cff authors {authors}")
    if zen.get("upload_type") != "dataset":
        problems.append(".zenodo.json upload_type must be dataset")
    return problems


def check(base: Path = ROOT) -> list[str]:
    """Problems with version discipline; empty when the versions are in order."""
    pkg = Package(base / "datapackage.json")
    problems = citation_problems(base, pkg)
    versions = released_versions(base)
    if not versions:
        return problems
    latest = versions[-1]
    kind = bump_kind(latest, pkg.version)
    if kind == "lower":
        return problems + [f"datapackage.json version {pkg.version} is lower than the "
                           f"released {latest}"]
    last = load_release(base, latest)
    current = snapshot(pkg)
    diff = compare(last, current)
    for name in STABLE_SLUGS:
        for key in diff.removed.get(name, []):
            problems.append(f"{name} slug {key!r} was released in {latest} and has disappeared")
    required, why = diff.required()
    needed = effective(required, pkg.version)
    if kind == "none" and not diff.empty:
        problems.append(f"data or schema changed since release {latest} ({why}) but the version "
                        f"is still {pkg.version}; a {needed} bump is needed")
    elif kind != "none" and LEVELS[kind] < LEVELS[needed]:
        problems.append(f"version {latest} -> {pkg.version} is a {kind} bump, but the change "
                        f"needs a {needed} bump ({why})")
    return problems


# ---------------------------------------------------------------- the zip

def _zip_date(as_of: str) -> tuple[int, int, int, int, int, int]:
    y, m, d = (int(x) for x in as_of.split("-"))
    return (y, m, d, 0, 0, 0)


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes, date: tuple) -> None:
    info = zipfile.ZipInfo(arcname, date_time=date)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    zf.writestr(info, data, compresslevel=9)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


def release_descriptor(pkg: Package, parquet: dict[str, bytes] | None = None) -> dict:
    """datapackage.json as shipped: each resource carries its bytes and sha256 hash;
    each table's Parquet copy is listed as a resource of its own (`<name>_parquet`)."""
    descriptor = json.loads(json.dumps(pkg.descriptor))
    copies = []
    for res in descriptor["resources"]:
        data = pkg[res["name"]].path.read_bytes()
        res["bytes"] = len(data)
        res["hash"] = f"sha256:{sha256(data)}"
        path = f"parquet/{res['name']}.parquet"
        if parquet and path in parquet:
            copy = {"name": f"{res['name']}_parquet", "path": path, "format": "parquet",
                    "mediatype": PARQUET_MEDIATYPE,
                    "description": f"The {res['name']} table as Parquet, typed from its schema.",
                    "bytes": len(parquet[path]), "hash": f"sha256:{sha256(parquet[path])}",
                    "schema": {"fields": res["schema"]["fields"]}}
            copies.append(copy)
    descriptor["resources"] += copies
    return descriptor


def make_zip(base: Path, out_dir: Path) -> Path:
    """Write the release zip and its .sha256 into out_dir; returns the zip's path."""
    pkg = Package(base / "datapackage.json")
    prefix = f"{NAME}-{pkg.version}"
    date = _zip_date(pkg.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / DB_NAME
        problems = pipeline.errors(pipeline.build(pkg.descriptor_path, db))
        if problems:
            raise ReleaseError("the package does not validate:\n" + "\n".join(map(str, problems)))
        parquet = formats.parquet_files(pkg)
        files: dict[str, bytes] = {
            "datapackage.json": (json.dumps(release_descriptor(pkg, parquet), indent=2,
                                            ensure_ascii=False) + "\n").encode("utf-8"),
            DB_NAME: db.read_bytes(),
            **parquet,
        }
        for res in pkg.resources.values():
            files[res.relpath] = res.path.read_bytes()
        for doc in DOCUMENTS:
            files[doc] = (base / doc).read_bytes()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{prefix}.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for arcname in sorted(files):
            _add(zf, f"{prefix}/{arcname}", files[arcname], date)
    tmp_zip = target.with_name(f".{target.name}.tmp")
    tmp_zip.write_bytes(buf.getvalue())
    tmp_zip.replace(target)
    (out_dir / f"{target.name}.sha256").write_text(
        f"{sha256(buf.getvalue())}  {target.name}\n", encoding="utf-8")
    return target


def validate_zip(zip_path: Path) -> list[str]:
    """Extract the zip and run the frictionless check on its CSVs, hashes included;
    each Parquet copy must match its hash and hold the same rows as its CSV."""
    from frictionless import Package as FPackage

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        root = next(Path(tmp).iterdir())
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        copies = [r for r in descriptor["resources"] if r.get("format") == "parquet"]
        descriptor["resources"] = [r for r in descriptor["resources"] if r not in copies]
        (root / "csv-only.json").write_text(json.dumps(descriptor), encoding="utf-8")
        report_ = FPackage(str(root / "csv-only.json")).validate()
        problems = [] if report_.valid else [
            f"{task.name}: {err.type}: {err.message}"
            for task in report_.tasks for err in task.errors] or ["invalid package"]
        return problems + _parquet_problems(root, copies)


def _parquet_problems(root: Path, copies: list[dict]) -> list[str]:
    import pyarrow.parquet as pq

    problems = []
    for copy in copies:
        data = (root / copy["path"]).read_bytes()
        if f"sha256:{sha256(data)}" != copy["hash"]:
            problems.append(f"{copy['path']}: hash does not match")
        csv_rows = len(read_rows(root / copy["path"].replace("parquet/", "data/")
                                 .replace(".parquet", ".csv")))
        table = pq.read_table(root / copy["path"])
        if table.num_rows != csv_rows or table.column_names != [
                f["name"] for f in copy["schema"]["fields"]]:
            problems.append(f"{copy['path']}: {table.num_rows} rows, expected {csv_rows}")
    return problems


# ---------------------------------------------------------------- commands

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Versioned releases of the data package.")
    parser.add_argument("command", choices=["build", "changes", "changelog", "check"])
    parser.add_argument("--base", default=str(ROOT), help="repository folder")
    parser.add_argument("--out", default="dist", help="folder for the zip (build)")
    args = parser.parse_args(argv)
    base = Path(args.base).resolve()
    try:
        if args.command == "check":
            problems = check(base)
            for p in problems:
                print(f"version check: {p}")
            if not problems:
                print("version check: ok", file=sys.stderr)
            return 1 if problems else 0
        pkg = Package(base / "datapackage.json")
        if args.command in ("changes", "changelog"):
            prev = previous_release(base, pkg.version)
            old = load_release(base, prev) if prev else {"as_of": pkg.as_of, "resources": {}}
            new = snapshot(pkg)
            diff = compare(old, new)
            if args.command == "changes":
                print(report(diff, prev, pkg.version))
            else:
                m = CHANGELOG_ENTRY.search((base / "CHANGELOG.md").read_text(encoding="utf-8"))
                date = m.group(2) if m and m.group(1) == pkg.version else pkg.as_of
                print(changelog_section(diff, pkg.version, date, new))
            return 0
        problems = check(base)
        if problems:
            for p in problems:
                print(f"version check: {p}")
            return 1
        out = (base / args.out) if not Path(args.out).is_absolute() else Path(args.out)
        zip_path = make_zip(base, out)
        problems = validate_zip(zip_path)
        if problems:
            for p in problems:
                print(f"release: {p}")
            return 1
        record = write_record(base, snapshot(pkg))
        digest = (out / f"{zip_path.name}.sha256").read_text(encoding="utf-8").split()[0]
        print(f"release: wrote {zip_path.relative_to(base) if zip_path.is_relative_to(base) else zip_path}"
              f" (sha256 {digest}), validated; recorded {record.relative_to(base)}")
        return 0
    except (PackageError, ReleaseError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
