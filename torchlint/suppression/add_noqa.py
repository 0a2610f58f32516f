"""``--add-noqa``: silence every current finding with a ``# noqa: CODE`` comment on its line, to adopt
torchlint on a code base that has findings and catch only new ones from then on.

An existing ``# noqa: X`` comment on the line is extended to ``# noqa: X, CODE``; another comment is kept and
the directive goes after it. Each line keeps its own line ending and the file its encoding. A line whose end
lies inside a multi-line string, or that continues with a backslash, cannot take a comment without changing
the code: it is left alone and reported.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.source.decoding import SourceError, read
from torchlint.source.lines import line_ending, physical_lines
from torchlint.source.notebook import is_notebook, read_notebook
from torchlint.source.notebook_code import NotebookCode, notebook_code
from torchlint.source.writer import WriteError, write_atomically

_NOQA_CODES = re.compile(r"# noqa:[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.IGNORECASE)


@dataclass
class AddNoqaResult:
    added: int = 0  # directives written or extended
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (path, line or "cell N:line", codes) left alone
    errors: list[str] = field(default_factory=list)  # one line each


def comment_safe_lines(text: str) -> tuple[set[int], dict[int, int]]:
    """The lines whose end may take a comment (they end a statement, or a line inside brackets), and the
    column of the comment already on a line. Raises tokenize.TokenError or SyntaxError for broken source."""
    safe: set[int] = set()
    comments: dict[int, int] = {}
    lines = iter(physical_lines(text, keepends=True))
    for token in tokenize.generate_tokens(lambda: next(lines, "")):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            safe.add(token.start[0])
        elif token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.start[1]
    return safe, comments


def with_noqa(line: str, codes: Sequence[str], comment_column: int = -1) -> str:
    """``line`` (without its ending) carrying ``# noqa`` for ``codes``: merged into a ``# noqa: X`` comment
    at or after ``comment_column`` when there is one, appended otherwise."""
    if comment_column >= 0:
        match = _NOQA_CODES.search(line, comment_column)
        if match is not None:
            present = {code.upper() for code in re.findall(r"[A-Z]+[0-9]+", match.group("codes"), re.IGNORECASE)}
            missing = [code for code in codes if code not in present]
            if not missing:
                return line
            end = match.end("codes")
            return f"{line[:end]}, {', '.join(missing)}{line[end:]}"
    return f"{line.rstrip()}  # noqa: {', '.join(codes)}"


def add_noqa(diagnostics: Sequence[Diagnostic]) -> AddNoqaResult:
    """Add the directives for ``diagnostics`` to their files, in place (in a notebook, to its cells' lines)."""
    result = AddNoqaResult()
    by_path: dict[str, dict[tuple[Optional[int], int], set[str]]] = {}
    for diagnostic in diagnostics:
        if diagnostic.code != SYNTAX_ERROR_CODE:
            lines = by_path.setdefault(diagnostic.path, {})
            lines.setdefault((diagnostic.cell, diagnostic.line), set()).add(diagnostic.code)
    for path, wanted in by_path.items():
        try:
            source = read(path)
            code = notebook_code(read_notebook(source)) if is_notebook(path) else None
        except SourceError as error:
            result.errors.append(f"{path}: {error}")
            continue
        text = source.text if code is None else code.text
        module_lines = {
            (line if cell is None or code is None else code.module_line(cell, line)): codes
            for (cell, line), codes in wanted.items()
        }
        new_text, added = _with_directives(path, text, module_lines, result, code)
        if not added:
            continue
        try:
            if code is not None:
                new_text = code.notebook.with_sources(code.fixed_sources(new_text))
            write_atomically(path, new_text, source)
        except (WriteError, SourceError) as error:
            result.errors.append(f"{path}: {error}")
            continue
        result.added += added
    return result


def _with_directives(
    path: str, text: str, wanted: dict[int, set[str]], result: AddNoqaResult, code: Optional[NotebookCode]
) -> tuple[str, int]:
    """``text`` with the directives added, and how many (lines that cannot take one, and errors, are noted)."""
    try:
        safe, comments = comment_safe_lines(text)
    except (tokenize.TokenError, SyntaxError) as error:
        result.errors.append(f"{path}: cannot add # noqa: the file does not tokenize ({error})")
        return text, 0
    lines = physical_lines(text, keepends=True)
    added = 0
    for number, codes in sorted(wanted.items()):
        if number not in safe or number > len(lines):
            where = str(number) if code is None else "cell {}:{}".format(*code.cell_position(number))
            result.skipped.append((path, where, ", ".join(sorted(codes))))
            continue
        line = lines[number - 1]
        ending = line_ending(line)
        body = line[: len(line) - len(ending)]
        new_body = with_noqa(body, sorted(codes), comments.get(number, -1))
        if new_body != body:
            lines[number - 1] = new_body + ending
            added += 1
    return "".join(lines), added
