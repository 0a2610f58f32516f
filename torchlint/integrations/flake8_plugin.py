"""torchlint as a flake8 plugin: ``pip install torchlint`` and flake8 reports the ``TL`` codes.

flake8 finds the plugin through the ``flake8.extension`` entry point ``TL``. Each file is linted from the
lines flake8 read, never re-read from disk, so an editor's unsaved buffer piped to ``flake8 -`` (with
``--stdin-display-name``) is what gets checked. Which rules run, and with which settings, comes from the
file's ``[tool.torchlint]`` configuration exactly as for the ``torchlint`` command (``select``,
``extend-select``, ``ignore``, ``per-file-ignores``, ``target-torch``, ...); flake8's own ``--select`` and
``--ignore`` then filter what is shown. Rules that are off by default (TL010, TL011, TL100) must be enabled
in ``[tool.torchlint]``.

Suppression comments: flake8 applies ``# noqa`` and ``# flake8: noqa`` itself (and ``--disable-noqa``
turns them off), so the plugin leaves them to flake8; torchlint's own ``# torchlint: ignore[...]`` and
``# torchlint: file-ignore[...]`` directives, which flake8 does not know, are applied by the plugin.

flake8 adds 1 to the column a plugin reports, so the plugin reports torchlint's 1-based column minus one:
``flake8`` and ``torchlint`` print the same ``path:line:col``. A file LibCST cannot parse is left to
flake8's own E999.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence

from torchlint import __version__
from torchlint.config.config_file import ConfigResolver
from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE
from torchlint.engine.linter import lint_text
from torchlint.run.runner import Job

_RESOLVER: list[ConfigResolver] = []
_JOBS: dict[int, Job] = {}  # per configuration, so one flake8 process shares the project knowledge


def _job_for(filename: str) -> Job:
    from torchlint.commands.cli import _job, build_parser

    if not _RESOLVER:
        _RESOLVER.append(ConfigResolver())
    config = _RESOLVER[0].for_file(os.path.abspath(filename))
    if id(config) not in _JOBS:
        _JOBS[id(config)] = _job(build_parser().parse_args(["--no-cache"]), config)
    return _JOBS[id(config)]


class TorchlintChecker:
    """The flake8 checker: one instance per file."""

    name = "torchlint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree  # unused: asking for it makes flake8 run the plugin once per file
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        job = _job_for(self.filename)
        text = "".join(self.lines)
        diagnostics = lint_text(
            text, self.filename, job.rules_for(self.filename), job.settings, job.project, noqa=False
        )
        for diagnostic in diagnostics:
            if diagnostic.code == SYNTAX_ERROR_CODE:
                continue
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)
