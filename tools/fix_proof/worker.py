"""One side of a fix proof, run in its own interpreter with one copy of the package tree first on the path.

``--side orig`` builds every class it is given (seeded), runs a forward pass where an input can be derived,
and stores what the fixed side compares against (state dict, input, output, buffer names). ``--side fixed``
builds the same classes from the fixed copy and compares: construction outcome, ``state_dict()`` keys, a
``strict=True`` load of the original's state dict, the forward output after that load, the dtypes of the
buffers the fix added after ``.to(torch.float64)`` and ``.half()``, and a save -> load round trip through the
package's own load path (``save_pretrained``/``from_pretrained``, else ``torch.save``/``load_state_dict``).
Both sides print one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import importlib
import json
import os
import sys
import tempfile
import traceback
from typing import Any, Callable, Optional

import torch

PROBES = ((2, 8), (2, 4), (1, 4, 8), (2, 16), (4,), (8,), (1, 3, 8, 8), (2, 4, 8), (1, 3, 32, 32), (1, 3, 64, 64))


def short(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"


# --- builders: the oracle's when its package is importable (tools/oracle), else a minimal one ---------------

def factories(spec: dict[str, str]) -> list[tuple[str, Callable[[], Any]]]:
    """(name, factory) for each class of a task: ``{"kind": "module", "target": module}`` or
    ``{"kind": "transformers", "target": model_type}``."""
    try:
        from oracle import builders  # type: ignore[import-not-found]
    except ImportError:
        builders = None
    if spec["kind"] == "transformers":
        from oracle import hf  # type: ignore[import-not-found]  # needs the oracle's tiny configs

        result = []
        for built in hf.specs(spec["target"], 1):
            cpu = [attempt for attempt in built.attempts if attempt.device == "cpu"]
            if cpu:
                result.append((built.name, cpu[0].factory))
        return result
    module = importlib.import_module(spec["target"])
    if builders is not None:
        ready, _ = builders.no_argument_classes(spec["target"])
    else:
        ready = minimal_no_argument_classes(module)
    return [(f"{spec['target']}.{name}", getattr(module, name)) for name in ready]


def minimal_no_argument_classes(module: Any) -> list[str]:
    import inspect

    names = []
    for name, value in sorted(vars(module).items()):
        if not (isinstance(value, type) and issubclass(value, torch.nn.Module)) or value.__module__ != module.__name__:
            continue
        if inspect.isabstract(value) or name.startswith("_"):
            continue
        try:
            inspect.signature(value).bind()
        except TypeError:
            continue
        except ValueError:
            pass
        names.append(name)
    return names


# --- running a model ---------------------------------------------------------------------------------------

def first_tensor(output: Any) -> Optional[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return output
    if hasattr(output, "to_tuple"):
        output = output.to_tuple()
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        for item in output:
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def derive_input(model: torch.nn.Module) -> list[tuple[str, Any]]:
    """Candidate inputs, by the package's conventions: token ids for a transformers model, else random probes."""
    config = getattr(model, "config", None)
    vocab = getattr(config, "vocab_size", None) if config is not None else None
    if isinstance(vocab, int) and vocab > 0 and hasattr(model, "get_input_embeddings"):
        generator = torch.Generator().manual_seed(1)
        return [("input_ids", torch.randint(0, min(vocab, 100), (1, 8), generator=generator))]
    generator = torch.Generator().manual_seed(1)
    return [("x", torch.randn(*shape, generator=generator)) for shape in PROBES]


def run_forward(model: torch.nn.Module, kind: str, value: Any) -> Optional[torch.Tensor]:
    torch.manual_seed(2)
    with torch.no_grad():
        output = model(input_ids=value) if kind == "input_ids" else model(value.clone())
    return first_tensor(output)


def same(a: Optional[torch.Tensor], b: Optional[torch.Tensor]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(torch.nan_to_num(a), torch.nan_to_num(b)))


MAX_PARAMETERS = 60_000_000  # larger default configurations are skipped: building them on CPU takes minutes


def meta_size(factory: Callable[[], Any]) -> Optional[int]:
    """The parameter count of the model built on the meta device, or None when that build fails."""
    try:
        with torch.device("meta"):
            model = factory()
        return sum(parameter.numel() for parameter in model.parameters())
    except Exception:  # noqa: BLE001
        return None


def build(factory: Callable[[], Any]) -> torch.nn.Module:
    torch.manual_seed(0)
    model = factory()
    return model.eval()


