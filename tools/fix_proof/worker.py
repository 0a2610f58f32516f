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
import functools
import hashlib
import importlib
import json
import os
import sys
import tempfile
import traceback
from typing import Any, Callable, Optional

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_inputs  # noqa: E402 - beside this script, which runs as a file
import small_configs  # noqa: E402

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
    found: list[tuple[str, Callable[[], Any]]] = []
    for name in ready:
        cls = getattr(module, name)
        found.append((f"{spec['target']}.{name}", cls))
        for label, extra in model_inputs.VARIANTS.get(name, {}).items():
            found.append((f"{spec['target']}.{name}[{label}]", functools.partial(cls, **extra)))
    return found


def candidates(cls_or_factory: Callable[[], Any]) -> list[tuple[str, Callable[[], Any]]]:
    """(profile, factory) to try in order: a config class (diffusers ``ConfigMixin``, or a variant of one:
    ``partial(cls, **extra)``) from its smallest configuration to its default one (:mod:`small_configs`),
    anything else as it is."""
    cls, extra = cls_or_factory, {}
    if isinstance(cls_or_factory, functools.partial):
        cls, extra = cls_or_factory.func, dict(cls_or_factory.keywords)
    if isinstance(cls, type) and small_configs.is_config_class(cls):
        profiles = small_configs.profiles(cls)
        return [(label, small_configs.factory(cls, {**kwargs, **extra})) for label, kwargs in profiles]
    return [("default", cls_or_factory)]


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
    explicit = model_inputs.INPUTS.get(type(model).__name__)
    if explicit is not None and config is not None:
        return [("kwargs", explicit(config, generator))]
    channels = _config_value(config, "in_channels")
    shapes: list[tuple[int, ...]] = list(PROBES)
    if isinstance(config, dict):  # a config-driven model: a batch of its widths
        widths = sorted({value for key, value in config.items()
                         if isinstance(value, int) and small_configs.kind(key, value) == "width"})
        shapes += [(2, width) for width in widths]
    if channels:  # a diffusers image or video model: (batch, channels, [frames,] height, width)
        shapes = [(1, channels, 16, 16), *((1, channels, frames, 16, 16) for frames in (1, 5, 9, 17)), *shapes]
    return [("x", torch.randn(*shape, generator=generator)) for shape in shapes]


