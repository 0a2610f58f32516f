"""What to run on each document: the configuration discovered for its file, as on the command line,
overridden by the editor's settings (precedence in :mod:`torchlint.server.editor_settings`).

Configurations are read once and kept, with the project knowledge of the files they govern, until a
configuration file changes (:meth:`Jobs.reload`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from torchlint.config.config_file import Config, ConfigError, ConfigResolver
from torchlint.config.exclusion import is_excluded
from torchlint.config.selection import SelectionError, enabled_codes
from torchlint.config.settings import NON_PERSISTENT, Settings
from torchlint.contract.rule import Rule
from torchlint.engine.registry import all_rules
from torchlint.run.runner import FixPolicy, Job
from torchlint.server.editor_settings import EditorSettings
from torchlint.server.open_buffers import BufferProject


def _codes(selectors: Sequence[str]) -> frozenset[str]:
    return enabled_codes([rule.code for rule in all_rules()], (), selectors) if selectors else frozenset()


def check_codes(config: Config) -> None:
    """Unknown codes are errors that name where they were written."""
    for selectors in (config.select or (), config.extend_select, config.ignore, config.extend_safe_fixes,
                      config.extend_unsafe_fixes, *[ignored for _, ignored in config.per_file_ignores]):
        try:
            _codes(list(selectors))
        except SelectionError as error:
            raise ConfigError(f"{config.path}: {error}") from None


def _rules(config: Config, editor: Config) -> list[Rule]:
    rules = all_rules()
    default = [rule.code for rule in rules if rule.default_enabled]
    select = editor.select if editor.select is not None else config.select
    enabled = enabled_codes(
        [rule.code for rule in rules], default, select,
        [*config.extend_select, *editor.extend_select], [*config.ignore, *editor.ignore],
    )
    return [rule for rule in rules if rule.code in enabled]


def build_job(config: Config, editor: Config, project: BufferProject) -> Job:
    """The command line's job for ``config`` (see ``torchlint.commands.cli``), with the editor's settings in
    the place of command-line options."""
    check_codes(config)
    check_codes(editor)
    settings = Settings(
        target_torch=editor.target_torch or config.target_torch,
        buffer_persistence=editor.fix_buffer_persistence or config.fix_buffer_persistence or NON_PERSISTENT,
        extend_module_bases=frozenset([*config.extend_module_bases, *editor.extend_module_bases]),
    )
    unsafe = editor.unsafe_fixes if editor.unsafe_fixes is not None else bool(config.unsafe_fixes)
    policy = FixPolicy(
        unsafe_fixes=unsafe,
        extend_safe=_codes([*config.extend_safe_fixes, *editor.extend_safe_fixes]),
        extend_unsafe=_codes([*config.extend_unsafe_fixes, *editor.extend_unsafe_fixes]),
    )
    return Job(rules=_rules(config, editor), settings=settings, policy=policy,
               per_file_ignores=config.per_file_ignores, root=config.root, project=project)


class Jobs:
    """One job per configuration file, built on first use; one project (and its outlines) per set of extra
    module bases, shared by the documents of every configuration that has it."""

    def __init__(self, editor: EditorSettings, buffers: dict[str, str], default_root: str) -> None:
        self.editor = editor
        self.buffers = buffers
        self.default_root = default_root
        self._resolver = ConfigResolver(default=Config(root=default_root))
        self._jobs: dict[int, Job] = {}
        self.projects: dict[frozenset[str], BufferProject] = {}

    def for_file(self, path: str) -> Job:
        """Raises ConfigError (one line) for a broken configuration file or setting."""
        config = self._resolver.for_file(path)
        job = self._jobs.get(id(config))
        if job is None:
            bases = frozenset([*config.extend_module_bases, *self.editor.lint.extend_module_bases])
            project = self.projects.get(bases)
            if project is None:
                project = self.projects[bases] = BufferProject(self.buffers, bases)
            job = self._jobs[id(config)] = build_job(config, self.editor.lint, project)
        return job

    def excluded(self, path: str) -> bool:
        """As on the command line for a file named explicitly: excluded only under ``force-exclude``."""
        config = self._resolver.for_file(path)
        return config.force_exclude and is_excluded(path, config, ancestors=True)

    def reload(self, editor: EditorSettings | None = None) -> None:
        """Read the configuration files again (one changed), or take new editor settings."""
        if editor is not None:
            self.editor = editor
        self._resolver = ConfigResolver(default=Config(root=self.default_root))
        self._jobs.clear()
        self.projects.clear()

    def changed(self, path: str) -> None:
        """A Python file changed (on disk or in a buffer): what the projects know about it is stale."""
        for project in self.projects.values():
            project.changed(os.path.abspath(path))

    def created_or_deleted(self) -> None:
        """A Python file appeared or went away: a name may now be found where it was not, or the reverse."""
        for project in self.projects.values():
            project.changed_everything()
