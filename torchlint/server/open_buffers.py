"""Project knowledge for the server: other files' outlines kept between edits, open buffers read before disk.

:class:`torchlint.analysis.project.Project` answers "is this imported name an ``nn.Module`` class?" from the
outlines of other project files, read once. Here a file open in the editor is read from its buffer (unsaved
changes included) instead of from disk. While one document is edited, everything known about the other files
is kept; once another file changed (another buffer, or a file on disk), the project starts afresh on the next
lint, because an answer about one file may rest on others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Optional

import libcst as cst

from torchlint.analysis.project import Project, locate
from torchlint.analysis.top_level import tensor_functions
from torchlint.outline.file_model import build_file_model
from torchlint.outline.module_classes import resolve_bases
from torchlint.outline.outline import Outline
from torchlint.source.parsing import parse


class BufferProject(Project):
    def __init__(self, buffers: Mapping[str, str], extra_bases: frozenset[str] = frozenset()) -> None:
        super().__init__(extra_bases)
        self.buffers = buffers  # absolute path -> the text of its open buffer (shared with the server)
        self._changed: set[str] = set()
        self._lock = threading.Lock()  # changes are noted on the server's thread, read on the linting thread

    def outline(self, path: str, text: Optional[str] = None) -> Optional[Outline]:
        if text is None:
            text = self.buffers.get(os.path.abspath(path))
        return super().outline(path, text)

    def _functions_returning_tensors(self, path: str) -> frozenset[str]:
        text = self.buffers.get(os.path.abspath(path))
        if text is None:
            return super()._functions_returning_tensors(path)
        try:
            module = parse(text)
        except (cst.ParserSyntaxError, RecursionError):
            return frozenset()
        model = build_file_model(module, locate(path).package)
        model.path = path
        resolve_bases(model, self.extra_bases, self.module_predicate(path))
        return tensor_functions(model)

    def changed(self, path: str) -> None:
        with self._lock:
            self._changed.add(os.path.abspath(path))

    def before_lint(self, path: str) -> None:
        """Forget what may be stale for linting ``path``: nothing while only ``path`` itself changed since the
        last fresh start (its outline is taken again from its new text), everything once another file did."""
        with self._lock:
            stale = bool(self._changed - {os.path.abspath(path)})
            if stale:
                self._changed.clear()
        if stale:
            super().__init__(self.extra_bases)
