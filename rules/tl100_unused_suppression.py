"""TL100 unused-suppression

## What it does
Checks for suppression comments that suppress nothing: a `# torchlint: ignore[...]` or
`# torchlint: file-ignore[...]` directive, or a torchlint code in a `# noqa: ...` comment, when no finding of
that code is reported where the comment applies. Codes that are not torchlint rules at all are reported too.

This rule is off by default; enable it with `--extend-select TL100` (or `extend-select = ["TL100"]` in
`[tool.torchlint]`).

## Why is this bad?
A suppression that no longer suppresses anything is noise that hides intent: the code it excused was fixed
or moved, or the code in it is misspelt, and a finding that appears later on that line is silenced without
anyone having looked at it.

## Example
```python
class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mask", torch.ones(3))  # torchlint: ignore[TL001]
```

## Use instead
```python
class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mask", torch.ones(3))
```

Only what torchlint can judge is reported: a blanket `# noqa` and codes of other tools (`# noqa: E501`)
belong to other linters, and a code whose rule did not run on the file (not selected, or switched off by
`per-file-ignores`) may be in use elsewhere, so neither is reported. A bare `# torchlint: ignore` is
reported when nothing on its line is reported; a file-level `# flake8: noqa` is never reported.

## Fix safety
There is no automatic fix: delete the directive, or the codes it names, by hand.
"""

from __future__ import annotations

from torchlint.contract.rule import BodyNeed, Finding, FindingIterator, Rule, Severity
from torchlint.suppression.noqa import Kind, UnusedSuppression


def _codes(codes: tuple[str, ...]) -> str:
    return ", ".join(codes)


class UnusedSuppressionRule(Rule):
    code = "TL100"
    name = "unused-suppression"
    summary = "suppression comment (# torchlint: ignore, or a torchlint code in # noqa) that suppresses nothing"
    default_enabled = False
    severity = Severity.WARNING
    body_needs = frozenset({BodyNeed.ALL_COMMENTS})

    def on_unused_suppression(self, event: UnusedSuppression) -> FindingIterator:
        where = "in this file" if event.kind is Kind.FILE_IGNORE else "on this line"
        if event.codes is None:
            problem = f"nothing is reported {where}"
        else:
            parts = []
            if event.unused:
                parts.append(f"no {_codes(event.unused)} finding {where}")
            if event.unknown:
                verb = "is not a torchlint code" if len(event.unknown) == 1 else "are not torchlint codes"
                parts.append(f"{_codes(event.unknown)} {verb}")
            problem = "; ".join(parts)
        yield Finding(self.code, event.comment, f"unused suppression `{event.directive}`: {problem}")


RULE = UnusedSuppressionRule()
