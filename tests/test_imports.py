"""The import graph of the package (issue 22): no cycles and no upward imports, so it can fail locally before
``lint-imports`` runs in CI. Every ``import`` counts, also inside functions and under ``TYPE_CHECKING``, and
``from package import name`` counts as importing the package too (its ``__init__`` runs first).

The layers are read from the import-linter contract in pyproject.toml, so the test and ``lint-imports`` agree.
"""

import ast
import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "kompilot_data"
#: A tool above the package's layers that the command line (the top layer) runs.
TOOLS = ("kompilot_data.reference.build",)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for the package, ``ui`` and the pages."""
    found = {}
    for top in (PACKAGE, "ui", "app_pages"):
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    found["app"] = root / "app.py"
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules it imports (known modules only)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            for target in targets:
                while target and target not in found:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def layer_order() -> list[list[str]]:
    """The package's layers, lowest first, from the layers contract in pyproject.toml, with the reference build
    just under the command line; then the package root (no submodule imports it), ``ui`` and the pages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    layers = [[part.strip() for part in layer.replace(":", "|").split("|")] for layer in reversed(contract["layers"])]
    return [*layers[:-1], list(TOOLS), layers[-1], [PACKAGE], ["ui"], ["app_pages", "app"]]


def rank_of(module: str, order: list[list[str]]) -> int:
    """The layer of ``module``: the layer of its longest listed prefix."""
    best, rank = -1, None
    for position, layer in enumerate(order):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), position
    if rank is None:
        raise AssertionError(f"{module} is in no layer: add it to a layer folder (see README, Layout)")
    return rank


def upward_imports(edges: dict[str, set[str]], order: list[list[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in edges.items()
        for target in targets
        if rank_of(target, order) > rank_of(module, order)
    )


def test_the_package_has_no_import_cycles():
    assert cycles(import_graph(modules())) == []


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports(import_graph(modules()), layer_order()) == []


def test_every_module_is_in_a_layer():
    order = layer_order()
    for name in modules():
        rank_of(name, order)


def test_the_checks_find_a_cycle_and_an_upward_import(tmp_path):
    """The same checks on a made-up package with ``reference`` importing ``view`` and ``view`` importing back."""
    for folder in (PACKAGE, f"{PACKAGE}/reference", f"{PACKAGE}/view", "ui", "app_pages"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "app.py").write_text("import ui\n")
    (tmp_path / PACKAGE / "reference" / "tables.py").write_text(
        "def load():\n    from kompilot_data.view.core import View\n"
    )
    (tmp_path / PACKAGE / "view" / "core.py").write_text("from kompilot_data.reference import tables\n")
    edges = import_graph(modules(tmp_path))
    assert cycles(edges) == [
        ["kompilot_data.reference.tables", "kompilot_data.view.core"]
    ]
    assert upward_imports(edges, layer_order()) == ["kompilot_data.reference.tables -> kompilot_data.view.core"]


def test_heavy_libraries_are_imported_only_where_they_are_used():
    """``import kompilot_data`` imports nothing (its API resolves on first use); the View needs neither plotly nor
    SQLAlchemy; pandera comes with the first validation, geopandas, python-pptx, kaleido and openpyxl with their
    one use each. Each in a fresh interpreter, so one import cannot hide another's."""
    heavy = ["pandas", "plotly", "sqlalchemy", "pandera", "geopandas", "pptx", "kaleido", "openpyxl", "pydeck"]
    script = (
        "import importlib, json, sys\n"
        "importlib.import_module(sys.argv[1])\n"
        f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"
    )

    def loaded(module: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-c", script, module], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    assert loaded("kompilot_data") == []
    assert loaded("kompilot_data.view") == ["pandas"]
    assert loaded("kompilot_data.records.storage") == ["pandas", "sqlalchemy"]
    assert set(loaded("ui")) <= {"pandas", "plotly", "sqlalchemy", "pydeck"}
