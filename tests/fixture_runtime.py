"""Load fixture modules, build every nn.Module class they define, and record runtime sites."""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
from pathlib import Path
from types import ModuleType

import torch

from torchlint.runtime import Recording, record

FIXTURES = Path(__file__).parent / "fixtures"
KNOWN_MISS = re.compile(r"#\s*known-miss\b")


def fixture_paths() -> list[Path]:
    return sorted(path for path in FIXTURES.glob("*.py") if not path.name.startswith("_"))


def _module_classes(container: object, module_name: str, seen: set[type]) -> list[type]:
    found: list[type] = []
    for value in list(vars(container).values()):
        if not inspect.isclass(value) or value in seen or value.__module__ != module_name:
            continue
        seen.add(value)
        if issubclass(value, torch.nn.Module):
            found.append(value)
        found.extend(_module_classes(value, module_name, seen))
    return found


def load(path: Path, name_prefix: str = "torchlint_fixture") -> tuple[ModuleType, Recording, list[type]]:
    """Import the fixture at ``path`` and instantiate each module class with no arguments, recording."""
    name = f"{name_prefix}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    classes: list[type] = []
    with record() as recording:
        spec.loader.exec_module(module)
        classes = _module_classes(module, name, set())
        for cls in classes:
            cls()
        extra = getattr(module, "fixture_instances", None)
        if extra is not None:
            classes.extend(type(instance) for instance in extra())
    return module, recording, classes


def known_misses(path: Path) -> set[int]:
    lines = path.read_text("utf-8").splitlines()
    return {number for number, line in enumerate(lines, 1) if KNOWN_MISS.search(line)}


NOTEBOOK_FIXTURES = Path(__file__).parent / "notebook_fixtures"
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")


EXAMPLES = Path(__file__).parent.parent / "examples"


def notebook_paths() -> list[Path]:
    """The notebook fixtures and the bundled example notebooks."""
    return sorted(NOTEBOOK_FIXTURES.glob("*.ipynb")) + sorted(EXAMPLES.glob("*.ipynb"))


def notebook_program(path: Path) -> tuple[str, dict[int, tuple[int, int]]]:
    """The code cells of a notebook in order, as IPython would run them with its magics stripped (each magic
    line becomes ``pass``; cells of a non-Python cell magic are left out), and for every line of that program
    the (cell, line) it comes from. Written independently of torchlint's own notebook reading."""
    cells = json.loads(path.read_text("utf-8"))["cells"]
    lines: list[str] = []
    origin: dict[int, tuple[int, int]] = {}
    for number, cell in enumerate(cells, 1):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or (source.startswith("%%") and not source.startswith(PYTHON_CELL_MAGICS)):
            continue
        for index, line in enumerate(source.replace("\r\n", "\n").split("\n"), 1):
            if line.strip().startswith(("%", "!", "?")) or line.rstrip().endswith("?") or "= !" in line:
                line = line[: len(line) - len(line.lstrip())] + "pass"
            lines.append(line)
            origin[len(lines)] = (number, index)
    return "\n".join(lines) + "\n", origin


def run_notebook(path: Path) -> tuple[set[tuple[int, int, str]], list[type]]:
    """Run a notebook's code cells with torch under ``record()``, build every module class it defines with no
    arguments, and return the runtime sites as (cell, line, code)."""
    program, origin = notebook_program(path)
    namespace: dict[str, object] = {"__name__": f"torchlint_notebook_{path.stem}"}
    with record() as recording:
        exec(compile(program, str(path), "exec"), namespace)  # noqa: S102 - the fixture notebook
        classes = [value for value in namespace.values() if inspect.isclass(value)
                   and issubclass(value, torch.nn.Module) and value.__module__ == namespace["__name__"]]
        for cls in classes:
            cls()
    sites = {(*origin[line], code) for line, code in recording.lines(str(path))}
    return sites, classes