def round_trip(model: torch.nn.Module, factory: Callable[[], Any], kind: str, value: Any) -> str:
    """"same", "changed", or "error: ..." after saving and loading through the package's own load path."""
    try:
        before = run_forward(model, kind, value)
        with tempfile.TemporaryDirectory() as directory:
            if hasattr(model, "save_pretrained") and hasattr(type(model), "from_pretrained"):
                model.save_pretrained(directory)
                loaded = type(model).from_pretrained(directory).eval()
            else:
                torch.save(model.state_dict(), os.path.join(directory, "model.pt"))
                torch.manual_seed(1)
                loaded = factory().eval()
                loaded.load_state_dict(torch.load(os.path.join(directory, "model.pt")), strict=True)
        return "same" if same(before, run_forward(loaded, kind, value)) else "changed"
    except Exception as error:  # noqa: BLE001 - any failure is a finding of the harness
        return f"error: {short(error)}"


def cast_dtypes(model: torch.nn.Module, names: list[str]) -> dict[str, list[str]]:
    """Each named buffer's dtype as built, after ``.to(torch.float64)`` and after ``.half()``."""
    result: dict[str, list[str]] = {}
    try:
        wide = copy.deepcopy(model).to(torch.float64)
        half = copy.deepcopy(model).half()
    except Exception as error:  # noqa: BLE001
        return {name: [f"error: {short(error)}"] for name in names}
    for name in names:
        dtypes = []
        for each in (model, wide, half):
            try:
                dtypes.append(str(each.get_buffer(name).dtype))
            except Exception:  # noqa: BLE001 - a None buffer
                dtypes.append("None")
        result[name] = dtypes
    return result


# --- the two sides -----------------------------------------------------------------------------------------

def original(name: str, factory: Callable[[], Any], data: str) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name}
    try:
        model = build(factory)
    except Exception as error:  # noqa: BLE001
        row["built"] = f"error: {short(error)}"
        return row
    row["built"] = "ok"
    row["keys"] = sorted(model.state_dict())
    row["buffers"] = sorted(name for name, _ in model.named_buffers())
    stored: dict[str, Any] = {"state": model.state_dict()}
    for kind, value in derive_input(model):
        try:
            output = run_forward(model, kind, value)
        except Exception:  # noqa: BLE001 - the next probe
            continue
        if output is not None:
            stored.update(kind=kind, value=value, output=output)
            row["forward"] = kind
            row["round_trip"] = round_trip(model, factory, kind, value)
            break
    torch.save(stored, os.path.join(data, hashlib.sha1(name.encode()).hexdigest() + ".pt"))
    return row


def fixed(name: str, factory: Callable[[], Any], data: str, before: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name}
    try:
        model = build(factory)
    except Exception as error:  # noqa: BLE001
        row["built"] = f"error: {short(error)}"
        return row
    row["built"] = "ok"
    row["keys"] = sorted(model.state_dict())
    added = sorted(set(name for name, _ in model.named_buffers()) - set(before.get("buffers", ())))
    row["added_buffers"] = added
    row["casts"] = cast_dtypes(model, added)
    path = os.path.join(data, hashlib.sha1(name.encode()).hexdigest() + ".pt")
    if not os.path.exists(path):
        return row
    stored = torch.load(path, weights_only=False)
    try:
        model.load_state_dict(stored["state"], strict=True)
        row["strict_load"] = "ok"
    except Exception as error:  # noqa: BLE001
        row["strict_load"] = f"error: {short(error)}"
        return row
    if "kind" in stored:
        try:
            output = run_forward(model, stored["kind"], stored["value"])
            row["forward"] = "same" if same(stored["output"], output) else "changed"
        except Exception as error:  # noqa: BLE001
            row["forward"] = f"error: {short(error)}"
        row["round_trip"] = round_trip(model, factory, stored["kind"], stored["value"])
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=("orig", "fixed"), required=True)
    parser.add_argument("--tasks", required=True, help="JSON list of {kind, target}")
    parser.add_argument("--data", required=True)
    parser.add_argument("--before", help="the orig side's JSON output (fixed side)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    before = {}
    if args.before:
        with open(args.before, encoding="utf-8") as handle:
            before = {row["name"]: row for row in json.load(handle)["rows"]}
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for spec in json.loads(args.tasks):
        try:
            built = factories(spec)
        except Exception as error:  # noqa: BLE001
            errors[spec["target"]] = short(error)
            continue
        for name, factory in built:
            size = meta_size(factory)
            if size is not None and size > MAX_PARAMETERS:
                rows.append({"name": name, "built": f"skipped: {size / 1e6:.0f}M parameters"})
                continue
            try:
                if args.side == "orig":
                    rows.append(original(name, factory, args.data))
                else:
                    rows.append(fixed(name, factory, args.data, before.get(name, {})))
            except Exception as error:  # noqa: BLE001
                rows.append({"name": name, "built": f"error: harness: {short(error)}",
                             "trace": traceback.format_exc()[-500:]})
    json.dump({"rows": rows, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
