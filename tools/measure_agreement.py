"""Measure torchlint's TL001/TL002 precision and recall on a real package, with runtime introspection as truth.

Usage::

    python tools/measure_agreement.py transformers [--limit N] [--json out.json] [--jobs 2] [--timeout 5]
                                                   [--types llama gpt2 ...] [--all-files] [--verbose]

For every model type the target package knows (for transformers: ``CONFIG_MAPPING``), the script builds a tiny
config and instantiates the base model and one head variant (for a sub-config type with no auto mapping: the
model class whose ``config_class`` it is) on CPU inside ``torchlint.runtime.record()``, while a line tracer
notes which lines of the package's files executed. A build that fails is retried with depth and vocabulary left
at their defaults, then with the default config on the meta device. Then the executed files are linted with
the TL001/TL002 rules and compared, restricted to executed lines:

* TP: a static finding at a line where a runtime site of the same code was recorded;
* FP: a static finding at an executed line with no runtime site of that code;
* FN: a runtime site (in a package file) with no static finding of that code at its line;
* unverified: static findings at lines of executed files that never ran while building;
* unreached (``--all-files`` only): static findings in package files that never ran at all.

Nothing is downloaded: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set before the package is imported.
Builds run in worker processes (``--jobs``), each attempt under a CPU-time limit (``--timeout``, CPU rather
than wall time so that a busy machine does not change the result) and a data-size limit (``--memory-gb``).
Runtime data of a failed attempt is discarded, because a statement that raised may have "executed" without
assigning anything. Works with transformers 4.x (``sub_configs``) and 5.x (``sub_configs_defaults``).
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
    """Raise BuildTimeout in the main thread after ``seconds`` of CPU time (checked when Python code runs).

    CPU time rather than wall time, so that what builds does not depend on how busy the machine is."""

    def on_alarm(signum: int, frame: Optional[FrameType]) -> None:
        raise BuildTimeout(f"took more than {seconds:g}s of CPU")

    previous = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# Attributes shrunk in tiny configs: name -> value. A default is only ever made smaller, never larger.
WIDTH = 64
SHRINK: dict[str, int] = {
    **dict.fromkeys(
        (
            "hidden_size", "d_model", "n_embd", "embed_dim", "dim", "model_dim", "word_embed_proj_dim", "hidden_dim",
            "projection_dim", "text_embed_dim", "vision_embed_dim",
        ),
        WIDTH,
    ),
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


FILL_NONE = frozenset({"vocab_size", "head_dim"})  # also set when their default is None (else some builds fail)
DEPTH = frozenset(name for name, value in SHRINK.items() if value == 1)

# Config profiles tried in order for each model class, until one builds: everything shrunk; widths shrunk but
# depth and vocabulary left alone (layer-type lists and special token ids must stay consistent); the default
# config built on the meta device (no memory, no init cost; only code that needs real data fails there).
PROFILES: tuple[tuple[str, frozenset[str], bool], ...] = (
    ("tiny", frozenset(SHRINK), False),
    ("narrow", frozenset(SHRINK) - DEPTH - {"vocab_size", "max_position_embeddings"}, False),
    ("default-meta", frozenset(), True),
)


def tiny_kwargs(config_class: type, shrink: frozenset[str] = frozenset(SHRINK), depth: int = 0) -> dict[str, Any]:
    """Constructor kwargs that shrink the ``shrink`` attributes of ``config_class`` and of its sub-configs."""
    if not shrink:
        return {}
    defaults = _field_defaults(config_class)
    kwargs: dict[str, Any] = {}
    for name in shrink:
        default, target = defaults.get(name), SHRINK[name]
        if (_is_int(default) and default > target) or (default is None and name in FILL_NONE and name in defaults):
            kwargs[name] = target
    if "vocab_size" in kwargs:
        token_ids = [value for name, value in defaults.items() if _is_int(value) and name.endswith("_token_id")]
        kwargs["vocab_size"] = max([kwargs["vocab_size"], *(token_id + 1 for token_id in token_ids)])
    if depth < 3:
        kwargs.update(_sub_config_kwargs(config_class, defaults, shrink, depth))
    return kwargs


# Shrunk in a sub-config whose class is only known at run time (transformers 4's ``sub_configs = {key: AutoConfig}``).
GENERIC_SUB_SHRINK = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")


def _sub_config_kwargs(
    config_class: type, defaults: dict[str, Any], shrink: frozenset[str], depth: int
) -> dict[str, dict[str, Any]]:
    """Dicts of tiny kwargs for the sub-configs (text_config, vision_config, ...) of a composite config."""
    from transformers import PretrainedConfig

    kwargs: dict[str, dict[str, Any]] = {}
    specs = getattr(config_class, "sub_configs_defaults", None)
    if specs:  # transformers 5
        for key, spec in specs.items():
            if key == "backbone_config" or (defaults.get(key) is None and getattr(spec, "optional", False)):
                continue
            sub_class = _sub_config_class(spec)
            if sub_class is None:
                continue
            sub_kwargs = dict(getattr(spec, "init_kwargs", {}) or {})
            sub_kwargs.update(tiny_kwargs(sub_class, shrink, depth + 1))
            for name in shrink:  # the spec's own defaults may be large too
                if _is_int(sub_kwargs.get(name)) and sub_kwargs[name] > SHRINK[name] and name != "vocab_size":
                    sub_kwargs[name] = SHRINK[name]
            kwargs[key] = sub_kwargs
        return kwargs
    sub_configs = getattr(config_class, "sub_configs", None)
    if not isinstance(sub_configs, dict):
        return kwargs
    for key, sub_class in sub_configs.items():  # transformers 4
        if key == "backbone_config":
            continue
        if isinstance(sub_class, type) and issubclass(sub_class, PretrainedConfig):
            kwargs[key] = tiny_kwargs(sub_class, shrink, depth + 1)
        else:  # AutoConfig: the composite config picks the model type
            kwargs[key] = {name: SHRINK[name] for name in GENERIC_SUB_SHRINK if name in shrink}
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

    import transformers
    from transformers.models.auto.configuration_auto import model_type_to_module_name

    module = importlib.import_module(f".{model_type_to_module_name(model_type)}", "transformers.models")
    cls = getattr(module, class_name, None)
    if cls is None:  # some types keep their classes in another model's module
        cls = getattr(transformers, class_name)
    return cls  # type: ignore[no-any-return]


def _sub_model_class_names(model_type: str, config_class: type) -> list[str]:
    """For a type with no auto mapping (a sub-config of a composite model), the classes built from its config."""
    import importlib

    from transformers import PreTrainedModel
    from transformers.models.auto.configuration_auto import model_type_to_module_name

    package = importlib.import_module(f".{model_type_to_module_name(model_type)}", "transformers.models")
    modules = getattr(package, "_class_to_module", {}).values()
    submodules = sorted({name for name in modules if name.startswith("modeling")})
    names = [
        name
        for submodule in submodules
        for name, value in vars(importlib.import_module(f"{package.__name__}.{submodule}")).items()
        if isinstance(value, type) and issubclass(value, PreTrainedModel)
        and getattr(value, "config_class", None) is config_class
    ]
    names.sort(key=lambda name: (not name.endswith("Model"), len(name), name))
    return names[:1]


def _worker_init(memory_gb: float) -> None:
    os.environ.update(OFFLINE_ENV)
    if memory_gb > 0:  # fail a greedy build with MemoryError instead of having the OOM killer end the worker
        import resource

        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    import transformers.modeling_utils  # noqa: F401 - every build needs it; import it before any time limit
    import transformers.models.auto.modeling_auto  # noqa: F401


def _short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def build_model_type(model_type: str, root: str, timeout: float, heads: int) -> dict[str, Any]:
    """Build the base model (and ``heads`` head variants) of one model type; runtime facts of successful builds."""
    import torch
    from transformers import CONFIG_MAPPING

    from torchlint.runtime import record

    result: dict[str, Any] = {"model_type": model_type, "builds": [], "sites": [], "lines": {}, "classes": []}
    started = time.process_time()
    try:
        config_class = CONFIG_MAPPING[model_type]
    except Exception as error:  # noqa: BLE001 - any failure skips the type
        result["error"] = f"config: {_short_error(error)}"
        return result
    try:
        class_names = _class_names(model_type, heads) or _sub_model_class_names(model_type, config_class)
    except Exception as error:  # noqa: BLE001 - e.g. an optional dependency the module needs is missing
        result["error"] = f"import: {_short_error(error)}"
        return result
    if not class_names:
        result["error"] = "no model class for this config"
        return result
    lines: dict[str, set[int]] = defaultdict(set)
    sites: set[tuple[str, str, int, str, str]] = set()
    classes: set[str] = set()
    for class_name in class_names:
        build: dict[str, Any] = {"class": class_name}
        result["builds"].append(build)
        errors: list[str] = []
        try:  # imported outside the time limit: an import cut short would break the worker for later builds
            model_class = _model_class(model_type, class_name)
        except Exception as error:  # noqa: BLE001 - e.g. an optional dependency the module needs is missing
            build["error"] = f"import: {_short_error(error)}"
            continue
        timed_out = False
        for profile, shrink, on_meta in PROFILES:
            if timed_out and not on_meta:
                continue  # a bigger config on the CPU would only time out again
            t0 = time.process_time()
            try:
                with time_limit(timeout):
                    config = config_class(**tiny_kwargs(config_class, shrink))
                    tracer = LineTracer(root)
                    with record() as recording, tracer, torch.device("meta" if on_meta else "cpu"):
                        model = model_class._from_config(config) if hasattr(model_class, "_from_config") else (
                            model_class(config)
                        )
                instantiated = {f"{type(m).__module__}.{type(m).__qualname__}" for m in model.modules()}
                del model
            except BaseException as error:  # noqa: BLE001 - includes BuildTimeout; a failed build's data is dropped
                if isinstance(error, KeyboardInterrupt):
                    raise
                errors.append(f"{profile}: {_short_error(error)}")
                timed_out = timed_out or isinstance(error, BuildTimeout)
                continue
            build.update(profile=profile, cpu_seconds=round(time.process_time() - t0, 2), classes=len(instantiated))
            if errors:
                build["failed_attempts"] = errors
            classes |= instantiated
            for filename, numbers in tracer.lines.items():
                lines[filename] |= numbers
            for site in recording.sites:
                sites.add((site.code, site.filename, site.line, site.cls, site.attribute))
            break
        else:
            build["error"] = errors[0]
            build["errors"] = errors
        gc.collect()
    result["lines"] = {filename: sorted(numbers) for filename, numbers in lines.items()}
    result["sites"] = sorted(sites)
    result["classes"] = sorted(classes)
    result["cpu_seconds"] = round(time.process_time() - started, 2)
    result["max_rss_mb"] = _max_rss_mb()
    return result


def _max_rss_mb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


# ----------------------------------------------------------------------------------------------------------
# Static side.
# ----------------------------------------------------------------------------------------------------------


def lint_file(path: str) -> list[tuple[int, int, str]]:
    """``(line, end_line, code)`` of the TL001/TL002 findings in one file."""
    from torchlint.engine.linter import lint_text
    from torchlint.engine.registry import all_rules

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
    kind: str  # TP, FP, FN, unverified (line of an executed file that never ran), unreached (file never ran)
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
) -> tuple[list[Row], list[dict[str, Any]]]:
    """Rows for every TP/FP/FN/unverified finding, and the runtime sites in files outside the package."""
    index = SourceIndex()
    runtime: dict[tuple[str, int], set[str]] = defaultdict(set)
    site_classes: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    outside: list[dict[str, Any]] = []
    for code, filename, line, cls, attribute in sites:
        if not filename.startswith(root):
            outside.append({"code": code, "path": filename, "line": line, "class": cls, "attribute": attribute})
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
                rows.append(row("unverified" if path in lines else "unreached", code, path, line))
    for (path, line), codes in sorted(runtime.items()):
        for code in sorted(codes):
            if (path, line, code) not in matched:
                rows.append(row("FN", code, path, line))
    return rows, sorted(outside, key=lambda site: (site["path"], site["line"]))


def _cpu_seconds() -> float:
    """CPU time of this process and of its (finished) workers."""
    import resource

    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def _ratio(numerator: int, denominator: int) -> Optional[float]:
    return round(numerator / denominator, 4) if denominator else None


def _failed(model_type: str, error: str) -> dict[str, Any]:
    return {"model_type": model_type, "error": error, "builds": [], "sites": [], "lines": {}, "classes": []}


def _new_pool(jobs: int, memory_gb: float) -> futures.ProcessPoolExecutor:
    options: dict[str, Any] = {}
    if sys.version_info >= (3, 11):
        options["max_tasks_per_child"] = 100  # bound what a worker accumulates (imported modules, caches)
    return futures.ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init, initargs=(memory_gb,),
        **options,
    )


def _run_builds(model_types: Sequence[str], root: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Build every model type in worker processes, at most ``jobs`` at a time.

    When a worker dies (a crash, or the kernel's OOM killer), the types that were in flight are suspects: each
    is retried alone in a fresh pool, and marked "worker crashed" if it kills that one too.
    """
    results: dict[str, dict[str, Any]] = {}
    queue = list(model_types)
    suspects: list[str] = []

    def report(result: dict[str, Any]) -> None:
        results[result["model_type"]] = result
        if args.verbose:
            status = result.get("error") or ", ".join(
                f"{b['class']}:{'ok' if 'error' not in b else b['error'][:60]}" for b in result["builds"]
            )
            print(f"[{len(results)}/{len(model_types)}] {result['model_type']}: {status}", file=sys.stderr)

    while queue:
        in_flight: dict[futures.Future[dict[str, Any]], str] = {}
        with _new_pool(args.jobs, args.memory_gb) as pool:
            try:
                while queue or in_flight:
                    while queue and len(in_flight) < args.jobs:
                        model_type = queue.pop(0)
                        in_flight[pool.submit(build_model_type, model_type, root, args.timeout, args.heads)] = (
                            model_type
                        )
                    done, _ = futures.wait(in_flight, return_when=futures.FIRST_COMPLETED)
                    for future in done:
                        in_flight.pop(future)
                        report(future.result())
            except BrokenProcessPool:
                suspects.extend(in_flight.values())
                print(f"a worker died while building {sorted(in_flight.values())}", file=sys.stderr)
    for model_type in suspects:
        with _new_pool(1, args.memory_gb) as pool:
            try:
                report(pool.submit(build_model_type, model_type, root, args.timeout, args.heads).result())
            except BrokenProcessPool:
                report(_failed(model_type, "worker crashed"))
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
    parser.add_argument("--timeout", type=float, default=5.0, help="CPU seconds allowed for one model build attempt")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="data-size limit of one worker (0: none)")
    parser.add_argument("--heads", type=int, default=1, help="head variants built besides the base model")
    parser.add_argument("--show", type=int, default=25, help="FN rows printed (all FP rows are printed)")
    parser.add_argument("--all-files", action="store_true",
                        help="also lint the package files that never executed (their findings: 'unreached')")
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
    linted = sorted({*files, *map(str, Path(root).rglob("*.py"))}) if args.all_files else files
    findings: dict[str, list[tuple[int, int, str]]] = {}
    lint_errors: dict[str, str] = {}
    with futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for path, future in [(path, pool.submit(lint_file, path)) for path in linted]:
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
        "files_linted": len(linted),
        "executed_files_with_static_findings": sum(bool(findings.get(path)) for path in files),
        "runtime_sites_in_package": len({(c, p, n) for (c, p, n, *_r) in sites if p.startswith(root)}),
        "TP": tp,
        "FP": fp,
        "FN": fn,
        "unverified": count["unverified"],
        **({"unreached": count["unreached"]} if args.all_files else {}),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        **{f"{kind} {code}": by_code[(kind, code)] for kind in ("TP", "FP", "FN", "unverified") for code in CODES},
        **({f"unreached {code}": by_code[("unreached", code)] for code in CODES} if args.all_files else {}),
        "runtime sites outside the package": len(outside),
        "lint_errors": len(lint_errors),
        "build_seconds": round(build_seconds, 1),
        "lint_seconds": round(lint_seconds, 1),
        "cpu_seconds_total": round(_cpu_seconds(), 1),
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
    for kind, limit in (("FP", None), ("FN", args.show), ("unverified", args.show), ("unreached", args.show)):
        selected = [row for row in rows if row.kind == kind]
        if not selected:
            continue
        shown = selected if limit is None else selected[:limit]
        print(f"\n{kind} ({len(selected)}{'' if len(shown) == len(selected) else f', first {len(shown)} shown'})")
        for row in shown:
            print(f"  {row.code} {row.path}:{row.line}  [{row.scope}]  {row.source}")
            if row.hint:
                print(f"        {row.hint}")
    if outside:
        print(f"\nruntime sites outside {args.package}/ (not compared)")
        for site in outside:
            print(f"  {site['code']} {site['path']}:{site['line']}  {site['class']}.{site['attribute']}")
    if lint_errors:
        print("\nlint errors:", lint_errors)

    if args.json_path:
        document = {
            "summary": summary,
            "rows": [dataclasses.asdict(row) for row in rows],
            "lint_errors": lint_errors,
            "runtime_sites_outside_package": outside,
            "model_types": [
                {key: value for key, value in result.items() if key not in ("lines", "classes")}
                for result in results
            ],
        }
        Path(args.json_path).write_text(json.dumps(document, indent=1) + "\n", "utf-8")
        print(f"\nwrote {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
