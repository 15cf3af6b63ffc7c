"""What several test modules share: reading the package's CSVs and one factory
for an in-process Datasette client serving a built database as the site does."""
from __future__ import annotations

import asyncio
import csv
import io
import shutil
from pathlib import Path

from scripts.package import DESCRIPTOR, ROOT
from scripts.serve import PLUGINS, SETTINGS, STATIC_MOUNT, TEMPLATES

DATA = ROOT / "data"


def read_csv(name: str) -> list[dict]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Client:
    """Synchronous wrapper around Datasette's internal test client."""

    def __init__(self, ds):
        self.ds = ds
        self.loop = asyncio.new_event_loop()

    def get(self, path: str):
        return self.loop.run_until_complete(self.ds.client.get(path))

    def post(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.post(path, **kwargs))

    def close(self) -> None:
        self.loop.close()


def make_app_client(db, metadata: dict, settings: dict | None = None) -> Client:
    """A started Datasette serving `db` immutable, with the site's plugins and settings."""
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(db)], metadata=metadata, settings=settings or SETTINGS,
                   plugins_dir=str(PLUGINS), template_dir=str(TEMPLATES),
                   static_mounts=[(STATIC_MOUNT[0], str(STATIC_MOUNT[1]))])
    client = Client(ds)
    client.loop.run_until_complete(ds.invoke_startup())
    return client


# Organizations whose rows make the small package: among them every kind of
# pledge (specific, policy with covered models, follow-up), open and closed
# models, and Grok-1's timeline.
SMALL_ORGANIZATIONS = {"alibaba", "google-deepmind", "meta", "mistral-ai", "openai",
                       "stability-ai", "xai"}


def write_small_package(dest: Path, organizations: set[str] = SMALL_ORGANIZATIONS) -> Path:
    """A valid package in `dest` (its datapackage.json is returned): the real
    descriptor and vocabularies with the rows of a few organizations, every key
    kept whole (their models, events, checks, pledges and the licences those
    use). Broken-input cases run against it: the same rules and checks on a
    third of the rows."""
    data = dest / "data"
    data.mkdir(parents=True)
    shutil.copy(DESCRIPTOR, dest / "datapackage.json")
    kept: dict[str, list[dict]] = {}
    kept["organizations"] = [r for r in read_csv("organizations") if r["organization_id"] in organizations]
    kept["models"] = [r for r in read_csv("models") if r["organization_id"] in organizations]
    models = {r["model_id"] for r in kept["models"]}
    kept["events"] = [r for r in read_csv("events") if r["model_id"] in models]
    kept["component_checks"] = [r for r in read_csv("component_checks") if r["model_id"] in models]
    pledges = [r for r in read_csv("pledges") if r["organization_id"] in organizations
               and r["model_id"] in models | {""}]
    ids = {r["pledge_id"] for r in pledges}
    kept["pledges"] = [r for r in pledges if r["follows_pledge_id"] in ids | {""}]
    ids = {r["pledge_id"] for r in kept["pledges"]}
    kept["policy_models"] = [r for r in read_csv("policy_models") if r["pledge_id"] in ids
                             and r["model_id"] in models and r["successor_model_id"] in models | {""}]
    used = {r["license_id"] for r in kept["events"]}
    kept["licenses"] = [r for r in read_csv("licenses") if r["license_id"] in used]
    for path in DATA.glob("*.csv"):
        name = path.stem
        if name not in kept:
            shutil.copy(path, data / path.name)
            continue
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept[name])
        (data / path.name).write_text(buf.getvalue(), encoding="utf-8", newline="")
    return dest / "datapackage.json"
