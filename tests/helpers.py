"""What several test modules share: reading the package's CSVs and one factory
for an in-process Datasette client serving a built database as the site does."""
from __future__ import annotations

import asyncio
import csv

from scripts.package import ROOT
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
