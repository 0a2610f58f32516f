"""Project knowledge for the server: other files' outlines kept between edits, open buffers read before disk.

:class:`torchlint.analysis.project.Project` answers "is this imported name an ``nn.Module`` class?" from the
outlines of other project files, read once. Here a file open in the editor is read from its buffer (unsaved
changes included) instead of from disk, and what is known is kept across edits and lints.

Invalidation is coarse but exact: every kept answer (an outline, "is this a module class?", "which functions
return tensors?") remembers the files it was drawn from. When a file changes (its buffer was edited, opened or
closed, or the client reported it changed on disk), the answers drawn from it are dropped before the next lint;
everything else is kept, so typing in one file never re-reads the others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
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
        self._everything = False  # a file appeared or went away: a name that found no file before may now
        self._lock = threading.Lock()  # changes are noted on the server's thread, applied on the linting thread
        self._outline_sources: dict[str, frozenset[str]] = {}  # by path: the files its kept outline rests on
        self._returns_sources: dict[str, frozenset[str]] = {}  # the same for its functions returning tensors

    def outline(self, path: str, text: Optional[str] = None) -> Optional[Outline]:
        key = os.path.abspath(path)
        if text is None:
            text = self.buffers.get(key)
        before = self._kept_outlines(key).get(key)
        with self.tracking() as used:
            found = super().outline(path, text)
        if self._kept_outlines(key).get(key) is not before:  # outlined now: remember what it was resolved against
            self._outline_sources[key] = frozenset({key, *used})
        else:  # kept: whoever asks depends on what it was resolved against, too
            self._touch(self._outline_sources.get(key, ()))
        return found

    def function_returns_tensor(self, qualified: str, roots: tuple[str, ...]) -> bool:
        with self.tracking() as used:
            answer = super().function_returns_tensor(qualified, roots)
        for path in [path for path in used if path in self._returns_tensor]:
            self._touch(self._returns_sources.get(path, ()))
        return answer

    def _functions_returning_tensors(self, path: str) -> frozenset[str]:
        key = os.path.abspath(path)
        with self.tracking() as used:
            answer = self._tensor_functions_of(key)
        self._returns_sources[key] = frozenset({key, *used})
        return answer

    def _tensor_functions_of(self, path: str) -> frozenset[str]:
        text = self.buffers.get(path)
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
        """``path`` changed (on the server's thread): what rests on it is dropped before the next lint."""
        with self._lock:
            self._changed.add(os.path.abspath(path))

    def changed_everything(self) -> None:
        """A file was created or deleted: answers that found no file for a name are stale too, so all are."""
        with self._lock:
            self._everything = True

    def before_lint(self, path: str) -> None:
        """Apply the changes noted since the last lint (on the linting thread, so no lint sees half of it)."""
        with self._lock:
            changed, self._changed = self._changed, set()
            everything, self._everything = self._everything, False
        if everything:
            Project.__init__(self, self.extra_bases)  # start afresh; the buffers and the lock stay
            self._outline_sources.clear()
            self._returns_sources.clear()
        elif changed:
            self.forget(changed)

    def forget(self, changed: Iterable[str]) -> None:
        """Drop every kept answer drawn from one of the ``changed`` files (absolute paths)."""
        stale = set(changed)
        self.forget_derived()  # answers drawn from several files (overrides, instances' names) do not say which
        for path in [path for path, sources in self._outline_sources.items() if sources & stale]:
            self._kept_outlines(path).pop(path, None)
            del self._outline_sources[path]
        for path in stale:
            self._kept_outlines(path).pop(path, None)
        for key in [key for key, (_, sources) in self._module_results.items() if sources & stale]:
            del self._module_results[key]
        for path in [path for path, sources in self._returns_sources.items() if sources & stale]:
            self._returns_tensor.pop(path, None)
            del self._returns_sources[path]
