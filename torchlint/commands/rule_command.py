"""``torchlint rule TL001`` prints a rule's documentation; ``torchlint rule --all`` lists every rule.

Exit 0 on success, 2 on a usage error (an unknown code among them), with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE
from torchlint.contract.rule import Rule
from torchlint.engine.registry import all_rules
from torchlint.report.rule_docs import SYNTAX_ERROR_DOCUMENTATION, DocumentationError, as_json, documentation, rule_list

EXIT_OK, EXIT_ERROR = 0, 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="torchlint rule", description="Show the documentation of torchlint's rules.")
    parser.add_argument("rule", nargs="?", metavar="CODE", help="a rule code (TL001) or name")
    parser.add_argument("--all", action="store_true", help="list every rule: code, name, default, fix")
    parser.add_argument("--output-format", choices=("text", "json"), default="text",
                        help="text (default) or json (code, name, summary, default, fix, explanation)")
    return parser


def find_rule(text: str, rules: Sequence[Rule]) -> Rule:
    wanted = text.strip()
    for rule in rules:
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    raise _UsageError(f"unknown rule {wanted!r}; run 'torchlint rule --all' to list the rules")


def run(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = build_parser().parse_args(list(sys.argv[2:] if argv is None else argv))
        if args.all == (args.rule is not None):
            raise _UsageError("give one rule code, or --all")
        rules = all_rules()
        if not args.all and args.rule.strip().upper() in (SYNTAX_ERROR_CODE, "SYNTAX-ERROR"):
            if args.output_format == "json":
                sys.stdout.write(json.dumps([{"code": SYNTAX_ERROR_CODE, "name": "syntax-error",
                                              "explanation": SYNTAX_ERROR_DOCUMENTATION}], indent=2) + "\n")
            else:
                sys.stdout.write(SYNTAX_ERROR_DOCUMENTATION)
            return EXIT_OK
        chosen = rules if args.all else (find_rule(args.rule, rules),)
        if args.output_format == "json":
            sys.stdout.write(as_json(chosen))
        elif args.all:
            sys.stdout.write(rule_list(chosen))
        else:
            sys.stdout.write(documentation(chosen[0]))
    except (_UsageError, DocumentationError) as error:
        print(f"torchlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
