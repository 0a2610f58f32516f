"""Render the rules' own documentation: one rule's page, the list of every rule, and README's rule table.

Everything here is generated from ``torchlint.engine.registry.all_rules()``, so the command line and README cannot
drift from the rules. Regenerate README's table with ``python -m torchlint.report.rule_docs README.md``
(``--check`` only reports whether it is up to date).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from torchlint.contract.rule import Rule

README_START = "<!-- rules:start -->"
README_END = "<!-- rules:end -->"
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety")


class DocumentationError(Exception):
    pass


def default_text(rule: Rule) -> str:
    return "on" if rule.default_enabled else "off"


def fix_text(rule: Rule) -> str:
    return "yes" if rule.fixable else "no"


def body(rule: Rule) -> str:
    """The documentation without its ``TLNNN name`` title line."""
    lines = rule.documentation.splitlines()
    if not lines or lines[0].strip() != f"{rule.code} {rule.name}":
        raise DocumentationError(
            f"the docstring of {rule.code} must start with the line '{rule.code} {rule.name}'"
        )
    return "\n".join(lines[1:]).strip("\n")


def documentation(rule: Rule) -> str:
    """What ``torchlint rule TL001`` prints: title, status line, then the rule's documentation."""
    status = (
        f"Enabled by default (disable with --ignore {rule.code})." if rule.default_enabled
        else f"Disabled by default (enable with --extend-select {rule.code})."
    )
    fix = "A fix is available (see Fix safety)." if rule.fixable else "No automatic fix."
    severity = f"Severity: {rule.severity.value}."
    return f"# {rule.name} ({rule.code})\n\n{status} {fix} {severity}\n\n{body(rule)}\n"


def rule_list(rules: Sequence[Rule]) -> str:
    """What ``torchlint rule --all`` prints: one aligned line per rule."""
    rows = [("Code", "Name", "Default", "Fix", "Severity", "Summary")]
    rows += [(rule.code, rule.name, default_text(rule), fix_text(rule), rule.severity.value, rule.summary)
             for rule in rules]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = ["  ".join([*(cell.ljust(width) for cell, width in zip(row[:5], widths)), row[5]]) for row in rows]
    return "\n".join(lines) + "\n"


SYNTAX_ERROR_DOCUMENTATION = """\
# syntax-error (TL999)

Always reported; it cannot be selected or ignored like a rule (a `# noqa` does not silence it). No automatic fix.

## What it does
Reports a file that cannot be parsed, at the line and column where parsing stopped. Every other check needs
the file's syntax tree, so nothing else is checked in that file.

- `SYNTAX_ERROR_CODE SyntaxError: <message>`: Python itself rejects the file (Python 2 code such as
  `print 'x'`, a typo, nesting deeper than Python accepts). The message and position are Python's own, as
  `python file.py` would print them.
- `SYNTAX_ERROR_CODE cannot be parsed by LibCST, although Python accepts it`: valid Python that LibCST, the
  parser torchlint uses, does not support; the file runs, but torchlint cannot check it.

## Why is this bad?
A file that does not parse does not run (or, in the second case, is not checked at all): its state
registration is unchecked until it parses.

## Use instead
Fix the syntax error; for Python 2 code, port it to Python 3.
""".replace("SYNTAX_ERROR_CODE", "TL999")


def as_json(rules: Sequence[Rule]) -> str:
    return json.dumps(
        [
            {"code": rule.code, "name": rule.name, "summary": rule.summary, "default": rule.default_enabled,
             "fix": rule.fixable, "severity": rule.severity.value, "explanation": body(rule)}
            for rule in rules
        ],
        indent=2,
    ) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table(rules: Sequence[Rule]) -> str:
    """The Markdown table README shows under "## Rules"."""
    lines = [
        "| Code | Name | What it finds | Default | Fix | Severity |",
        "|------|------|---------------|---------|-----|----------|",
    ]
    for rule in rules:
        lines.append(
            f"| {rule.code} | {rule.name} | {_cell(rule.summary)} | {default_text(rule)} | {fix_text(rule)} "
            f"| {rule.severity.value} |"
        )
    return "\n".join(lines) + "\n"


def readme_with_table(text: str, rules: Sequence[Rule]) -> str:
    """``text`` (README.md) with the table between the markers regenerated."""
    pattern = re.compile(re.escape(README_START) + r"\n.*?" + re.escape(README_END), re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise DocumentationError(f"README must contain one {README_START} ... {README_END} section")
    return pattern.sub(lambda _: f"{README_START}\n{readme_table(rules)}{README_END}", text)


def main(argv: Optional[Sequence[str]] = None) -> int:
    from torchlint.engine.registry import all_rules

    parser = argparse.ArgumentParser(prog="python -m torchlint.report.rule_docs",
                                     description="Regenerate the rule table in README.md.")
    parser.add_argument("readme", nargs="?", default="README.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is out of date; write nothing")
    args = parser.parse_args(argv)
    path = Path(args.readme)
    text = path.read_text("utf-8")
    updated = readme_with_table(text, all_rules())
    if updated == text:
        return 0
    if args.check:
        print(f"{path}: the rule table is out of date; run python -m torchlint.report.rule_docs {path}",
              file=sys.stderr)
        return 1
    path.write_text(updated, encoding="utf-8")
    print(f"{path}: rule table updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
