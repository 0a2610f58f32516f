"""The editor's settings for torchlint: ``initializationOptions`` and ``workspace/didChangeConfiguration``.

They are the keys of ``[tool.torchlint]`` that choose rules and fixes (kebab-case as in the file, or camelCase
as editors write them), plus two of the server's own. Precedence, as on the command line: the editor's
settings act like command-line options over the configuration file found for each document: ``select``,
``unsafe-fixes``, ``target-torch`` and ``fix-buffer-persistence`` replace the file's value; ``extend-select``,
``ignore``, ``extend-safe-fixes``, ``extend-unsafe-fixes`` and ``extend-module-bases`` add to it. A setting
the editor does not send is the file's (or the default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from torchlint.config.config_file import Config, ConfigError, config_from_table

LINT_KEYS = (
    "select", "extend-select", "ignore", "unsafe-fixes", "extend-safe-fixes", "extend-unsafe-fixes",
    "target-torch", "fix-buffer-persistence", "extend-module-bases",
)
DEBOUNCE_MS = 50  # wait this long after the last keystroke before linting the new text
SOURCE = "editor settings"


@dataclass(frozen=True)
class EditorSettings:
    lint: Config = field(default_factory=lambda: Config(path=SOURCE))  # the keys of LINT_KEYS that were sent
    docs_url: Optional[str] = None  # e.g. "https://example.org/rules/{code}": sets each diagnostic's codeDescription
    debounce_ms: int = DEBOUNCE_MS

    def docs_for(self, code: str) -> Optional[str]:
        if not self.docs_url:
            return None
        return self.docs_url.replace("{code}", code) if "{code}" in self.docs_url else self.docs_url + code


def _kebab(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda match: "-" + match.group(1).lower(), key).replace("_", "-")


def settings_table(payload: Any) -> Mapping[str, Any]:
    """The torchlint settings inside what a client sends: ``{"settings": {...}}`` (Ruff's form),
    ``{"torchlint": {...}}`` (a section named after the server), or the keys themselves."""
    if not isinstance(payload, Mapping):
        return {}
    for wrapper in ("settings", "torchlint"):
        inner = payload.get(wrapper)
        if isinstance(inner, Mapping):
            return settings_table(inner) if wrapper == "settings" and "torchlint" in inner else inner
    return payload


def layered(*payloads: Any) -> dict[str, Any]:
    """The settings of several payloads, kebab-cased; a later payload's key replaces an earlier one's."""
    return {_kebab(str(key)): value for payload in payloads for key, value in settings_table(payload).items()}


def parse_settings(payload: Any) -> EditorSettings:
    """The editor's settings; ConfigError (one line) for an unknown key or a value of the wrong type."""
    table = {_kebab(str(key)): value for key, value in settings_table(payload).items()}
    docs_url = table.pop("docs-url", None)
    if docs_url is not None and not isinstance(docs_url, str):
        raise ConfigError(f"{SOURCE}: docs-url must be a URL string, got {docs_url!r}")
    debounce = table.pop("debounce-ms", DEBOUNCE_MS)
    if isinstance(debounce, bool) or not isinstance(debounce, int) or debounce < 0:
        raise ConfigError(f"{SOURCE}: debounce-ms must be a non-negative integer, got {debounce!r}")
    unknown = [key for key in table if key not in LINT_KEYS]
    if unknown:
        raise ConfigError(
            f"{SOURCE}: unknown setting {unknown[0]!r} (known: {', '.join([*LINT_KEYS, 'docs-url', 'debounce-ms'])})"
        )
    return EditorSettings(config_from_table(table, SOURCE, section=""), docs_url, debounce)
