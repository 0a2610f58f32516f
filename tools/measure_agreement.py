"""Measure torchlint's TL001/TL002 precision and recall on a real package, with runtime introspection as truth.

Usage::

    python tools/measure_agreement.py transformers [--limit N] [--json out.json] [--jobs 2] [--timeout 8]

For every model type the target package knows (for transformers: ``CONFIG_MAPPING``), the script builds a tiny
config and instantiates the base model (and one head variant) on CPU inside ``torchlint.runtime.record()``,
while a line tracer notes which lines of the package's files executed. Then it lints those files statically
with the TL001/TL002 rules and compares, restricted to executed lines:

* TP: a static finding at a line where a runtime site of the same code was recorded;
* FP: a static finding at an executed line with no runtime site of that code;
* FN: a runtime site (in a package file) with no static finding of that code at its line;
* unverified: static findings at lines that never executed while building.

Nothing is downloaded: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set before the package is imported.
Builds run in worker processes (``--jobs``), each build under a wall-clock limit (``--timeout``); data from a
build that failed or timed out is discarded, because a statement that raised may have "executed" without
assigning anything.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures as futures
import dataclasses
import gc
import inspect
import json
import multiprocessing
import os
import signal
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Optional

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
CODES = ("TL001", "TL002")

# ----------------------------------------------------------------------------------------------------------
# Worker side: build models, trace lines, record runtime sites.
# ----------------------------------------------------------------------------------------------------------

TraceFunction = Callable[[FrameType, str, Any], Any]


class LineTracer:
    """``sys.settrace`` line tracer that records ``(file, line)`` only for files under ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.lines: dict[str, set[int]] = defaultdict(set)
        self._inside: dict[str, bool] = {}

    def _global(self, frame: FrameType, event: str, arg: Any) -> Optional[TraceFunction]:
        filename = frame.f_code.co_filename
        inside = self._inside.get(filename)
        if inside is None:
            inside = self._inside[filename] = filename.startswith(self.root)
        if not inside:
            return None
        lines = self.lines[filename]

        def local(frame: FrameType, event: str, arg: Any) -> TraceFunction:
            if event == "line":
                lines.add(frame.f_lineno)
            return local

        return local

    def __enter__(self) -> LineTracer:
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(None)


class BuildTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise BuildTimeout in the main thread after ``seconds`` (checked when Python code runs)."""

    def on_alarm(signum: int, frame: Optional[FrameType]) -> None:
        raise BuildTimeout(f"took more than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Attributes shrunk in tiny configs: name -> value. A default is only ever made smaller, never larger.
WIDTH = 64
SHRINK: dict[str, int] = {
    **dict.fromkeys(("hidden_size", "d_model", "n_embd", "embed_dim", "dim", "model_dim", "word_embed_proj_dim"), WIDTH),
    **dict.fromkeys(("hidden_dim", "projection_dim", "text_embed_dim", "vision_embed_dim"), WIDTH),
    **dict.fromkeys(
        (
            "num_hidden_layers", "n_layer", "n_layers", "num_layers", "encoder_layers", "decoder_layers",
            "num_encoder_layers", "num_decoder_layers", "num_text_layers", "num_vision_layers",
        ),
        1,
    ),
    **dict.fromkeys(
        (
            "num_attention_heads", "n_head", "n_heads", "num_heads", "encoder_attention_heads",
            "decoder_attention_heads",
        ),
        4,
    ),
    "num_key_value_heads": 2,
    "num_kv_heads": 2,
    "head_dim": 16,
    **dict.fromkeys(
        (
            "intermediate_size", "n_inner", "ffn_dim", "encoder_ffn_dim", "decoder_ffn_dim", "d_ff",
            "ffn_hidden_size", "mlp_dim",
        ),
        128,
    ),
    **dict.fromkeys(("moe_intermediate_size", "shared_expert_intermediate_size", "expert_intermediate_size"), 32),
    **dict.fromkeys(("num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"), 4),
    "num_experts_per_tok": 2,
    "kv_lora_rank": 16,
    "q_lora_rank": 32,
    "vocab_size": 1024,
    "max_position_embeddings": 512,
}


def _field_defaults(config_class: type) -> dict[str, Any]:
    """Default value of each constructor argument of a config class (dataclass fields or ``__init__``)."""
    defaults: dict[str, Any] = {}
    if dataclasses.is_dataclass(config_class):
        for field in dataclasses.fields(config_class):
            if field.default is not dataclasses.MISSING:
                defaults[field.name] = field.default
            elif field.default_factory is not dataclasses.MISSING:
                try:
                    defaults[field.name] = field.default_factory()
                except Exception:  # noqa: BLE001 - an odd factory just leaves the field alone
                    continue
    try:
        parameters = inspect.signature(config_class.__init__).parameters.values()
    except (TypeError, ValueError):
        parameters = ()  # type: ignore[assignment]
    for parameter in parameters:
        if parameter.default is not inspect.Parameter.empty:
            defaults.setdefault(parameter.name, parameter.default)
    return defaults


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def tiny_kwargs(config_class: type, depth: int = 0) -> dict[str, Any]:
    """Constructor kwargs that shrink ``config_class`` (and its sub-configs) to a few thousand parameters."""
    defaults = _field_defaults(config_class)
    kwargs: dict[str, Any] = {}
    for name, target in SHRINK.items():
        default = defaults.get(name)
        if _is_int(default) and default > target:
            kwargs[name] = target
    if "vocab_size" in kwargs:
        token_ids = [
            value for name, value in defaults.items() if _is_int(value) and (name.endswith("_token_id"))
        ]
        kwargs["vocab_size"] = max([kwargs["vocab_size"], *(token_id + 1 for token_id in token_ids)])
    if depth < 3:
        for key, spec in getattr(config_class, "sub_configs_defaults", {}).items():
            if defaults.get(key) is None and getattr(spec, "optional", False):
                continue
            sub_class = _sub_config_class(spec)
            if sub_class is None:
                continue
            sub_kwargs = dict(getattr(spec, "init_kwargs", {}) or {})
            for name, value in tiny_kwargs(sub_class, depth + 1).items():
                sub_kwargs[name] = value
            for name, target in SHRINK.items():  # spec defaults may be large too
                if _is_int(sub_kwargs.get(name)) and sub_kwargs[name] > target:
                    sub_kwargs[name] = target
            kwargs[key] = sub_kwargs
    return kwargs


def _sub_config_class(spec: Any) -> Optional[type]:
    from transformers import CONFIG_MAPPING, PretrainedConfig

    config_class = getattr(spec, "config_class", None)
    if isinstance(config_class, type) and issubclass(config_class, PretrainedConfig):
        return config_class
    model_type = getattr(spec, "model_type", None)
    if model_type and model_type in CONFIG_MAPPING:
        return CONFIG_MAPPING[model_type]  # type: ignore[no-any-return]
    return None


# Head mappings tried, in this order, for the one head variant built next to the base model.
HEAD_MAPPINGS = (
    "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",
    "MODEL_FOR_MULTIMODAL_LM_MAPPING_NAMES",
    "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES",
    "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
    "MODEL_FOR_PRETRAINING_MAPPING_NAMES",
    "MODEL_FOR_CTC_MAPPING_NAMES",
    "MODEL_FOR_OBJECT_DETECTION_MAPPING_NAMES",
    "MODEL_FOR_UNIVERSAL_SEGMENTATION_MAPPING_NAMES",
    "MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_TIME_SERIES_PREDICTION_MAPPING_NAMES",
    "MODEL_FOR_TEXT_TO_WAVEFORM_MAPPING_NAMES",
    "MODEL_FOR_TEXT_TO_SPECTROGRAM_MAPPING_NAMES",
)


def _class_names(model_type: str, heads: int) -> list[str]:
    from transformers.models.auto import modeling_auto

    def names(mapping: str) -> list[str]:
        value = getattr(modeling_auto, mapping, {}).get(model_type)
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)[:1]

    chosen = names("MODEL_MAPPING_NAMES")
    extra = 0
    for mapping in HEAD_MAPPINGS:
        for name in names(mapping):
            if extra < heads and name not in chosen:
                chosen.append(name)
                extra += 1
    return chosen


def _model_class(model_type: str, class_name: str) -> type:
    import importlib

    from transformers.models.auto.configuration_auto import model_type_to_module_name

    module = importlib.import_module(f".{model_type_to_module_name(model_type)}", "transformers.models")
    cls = getattr(module, class_name, None)
    if cls is None:  # some types keep their classes in another model's module
        import transformers

        cls = getattr(transformers, class_name)
    return cls  # type: ignore[no-any-return]


def _worker_init() -> None:
    os.environ.update(OFFLINE_ENV)
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def _short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def build_model_type(model_type: str, root: str, timeout: float, heads: int) -> dict[str, Any]:
    """Build the base model (and ``heads`` head variants) of one model type; runtime facts of successful builds."""
    import torch

    from torchlint.runtime import record
    from transformers import CONFIG_MAPPING

    result: dict[str, Any] = {"model_type": model_type, "builds": [], "sites": [], "lines": {}, "classes": []}
    started = time.perf_counter()
    try:
        config_class = CONFIG_MAPPING[model_type]
        kwargs = tiny_kwargs(config_class)
    except Exception as error:  # noqa: BLE001 - any failure skips the type
        result["error"] = f"config: {_short_error(error)}"
        return result
    class_names = _class_names(model_type, heads)
    if not class_names:
        result["error"] = "no model class in MODEL_MAPPING or the head mappings"
        return result
    lines: dict[str, set[int]] = defaultdict(set)
    sites: set[tuple[str, str, int, str, str]] = set()
    classes: set[str] = set()
    for class_name in class_names:
        build: dict[str, Any] = {"class": class_name}
        result["builds"].append(build)
        t0 = time.perf_counter()
        try:
            with time_limit(timeout):
                model_class = _model_class(model_type, class_name)
                config = config_class(**kwargs)
                tracer = LineTracer(root)
                with record() as recording, tracer:
                    model = model_class._from_config(config) if hasattr(model_class, "_from_config") else (
                        model_class(config)
                    )
            instantiated = {f"{type(m).__module__}.{type(m).__qualname__}" for m in model.modules()}
            del model
        except BaseException as error:  # noqa: BLE001 - includes BuildTimeout; data of a failed build is dropped
            if isinstance(error, KeyboardInterrupt):
                raise
            build["error"] = _short_error(error)
            build["seconds"] = round(time.perf_counter() - t0, 2)
            continue
        build["seconds"] = round(time.perf_counter() - t0, 2)
        build["classes"] = len(instantiated)
        classes |= instantiated
        for filename, numbers in tracer.lines.items():
            lines[filename] |= numbers
        for site in recording.sites:
            sites.add((site.code, site.filename, site.line, site.cls, site.attribute))
        gc.collect()
    result["lines"] = {filename: sorted(numbers) for filename, numbers in lines.items()}
    result["sites"] = sorted(sites)
    result["classes"] = sorted(classes)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


# ----------------------------------------------------------------------------------------------------------
# Static side.
# ----------------------------------------------------------------------------------------------------------


def lint_file(path: str) -> list[tuple[int, int, str]]:
    """``(line, end_line, code)`` of the TL001/TL002 findings in one file."""
    from torchlint.linter import lint_text
    from torchlint.registry import all_rules

    rules = [rule for rule in all_rules() if rule.code in CODES]
    text = Path(path).read_text("utf-8")
    return [(d.line, d.end_line, d.code) for d in lint_text(text, path, rules) if d.code in CODES]


# ----------------------------------------------------------------------------------------------------------
# Comparison and reporting.
# ----------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Scope:
    """The innermost class and function around a line, as written in the source."""

    cls: str = ""
    bases: str = ""
    function: str = ""


class SourceIndex:
    """Source lines and enclosing class/function of lines, per file (cached)."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}
        self._scopes: dict[str, list[tuple[int, int, Scope]]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self._lines:
            try:
                self._lines[path] = Path(path).read_text("utf-8").splitlines()
            except OSError:
                self._lines[path] = []
        lines = self._lines[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    def scope(self, path: str, number: int) -> Scope:
        if path not in self._scopes:
            self._scopes[path] = self._build(path)
        best: Optional[tuple[int, int, Scope]] = None
        for start, end, scope in self._scopes[path]:
            if start <= number <= end and (best is None or start >= best[0]):
                best = (start, end, scope)
        return best[2] if best else Scope()

    @staticmethod
    def _build(path: str) -> list[tuple[int, int, Scope]]:
        try:
            tree = ast.parse(Path(path).read_text("utf-8"))
        except (OSError, SyntaxError):
            return []
        spans: list[tuple[int, int, Scope]] = []

        def visit(node: ast.AST, cls: Optional[ast.ClassDef]) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    bases = ", ".join(ast.unparse(base) for base in child.bases)
                    spans.append((child.lineno, child.end_lineno or child.lineno, Scope(child.name, bases, "")))
                    visit(child, child)
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope = Scope(cls.name if cls else "", ", ".join(ast.unparse(b) for b in cls.bases) if cls else "",
                                  child.name)
                    spans.append((child.lineno, child.end_lineno or child.lineno, scope))
                    visit(child, cls)
                else:
                    visit(child, cls)

        visit(tree, None)
        return spans


@dataclasses.dataclass
class Row:
    kind: str  # TP, FP, FN, unverified
    code: str
    path: str
    line: int
    source: str
    scope: str
    bases: str
    runtime_classes: list[str]
    hint: str


def _hint(kind: str, code: str, path: str, line: int, runtime: dict[tuple[str, int], set[str]],
          static: dict[tuple[str, int], set[str]], scope: Scope, site_classes: list[str]) -> str:
    other = {c for c in CODES if c != code}
    if kind == "FP":
        if runtime.get((path, line), set()) & other:
            return "code mismatch: runtime recorded the other code at this line"
        return "line executed, no plain tensor stored here at runtime"
    if kind == "FN":
        if static.get((path, line), set()) & other:
            return "code mismatch: linter reported the other code at this line"
        if not scope.cls:
            return "assignment outside any class body (module-level function)"
        owners = {name.rsplit(".", 1)[-1] for name in site_classes}
        if scope.cls not in owners:
            return f"method of {scope.cls} ran for subclass instance(s) {sorted(owners)}"
        if scope.function != "__init__":
            return f"assignment in {scope.cls}.{scope.function}, not __init__"
        return "assignment in __init__"
    return ""


def compare(
    root: str,
    lines: dict[str, set[int]],
    sites: Iterable[tuple[str, str, int, str, str]],
    findings: dict[str, list[tuple[int, int, str]]],
) -> tuple[list[Row], dict[str, int]]:
    """Rows for every TP/FP/FN/unverified finding and counters of what fell outside the comparison."""
    index = SourceIndex()
    runtime: dict[tuple[str, int], set[str]] = defaultdict(set)
    site_classes: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    outside: Counter[str] = Counter()
    for code, filename, line, cls, _attribute in sites:
        if not filename.startswith(root):
            outside[code] += 1
            continue
        runtime[(filename, line)].add(code)
        site_classes[(filename, line, code)].add(cls)
    static: dict[tuple[str, int], set[str]] = defaultdict(set)
    rows: list[Row] = []
    matched: set[tuple[str, int, str]] = set()

    def row(kind: str, code: str, path: str, line: int) -> Row:
        scope = index.scope(path, line)
        classes = sorted(site_classes.get((path, line, code), set()))
        return Row(
            kind=kind, code=code, path=os.path.relpath(path, root), line=line, source=index.line(path, line),
            scope=f"{scope.cls}.{scope.function}".strip("."), bases=scope.bases, runtime_classes=classes,
            hint=_hint(kind, code, path, line, runtime, static, scope, classes),
        )

    for path, diagnostics in findings.items():
        for line, _end, code in diagnostics:
            static[(path, line)].add(code)
    for path, diagnostics in sorted(findings.items()):
        executed = lines.get(path, set())
        for line, end_line, code in sorted(set(diagnostics)):
            span = range(line, max(line, end_line) + 1)
            if code in runtime.get((path, line), set()):
                rows.append(row("TP", code, path, line))
                matched.add((path, line, code))
            elif any(number in executed for number in span):
                rows.append(row("FP", code, path, line))
            else:
                rows.append(row("unverified", code, path, line))
    for (path, line), codes in sorted(runtime.items()):
        for code in sorted(codes):
            if (path, line, code) not in matched:
                rows.append(row("FN", code, path, line))
    return rows, {f"runtime sites outside {Path(root).name}/ ({code})": n for code, n in sorted(outside.items())}


def _ratio(numerator: int, denominator: int) -> Optional[float]:
    return round(numerator / denominator, 4) if denominator else None


def _run_builds(model_types: Sequence[str], root: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Build every model type in worker processes; a crashed worker's pending types are retried once."""
    results: dict[str, dict[str, Any]] = {}
    pending = list(model_types)
    context = multiprocessing.get_context("spawn")
    for attempt in range(2):
        if not pending:
            break
        with futures.ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_worker_init) as pool:
            jobs = {pool.submit(build_model_type, t, root, args.timeout, args.heads): t for t in pending}
            try:
                for done, future in enumerate(futures.as_completed(jobs), 1):
                    result = future.result()
                    results[result["model_type"]] = result
                    if args.verbose:
                        status = result.get("error") or ", ".join(
                            f"{b['class']}:{'ok' if 'error' not in b else b['error'][:60]}" for b in result["builds"]
                        )
                        print(f"[{done}/{len(jobs)}] {result['model_type']}: {status}", file=sys.stderr)
            except BrokenProcessPool:
                print(f"worker crashed (attempt {attempt + 1}); retrying unfinished types", file=sys.stderr)
        pending = [t for t in pending if t not in results]
    for model_type in pending:
        results[model_type] = {"model_type": model_type, "error": "worker crashed", "builds": [], "sites": [],
                               "lines": {}, "classes": []}
    return [results[t] for t in model_types]


def _model_types(package: str) -> list[str]:
    if package != "transformers":
        raise SystemExit(f"only 'transformers' is supported as a target, not {package!r}")
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return sorted(CONFIG_MAPPING_NAMES)


def _print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 14))
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", help="target package (supported: transformers)")
    parser.add_argument("--limit", type=int, default=None, help="build only the first N model types (sorted)")
    parser.add_argument("--types", nargs="*", default=None, help="build only these model types")
    parser.add_argument("--json", dest="json_path", default=None, help="write the full result as JSON here")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--timeout", type=float, default=8.0, help="seconds allowed for one model build")
    parser.add_argument("--heads", type=int, default=1, help="head variants built besides the base model")
    parser.add_argument("--show", type=int, default=25, help="FN rows printed (all FP rows are printed)")
    parser.add_argument("--verbose", action="store_true", help="print each model type's build status")
    args = parser.parse_args(argv)

    os.environ.update(OFFLINE_ENV)
    started = time.perf_counter()
    package = __import__(args.package)
    root = str(Path(package.__file__).parent) + os.sep
    model_types = _model_types(args.package)
    if args.types:
        model_types = [t for t in model_types if t in set(args.types)]
    if args.limit is not None:
        model_types = model_types[: args.limit]

    results = _run_builds(model_types, root, args)
    build_seconds = time.perf_counter() - started

    lines: dict[str, set[int]] = defaultdict(set)
    sites: set[tuple[str, str, int, str, str]] = set()
    classes: set[str] = set()
    for result in results:
        for filename, numbers in result["lines"].items():
            lines[filename] |= set(numbers)
        sites |= {tuple(site) for site in result["sites"]}  # type: ignore[misc]
        classes |= set(result["classes"])

    files = sorted(path for path in lines if path.endswith(".py") and os.path.isfile(path))
    findings: dict[str, list[tuple[int, int, str]]] = {}
    lint_errors: dict[str, str] = {}
    with futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for path, future in [(path, pool.submit(lint_file, path)) for path in files]:
            try:
                findings[path] = future.result()
            except Exception as error:  # noqa: BLE001 - a linter crash is reported, not fatal
                lint_errors[os.path.relpath(path, root)] = _short_error(error)
    lint_seconds = time.perf_counter() - started - build_seconds

    rows, outside = compare(root, lines, sites, findings)
    count = Counter(row.kind for row in rows)
    by_code = Counter((row.kind, row.code) for row in rows)
    tp, fp, fn = count["TP"], count["FP"], count["FN"]
    builds = [build for result in results for build in result["builds"]]
    built_types = [r for r in results if any("error" not in b for b in r["builds"])]
    package_classes = {name for name in classes if name.startswith(args.package + ".")}
    summary: dict[str, Any] = {
        "package": args.package,
        "package_version": getattr(package, "__version__", "?"),
        "model_types_tried": len(results),
        "model_types_built": len(built_types),
        "models_built": sum("error" not in b for b in builds),
        "builds_failed": sum("error" in b for b in builds),
        "module_classes_instantiated": len(classes),
        "module_classes_instantiated_in_package": len(package_classes),
        "files_executed": len(files),
        "files_with_runtime_sites": len({path for (_c, path, *_rest) in sites if path.startswith(root)}),
        "files_with_static_findings": sum(bool(found) for found in findings.values()),
        "runtime_sites_in_package": len({(c, p, n) for (c, p, n, *_r) in sites if p.startswith(root)}),
        "TP": tp,
        "FP": fp,
        "FN": fn,
        "unverified": count["unverified"],
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        **{f"{kind} {code}": by_code[(kind, code)] for kind in ("TP", "FP", "FN", "unverified") for code in CODES},
        **outside,
        "lint_errors": len(lint_errors),
        "build_seconds": round(build_seconds, 1),
        "lint_seconds": round(lint_seconds, 1),
    }

    _print_table(
        f"torchlint vs runtime on {args.package} {summary['package_version']}",
        [(name, "-" if value is None else str(value)) for name, value in summary.items()],
    )
    failures = Counter(
        (b.get("error") or "")[:70] for b in builds if "error" in b
    ) + Counter(r["error"][:70] for r in results if "error" in r)
    if failures:
        _print_table("most common build failures", [(f"{n}x", msg) for msg, n in failures.most_common(8)])
    for kind, limit in (("FP", None), ("FN", args.show), ("unverified", args.show)):
        selected = [row for row in rows if row.kind == kind]
        if not selected:
            continue
        shown = selected if limit is None else selected[:limit]
        print(f"\n{kind} ({len(selected)}{'' if len(shown) == len(selected) else f', first {len(shown)} shown'})")
        for row in shown:
            print(f"  {row.code} {row.path}:{row.line}  [{row.scope}]  {row.source}")
            if row.hint:
                print(f"        {row.hint}")
    if lint_errors:
        print("\nlint errors:", lint_errors)

    if args.json_path:
        document = {
            "summary": summary,
            "rows": [dataclasses.asdict(row) for row in rows],
            "lint_errors": lint_errors,
            "model_types": [
                {key: value for key, value in result.items() if key not in ("lines", "sites", "classes")}
                for result in results
            ],
        }
        Path(args.json_path).write_text(json.dumps(document, indent=1) + "\n", "utf-8")
        print(f"\nwrote {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