def _config_value(config: Any, name: str) -> Any:
    value = config.get(name) if isinstance(config, dict) else getattr(config, name, None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def run_forward(model: torch.nn.Module, kind: str, value: Any) -> Optional[torch.Tensor]:
    torch.manual_seed(2)
    with torch.no_grad():
        if kind == "kwargs":
            output = model(**{key: item.clone() if isinstance(item, torch.Tensor) else item
                              for key, item in value.items()})
        else:
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


def tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every tensor the model holds: parameters, buffers (persistent or not) and plain tensor attributes of
    each submodule, by dotted name."""
    found: dict[str, torch.Tensor] = {}
    for prefix, module in model.named_modules():
        dotted = f"{prefix}." if prefix else ""
        for name, value in vars(module).items():
            if isinstance(value, torch.Tensor):
                found[dotted + name] = value
        for name, value in (*module._parameters.items(), *module._buffers.items()):
            if value is not None:
                found[dotted + name] = value
    return found


def state_difference(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> list[str]:
    """Names whose tensor is missing, added, or different (shape, dtype or values; NaN equal to NaN)."""
    def equal(a: torch.Tensor, b: torch.Tensor) -> bool:
        if a.is_meta or b.is_meta:  # a meta tensor has no values: never what was built
            return a.is_meta and b.is_meta and a.shape == b.shape and a.dtype == b.dtype
        return same(a.detach().cpu(), b.detach().cpu())

    names = sorted(set(before) | set(after))
    return [name for name in names if name not in before or name not in after or not equal(before[name], after[name])]


def pretrained(model: torch.nn.Module) -> bool:
    return hasattr(model, "save_pretrained") and hasattr(type(model), "from_pretrained")


def reload(model: torch.nn.Module, factory: Callable[[], Any]) -> torch.nn.Module:
    """The model saved and loaded through the package's own load path: ``save_pretrained`` /
    ``from_pretrained`` when the class has them, else ``torch.save`` / a new build + ``load_state_dict``."""
    with tempfile.TemporaryDirectory() as directory:
        if pretrained(model):
            model.save_pretrained(directory)
            torch.manual_seed(1)
            return type(model).from_pretrained(directory).eval()
        torch.save(model.state_dict(), os.path.join(directory, "model.pt"))
        torch.manual_seed(1)
        loaded = factory().eval()
        loaded.load_state_dict(torch.load(os.path.join(directory, "model.pt")), strict=True)
        return loaded


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in tensors(model).items()}


def round_trip(
    model: torch.nn.Module, factory: Callable[[], Any], kind: Optional[str], value: Any,
    built: dict[str, torch.Tensor],
) -> dict[str, str]:
    """After a save -> load round trip: ``state`` ("same", or "changed: <names>": every tensor the loaded
    model holds, non-persistent buffers and plain tensors too, against ``built``, the snapshot of the model
    as built, before any forward filled a cache) and, with an input, ``output`` ("same" or "changed");
    "error: ..." when the round trip fails."""
    try:
        before_output = run_forward(model, kind, value) if kind is not None else None
        loaded = reload(model, factory)
        changed = state_difference(built, tensors(loaded))
        result = {"state": "same" if not changed else f"changed: {', '.join(changed[:8])}"}
        if kind is not None:
            result["output"] = "same" if same(before_output, run_forward(loaded, kind, value)) else "changed"
        return result
    except Exception as error:  # noqa: BLE001 - any failure is a finding of the harness
        return {"state": f"error: {short(error)}", **({"output": f"error: {short(error)}"} if kind else {})}


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
    built = snapshot(model)
    stored: dict[str, Any] = {"state": model.state_dict()}
    for kind, value in derive_input(model):
        try:
            output = run_forward(model, kind, value)
        except Exception:  # noqa: BLE001 - the next probe
            continue
        if output is not None:
            stored.update(kind=kind, value=value, output=output)
            row["forward"] = kind
            break
    trip = round_trip(model, factory, stored.get("kind"), stored.get("value"), built)
    row["load_path"] = "from_pretrained" if pretrained(model) else "load_state_dict"
    row["round_trip_state"] = trip["state"]
    if "output" in trip:
        row["round_trip"] = trip["output"]
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
    built = snapshot(model)
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
    trip = round_trip(model, factory, stored.get("kind"), stored.get("value"), built)
    row["load_path"] = "from_pretrained" if pretrained(model) else "load_state_dict"
    row["round_trip_state"] = trip["state"]
    if "output" in trip:
        row["round_trip"] = trip["output"]
    return row


def compare_one(
    side: str, name: str, factory: Callable[[], Any], data: str, before: Optional[dict[str, Any]]
) -> dict[str, Any]:
    """One class's row. The orig side takes the first configuration (:func:`candidates`) that builds within
    the size limit; the fixed side builds the configuration the orig side took, so a failure there is a
    construction broken by the fix, never a different configuration."""
    choices = candidates(factory)
    if side == "fixed":
        wanted = (before or {}).get("profile", choices[-1][0])
        choices = [choice for choice in choices if choice[0] == wanted] or choices[-1:]
    row: dict[str, Any] = {"name": name, "built": "skipped: no configuration"}
    tried: dict[str, str] = {}
    for index, (label, each) in enumerate(choices):
        last = index == len(choices) - 1
        size = meta_size(each)
        if size is not None and size > MAX_PARAMETERS:
            row = {"name": name, "built": f"skipped: {size / 1e6:.0f}M parameters"}
            tried[label] = row["built"]
            continue
        try:
            row = original(name, each, data) if side == "orig" else fixed(name, each, data, before or {})
        except Exception as error:  # noqa: BLE001
            row = {"name": name, "built": f"error: harness: {short(error)}", "trace": traceback.format_exc()[-500:]}
        row["profile"] = label
        if len(choices) > 1 or label != "default":
            row["config"] = getattr(each, "__qualname__", label)
        if row.get("built") == "ok" or last:
            break
        tried[label] = row["built"]
    if tried:
        row["tried"] = tried  # the smaller configurations that did not build, and why
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
            rows.append(compare_one(args.side, name, factory, args.data, before.get(name)))
    json.dump({"rows": rows, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
