"""The folder tree is the pipeline: every import in torchlint goes down the stages, and no module imports itself
back through others. Imports inside functions count too: a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each stage may import the stages of a lower rank (and itself); stages of one rank are independent.
STAGES: dict[str, int] = {
    "source": 0, "config": 0, "torch_facts": 0, "runtime": 0,
    "contract": 1,
    "outline": 2, "suppression": 2,
    "analysis": 3, "fix": 3,
    "rules": 4,
    "engine": 5,
    "report": 6,
    "run": 7,
    "commands": 8, "server": 8,
    "integrations": 9,
}
# modules at the package root: what they are allowed to reach
ROOT_MODULES: dict[str, int] = {"torchlint": -1, "torchlint.__main__": 10, "torchlint.testing": 1}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "torchlint").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    for path in sorted((ROOT / "rules").glob("*.py")):
        name = "torchlint.rules" if path.stem == "__init__" else f"torchlint.rules.{path.stem}"
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The torchlint modules ``path`` imports, anywhere in the file."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("torchlint") and name != "torchlint":
                imported.add(name)
    return imported


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else module


def _rank(module: str) -> int:
    stage = _stage(module)
    return STAGES[stage] if stage in STAGES else ROOT_MODULES[stage]


def test_every_module_belongs_to_a_stage() -> None:
    strays = [m for m in MODULES if _stage(m) not in STAGES and _stage(m) not in ROOT_MODULES]
    assert not strays, f"modules outside every stage: {strays}"


def test_imports_go_down_the_stages() -> None:
    upward = [
        f"{module} ({_stage(module)}) imports {target} ({_stage(target)})"
        for module, targets in GRAPH.items()
        for target in sorted(targets)
        if _stage(target) != _stage(module) and _rank(target) >= _rank(module)
    ]
    assert not upward, "imports that do not go down the pipeline:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("module", ["torchlint.engine.linter", "torchlint.analysis.class_analysis"])
def test_the_check_sees_real_imports(module: str) -> None:
    """The graph is not empty by accident: modules known to import others are seen doing it."""
    assert GRAPH[module], module
