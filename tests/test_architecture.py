"""The layering ARCHITECTURE.md describes: no module of scripts/ imports one that
imports it back, the ground layer imports nothing of the package, and nothing in
the pipeline imports the tools."""
from __future__ import annotations

import ast

from scripts.package import ROOT

SCRIPTS = ROOT / "scripts"


def imports() -> dict[str, set[str]]:
    graph = {}
    for path in SCRIPTS.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scripts"):
                if node.module == "scripts":
                    deps |= {f"scripts.{a.name}" for a in node.names}
                else:
                    deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("scripts")}
        graph[name] = deps
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


def test_no_import_cycles():
    graph = imports()
    assert len(graph) > 10
    assert [m for m in graph if m in reachable(graph, m)] == []


def test_ground_layer_imports_nothing_of_the_package():
    assert imports()["scripts.package"] == set()


def test_pipeline_does_not_import_the_tools():
    graph = imports()
    pipeline_modules = [m for m in graph if not m.startswith("scripts.tools")]
    for module in pipeline_modules:
        assert not any(d.startswith("scripts.tools") for d in reachable(graph, module)), module


def test_validate_and_build_are_thin_command_lines_on_one_orchestration():
    graph = imports()
    assert graph["scripts.validate"] == graph["scripts.build"] == {"scripts.package", "scripts.pipeline"}
