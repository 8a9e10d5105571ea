"""The house's floors, read from the source: the core rooms never import experiments, REPORT.md's writer
or a figure; figures and the report read fedad.results and never each other; the federated core never
imports a deployment transport; no import circle, at module level or inside a function. Command-line entry points (``cli.py``,
``command.py``, ``__main__.py``) stand above every room."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1] / "fedad"
CORE = ("data", "models", "compression", "federated", "detection", "training", "results", "seeding", "statistics",
        "paper")
ENTRY_POINTS = {"cli.py", "command.py", "__main__.py"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The fedad modules ``path`` imports (``from fedad.x import y``: ``fedad.x.y`` when y is a module,
    else ``fedad.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("fedad")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fedad") and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in SOURCES else node.module)
    return found


SOURCES = {_module(p): p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if _room(m) in CORE))
def test_a_core_room_imports_no_experiment_report_or_figure(module):
    if SOURCES[module].name in ENTRY_POINTS:
        pytest.skip("an entry point stands above every room")
    upward = sorted(m for m in _imports(SOURCES[module]) if _room(m) in {"experiments", "report", "figures", "cli"})
    assert not upward, f"{module} imports {upward}: a core room must not reach up a floor"


@pytest.mark.parametrize(("room", "other"), [("figures", "report"), ("report", "figures"), ("results", "report"),
                                             ("results", "figures"), ("results", "experiments"),
                                             ("report", "experiments")])
def test_figures_and_the_report_read_results_and_never_each_other(room, other):
    crossing = {m: sorted(i for i in _imports(p) if _room(i) == other)
                for m, p in SOURCES.items() if _room(m) == room and p.name not in ENTRY_POINTS}
    assert not {m: i for m, i in crossing.items() if i}, f"{room} imports {other}: {crossing}"


@pytest.mark.parametrize("top_level_only", [True, False], ids=["module level", "inside functions too"])
def test_no_import_circle(top_level_only):
    graph = nx.DiGraph()
    for module, path in SOURCES.items():
        graph.add_node(module)
        graph.add_edges_from((module, i) for i in _imports(path, top_level_only) if i in SOURCES and i != module)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import circles: {cycles[:3]}"


@pytest.mark.parametrize("room", ["data", "models", "compression", "federated", "detection", "training"])
def test_the_federated_core_knows_no_transport(room):
    reaching = {m: sorted(i for i in _imports(p) if _room(i) == "deployment")
                for m, p in SOURCES.items() if _room(m) == room and p.name not in ENTRY_POINTS}
    assert not {m: i for m, i in reaching.items() if i}, f"{room} imports the deployment room: {reaching}"


def test_fig5s_path_from_the_command_to_the_png_passes_through_at_most_six_files(fixture_results, tmp_path):
    """``make fig5`` is ``fedad figures fig5``: count the files of ours whose functions run on the way (module
    and class bodies run at import and do not count)."""
    import inspect
    import sys

    from fedad import cli

    passed: set[str] = set()

    def trace(frame, event, arg):
        code = frame.f_code
        if event == "call" and code.co_flags & inspect.CO_OPTIMIZED and code.co_filename.startswith(str(ROOT)):
            passed.add(str(Path(code.co_filename).relative_to(ROOT.parent)))

    sys.settrace(trace)
    try:
        assert cli.main(["figures", "fig5", "--results", str(fixture_results), "--out", str(tmp_path / "out")]) == 0
    finally:
        sys.settrace(None)
    assert (tmp_path / "out" / "fig5.png").exists()
    assert len(passed) <= 6, sorted(passed)
