"""Find the Python files and notebooks to lint under the paths given on the command line, honouring each file's
configuration (``exclude``, ``extend-exclude``, ``respect-gitignore``, ``force-exclude``)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from torchlint.config.config_file import ConfigResolver
from torchlint.config.exclusion import is_excluded, is_virtualenv
from torchlint.config.gitignore import ignored_by_git

LINTED_SUFFIXES = (".py", ".ipynb")  # Python files and Jupyter notebooks, as Ruff's default include


@dataclass(frozen=True)
class DiscoveryError:
    path: str
    message: str


def _walk(root: str, resolver: ConfigResolver) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    config = resolver.for_directory(root)
    for entry in entries:
        try:
            if is_excluded(entry.path, config):
                continue
            if entry.is_dir(follow_symlinks=False):
                if not is_virtualenv(entry.path):
                    yield from _walk(entry.path, resolver)
            elif entry.name.endswith(LINTED_SUFFIXES) and entry.is_file():
                yield entry.path
        except OSError:
            continue


def discover(
    paths: Sequence[str], resolver: ConfigResolver, force_exclude: bool = False
) -> tuple[list[str], list[DiscoveryError]]:
    """Files under ``paths`` and paths that do not exist. Files named explicitly are linted even when
    excluded, unless ``force_exclude`` (or the file's configuration) says otherwise, as in Ruff."""
    files: list[str] = []
    walked: list[str] = []
    errors: list[DiscoveryError] = []
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            found = list(_walk(path, resolver))
            walked.extend(found)
        elif os.path.isfile(path):
            config = resolver.for_file(path)
            if (force_exclude or config.force_exclude) and is_excluded(path, config, ancestors=True):
                continue
            found = [path]
        else:
            errors.append(DiscoveryError(path, "no such file or directory"))
            continue
        for file in found:
            key = os.path.normpath(file)
            if key not in seen:
                seen.add(key)
                files.append(file)
    respecting = [file for file in walked if resolver.for_file(file).respect_gitignore]
    if respecting:
        ignored = ignored_by_git(respecting)
        files = [file for file in files if file not in ignored]
    return files, errors
