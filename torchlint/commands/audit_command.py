"""``torchlint audit package.module:factory``: build a model and report the state that escapes registration.

The factory (a class or any callable returning an ``nn.Module``) is called inside
:func:`torchlint.runtime.record` (under ``torch.device("meta")`` with ``--meta``), then the model is audited
with :func:`torchlint.runtime.audit`. Exit 0 clean, 1 findings, 2 errors; an error is one line on standard
error, never a traceback. Whatever the imported code prints goes to standard error, so that standard output
holds only the findings.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from torchlint.runtime.audit import display_path

if TYPE_CHECKING:
    import torch

    from torchlint.runtime.audit import RuntimeFinding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class AuditError(Exception):
    """An error reported as one line, ``torchlint: error: <message>``, with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise AuditError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="torchlint audit",
        description=(
            "Build a model and report the state that escapes nn.Module registration (TL001-TL004), "
            "pointing at the assignment lines. Exit 0 clean, 1 findings, 2 errors."
        ),
    )
    parser.add_argument(
        "spec", metavar="MODULE:FACTORY",
        help="the factory: a class or function in an importable module (package.module:Model, "
        "package.module:Outer.build) or in a file (path/to/model.py:Model); the current directory is importable",
    )
    parser.add_argument("--args", default="[]", metavar="JSON", help="positional arguments: a JSON array")
    parser.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments: a JSON object")
    parser.add_argument("--meta", action="store_true", help='build under torch.device("meta"): no real memory')
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="CODES_OR_NAMES",
        help="comma-separated codes or code prefixes (TL001), or patterns for qualified attribute names "
        "(*.inv_freq) or class-qualified ones (*.Rotary*.inv_freq); repeatable",
    )
    parser.add_argument("--output-format", choices=("flake8", "json"), default="flake8")
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary")
    return parser


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > 500:
        text = text[:497] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _json_argument(text: str, option: str, expected: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise AuditError(f"{option}: not valid JSON: {error}") from None
    if not isinstance(value, expected):
        kind = "array" if expected is list else "object"
        raise AuditError(f"{option}: expected a JSON {kind}, got {type(value).__name__}")
    return value


def _split_spec(spec: str) -> tuple[str, list[str]]:
    module_name, _, attribute = spec.rpartition(":")
    parts = attribute.split(".")
    if not module_name or not all(part.isidentifier() for part in parts):
        raise AuditError(f"{spec!r}: expected MODULE:FACTORY, e.g. mypackage.model:Net")
    return module_name, parts


def _import(module_name: str) -> Any:
    if module_name.endswith(".py"):
        if not os.path.isfile(module_name):
            raise AuditError(f"{module_name}: no such file")
        directory = os.path.dirname(os.path.abspath(module_name))
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = os.path.splitext(os.path.basename(module_name))[0]
        spec = importlib.util.spec_from_file_location(name, module_name)
        if spec is None or spec.loader is None:
            raise AuditError(f"{module_name}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as error:
            sys.modules.pop(name, None)
            raise AuditError(f"importing {module_name} failed: {_one_line(error)}") from None
        return module
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and (module_name == error.name or module_name.startswith(error.name + ".")):
            raise AuditError(f"cannot import {module_name!r}: no module named {error.name!r}") from None
        raise AuditError(f"importing {module_name!r} failed: {_one_line(error)}") from None
    except (Exception, SystemExit) as error:
        raise AuditError(f"importing {module_name!r} failed: {_one_line(error)}") from None


def _factory(spec: str) -> Any:
    module_name, parts = _split_spec(spec)
    target: Any = _import(module_name)
    for index, part in enumerate(parts):
        try:
            target = getattr(target, part)
        except AttributeError:
            owner = module_name if index == 0 else f"{module_name}:{'.'.join(parts[:index])}"
            raise AuditError(f"{owner} has no attribute {part!r}") from None
    if not callable(target):
        raise AuditError(f"{spec} is not a class or function but {type(target).__name__!r}")
    return target


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _build(spec: str, args: list[Any], kwargs: dict[str, Any], meta: bool) -> tuple[torch.nn.Module, Any]:
    try:
        import torch
    except ImportError as error:
        raise AuditError(f"the runtime audit needs torch: {_one_line(error)}") from None
    from torchlint.runtime import record

    factory = _factory(spec)
    device = torch.device("meta") if meta else contextlib.nullcontext()
    with record() as recording:
        try:
            with device:
                model = factory(*args, **kwargs)
        except (Exception, SystemExit) as error:
            hint = (
                "; under --meta tensors hold no values, so construction code that reads them (.item(), .tolist(), "
                "printing, comparisons) fails: try again without --meta" if meta else ""
            )
            raise AuditError(f"{spec} raised {_one_line(error)}{hint}") from None
    if not isinstance(model, torch.nn.Module):
        raise AuditError(f"{spec} returned {type(model).__name__}, not a torch.nn.Module")
    return model, recording


def _flake8(findings: Sequence[RuntimeFinding]) -> str:
    lines = []
    for finding in findings:
        if finding.filename is not None and finding.line is not None:
            lines.append(f"{display_path(finding.filename)}:{finding.line}:1: {finding.code} {finding.message}\n")
        else:  # the module path leads, so the message names the attribute alone
            lines.append(f"{finding.module_path}: {finding.code} `{finding.attribute}` ({finding.cls}) "
                         f"{finding.problem}\n")
    return "".join(lines)


def _json(findings: Sequence[RuntimeFinding]) -> str:
    rows = [
        {
            "filename": None if finding.filename is None else display_path(finding.filename),
            "code": finding.code,
            "message": finding.message,
            "location": None if finding.line is None else {"row": finding.line, "column": 1},
            "module_path": finding.path,
            "attribute": finding.attribute,
            "class": finding.cls,
        }
        for finding in findings
    ]
    return json.dumps(rows, indent=2) + "\n"


def _audit(argv: Sequence[str]) -> int:
    options = _parser().parse_args(list(argv))
    args = _json_argument(options.args, "--args", list)
    kwargs = _json_argument(options.kwargs, "--kwargs", dict)
    ignore = [entry.strip() for value in options.ignore for entry in value.split(",") if entry.strip()]
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    from torchlint.runtime import audit, filter_findings

    with _stdout_to_stderr():
        model, recording = _build(options.spec, args, kwargs, options.meta)
        findings = filter_findings(audit(model, recording=recording), ignore)
        modules = sum(1 for _ in model.modules())
    if options.output_format == "json":
        sys.stdout.write(_json(findings))
    else:
        sys.stdout.write(_flake8(findings))
        count = len(findings)
        if options.quiet:
            pass
        elif findings:
            print(f"Found {count} error{'' if count == 1 else 's'} in {modules} audited modules.", file=sys.stderr)
        else:
            print(f"All checks passed! {modules} audited module{'' if modules == 1 else 's'}.", file=sys.stderr)
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def run(argv: list[str]) -> int:
    """``torchlint audit ARGS``: the exit code."""
    try:
        return _audit(argv)
    except AuditError as error:
        print(f"torchlint: error: {error}", file=sys.stderr)
    except SystemExit as exit_:  # argparse's --help
        return EXIT_CLEAN if exit_.code in (0, None) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # never a traceback
        print(f"torchlint: error: internal error: {_one_line(error)}", file=sys.stderr)
    return EXIT_ERROR
