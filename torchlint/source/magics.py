"""IPython syntax in notebook code cells: which cells are not Python at all, and which lines are magics.

IPython accepts lines that are not Python: line magics (``%matplotlib inline``, ``%time f()``), shell
escapes (``!pip install x``, ``files = !ls``), help (``?obj``, ``obj??``) and autocall (``/f a``, ``,f a``,
``;f a``). Each of them is invalid Python wherever it appears, so replacing such a line by ``pass`` (with
its indentation; continuation lines of a magic become blank) keeps the line count and hides no Python code:
the neutral line can never be reported, and a fix that would touch it is refused by the caller.

A cell is skipped, as Ruff skips it, when a line starts with a cell magic whose body is not Python
(``%%bash``, ``%%writefile f.py``, ``%%html``; ``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``,
``%%debug``, ``%%python``, ``%%python3`` and ``%%pypy`` run Python and are analysed), or when its first line
is an automagic (``pip install x`` without the ``%``), which IPython does not let mix with code.
"""

from __future__ import annotations

import re

from torchlint.source.lines import line_ending, physical_lines

# cell magics whose body is Python, which runs in the notebook's namespace (Ruff's list)
PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})
# line magics IPython runs without their % (automagic); Ruff's list
AUTOMAGICS = frozenset("""
    alias alias_magic autoawait autocall automagic bookmark cd code_wrap colors conda config debug dhist dirs
    doctest_mode edit env gui history killbgscripts load load_ext loadpy logoff logon logstart logstate logstop
    lsmagic macro magic mamba matplotlib micromamba notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip
    popd pprint precision prun psearch psource pushd pwd pycat pylab quickref recall rehashx reload_ext rerun
    reset reset_selective run save sc set_env sx system tb time timeit unalias unload_ext who who_ls whos xdel
    xmode
""".split())
_ASSIGNMENT_OPERATORS = frozenset({"=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", ">>=", "<<="})
_ESCAPES = ("%", "!", "?", "/", ",", ";")  # a logical line starting with one of these is IPython's
# `files = !ls`, `a, b = %sx cmd`: IPython's assignment forms (its assign_system_re / assign_magic_re)
_ASSIGNED_ESCAPE = re.compile(r"\s*[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[!%]")
NEUTRAL = "pass"


def skipped_cell(source: str) -> bool:
    """Whether a code cell is not analysed: a non-Python cell magic on any line, or a first-line automagic."""
    lines = physical_lines(source)
    if lines:
        tokens = lines[0].split()
        if tokens and tokens[0] in AUTOMAGICS and (len(tokens) < 2 or tokens[1] not in _ASSIGNMENT_OPERATORS):
            return True
    for line in lines:
        tokens = line.split()
        if tokens and len(tokens[0]) >= 2 and tokens[0].startswith("%%"):
            if tokens[0][2:] not in PYTHON_CELL_MAGICS:
                return True
    return False


class _Scanner:
    """Where logical lines start: tracks strings (triple-quoted across lines), brackets and backslash
    continuations, physical line by physical line."""

    def __init__(self) -> None:
        self.quote = ""  # the delimiter of the string the scan is in ("", "'", '"', "'''", '"""')
        self.depth = 0
        self.continued = False

    @property
    def at_logical_start(self) -> bool:
        return not self.quote and not self.depth and not self.continued

    def scan(self, line: str) -> str:
        """Advance over ``line`` (without its ending); returns its code outside comments and strings' ends."""
        index, code_end = 0, len(line)
        while index < len(line):
            char = line[index]
            if self.quote:
                if char == "\\":
                    index += 2
                    continue
                if line.startswith(self.quote, index):
                    index += len(self.quote)
                    self.quote = ""
                    continue
                index += 1
                continue
            if char == "#":
                code_end = index
                break
            if char in "'\"":
                triple = line[index:index + 3]
                self.quote = triple if triple in ("'''", '"""') else char
                index += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        code = line[:code_end]
        self.continued = code.endswith("\\") and (not self.quote or len(self.quote) == 1)
        if len(self.quote) == 1 and not self.continued:
            self.quote = ""  # an unterminated one-line string: Python's error, not ours to track
        return code


def _is_escape(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(_ESCAPES) or _ASSIGNED_ESCAPE.match(line) is not None


def magic_lines(source: str) -> list[bool]:
    """For each physical line of ``source``: whether it belongs to an IPython magic, shell escape or help."""
    lines = physical_lines(source)
    flags = [False] * len(lines)
    scanner = _Scanner()
    in_magic = False  # inside the backslash continuation of a magic line
    for number, line in enumerate(lines):
        if in_magic:
            flags[number] = True
            in_magic = line.endswith("\\")
            continue
        if scanner.at_logical_start and _is_escape(line):
            flags[number] = True
            in_magic = line.endswith("\\")
            continue
        starts = scanner.at_logical_start
        code = scanner.scan(line)
        if starts and scanner.at_logical_start and code.rstrip().endswith("?"):
            flags[number] = True  # obj? and obj??: help
    return flags


def neutralise(source: str) -> tuple[str, list[bool]]:
    """``source`` with every magic line replaced by ``pass`` (continuations by blank lines), keeping each
    line's indentation and ending; and which lines were replaced."""
    flags = magic_lines(source)
    lines = physical_lines(source, keepends=True)
    neutral: list[str] = []
    previous = False
    for line, flag in zip(lines, flags):
        if not flag:
            neutral.append(line)
        else:
            ending = line_ending(line)
            indent = line[: len(line) - len(line.lstrip())] if not previous else ""
            neutral.append(f"{indent}{NEUTRAL}{ending}" if not previous else ending)
        previous = flag and line[: len(line) - len(line_ending(line))].endswith("\\")
    return "".join(neutral), flags
