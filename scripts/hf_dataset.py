"""The package as a Hugging Face dataset repository: a folder with a dataset
card (YAML front matter: licence, one config per table, citation) and each
table as Parquet, so that `datasets.load_dataset(<repo>, "<table>")` works.

Usage:
    python -m scripts.hf_dataset build [--out dist/hf-dataset]
    python -m scripts.hf_dataset publish --repo OWNER/NAME [--out dist/hf-dataset]
        (needs HF_TOKEN in the environment; uploads the folder built before)
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from scripts import formats
from scripts.package import NAME, ROOT, Package

DEFAULT_CONFIG = "models"
# The Hub's size buckets, by the largest table's rows.
SIZES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]


def size_category(rows: int) -> str:
    return next((label for limit, label in SIZES if rows < limit), "1M<n<10M")


def bibtex(pkg: Package) -> str:
    key = f"{NAME}_{pkg.version}".replace("-", "_").replace(".", "_")
    return "\n".join([
        f"@dataset{{{key},",
        "  author  = {{open-weights-lag contributors}},",
        f"  title   = {{{pkg.descriptor['title']}}},",
        f"  year    = {{{pkg.as_of[:4]}}},",
        f"  version = {{{pkg.version}}},",
        f"  note    = {{Data as of {pkg.as_of}}},",
        "  license = {CC-BY-4.0}",
        "}"])


def card(pkg: Package, rows: dict[str, int]) -> str:
    configs = [{"config_name": name, "data_files": [{"split": "train", "path": f"data/{name}.parquet"}],
                **({"default": True} if name == DEFAULT_CONFIG else {})}
               for name in pkg.resources]
    front = {
        "license": "cc-by-4.0",
        "pretty_name": pkg.descriptor["title"],
        "language": ["en"],
        "tags": ["ai-models", "open-weights", "model-releases", "ai-governance"],
        "size_categories": [size_category(max(rows.values()))],
        "configs": configs,
    }
    tables = "\n".join(
        f"| `{name}` | {rows[name]:,} | {' '.join(res.descriptor.get('description', '').split())} |"
        for name, res in pkg.resources.items())
    return f"""---
{yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip()}
---

# {pkg.descriptor['title']}

{' '.join(pkg.descriptor.get('description', '').split())}

Version **{pkg.version}**, data as of **{pkg.as_of}**. Every event and pledge cites
its source. Licence: CC BY 4.0.

## Loading

```python
from datasets import load_dataset

events = load_dataset("OWNER/{NAME}", "events", split="train")
models = load_dataset("OWNER/{NAME}", "models", split="train")
```

Each table is one configuration (`"{DEFAULT_CONFIG}"` is the default), with a single
`train` split holding every row. Dates are Arrow dates; an empty cell is null.
The derived tables (lags, pledge outcomes, openness classes) are computed in the
SQLite database of the release and on the site: {pkg.descriptor.get('homepage', '')}

## Tables

| table | rows | what it holds |
|---|---:|---|
{tables}

The schema of every column is in `datapackage.json` (Frictionless Data Package)
in the release zip.

## Citation

```bibtex
{bibtex(pkg)}
```
"""


def build(out: Path, pkg: Package | None = None) -> Path:
    """Write the dataset folder to `out` (replaced whole); returns it."""
    pkg = pkg or Package(ROOT / "datapackage.json")
    tmp = Path(tempfile.mkdtemp(prefix=".hf-", dir=out.parent if out.parent.exists() else None))
    (tmp / "data").mkdir()
    rows = {}
    for name, res in pkg.resources.items():
        (tmp / "data" / f"{name}.parquet").write_bytes(formats.parquet_bytes(res))
        with res.path.open(encoding="utf-8") as f:
            rows[name] = sum(1 for _ in f) - 1
    (tmp / "README.md").write_text(card(pkg, rows), encoding="utf-8")
    shutil.copy(ROOT / "CITATION.cff", tmp / "CITATION.cff")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(tmp), out)
    return out


def publish(folder: Path, repo: str) -> None:
    from huggingface_hub import HfApi

    token = os.environ.get("HF_TOKEN")
    if not token:
        raise SystemExit("hf_dataset: set HF_TOKEN to a write token of the Hub")
    if not (folder / "README.md").exists():
        raise SystemExit(f"hf_dataset: {folder} has no dataset card; run `make hf-dataset` first")
    api = HfApi(token=token)
    api.create_repo(repo, repo_type="dataset", exist_ok=True)
    version = Package(ROOT / "datapackage.json").version
    api.upload_folder(repo_id=repo, repo_type="dataset", folder_path=str(folder),
                      commit_message=f"{NAME} {version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.hf_dataset",
                                     description="The package as a Hugging Face dataset folder.")
    parser.add_argument("command", choices=["build", "publish"])
    parser.add_argument("--out", default=str(ROOT / "dist" / "hf-dataset"))
    parser.add_argument("--repo", help="OWNER/NAME of the dataset repository (publish)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.command == "build":
        build(out)
        print(f"hf_dataset: wrote {out}", file=sys.stderr)
        return 0
    if not args.repo:
        parser.error("publish needs --repo OWNER/NAME")
    publish(out, args.repo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
