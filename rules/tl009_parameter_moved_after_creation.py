"""TL009 parameter-moved-after-creation

## What it does
Checks for `nn.Parameter(...)` immediately followed by a device move or dtype cast (`.to(...)`, `.cuda()`,
`.cpu()`, `.type(...)`, `.half()`, `.float()`, `.double()`, `.bfloat16()`) and assigned to a module attribute
or passed to `register_parameter`.

## Why is this bad?
A move or cast that really changes something returns a *new* tensor: a plain tensor, not a Parameter, and not
a leaf of the autograd graph. `self.weight = nn.Parameter(t).cuda()` therefore registers nothing on a GPU
machine: the weight is a plain attribute, missing from `parameters()` and `state_dict()`, and never trained.
On the CPU, where `.cuda()` is not called or `.to("cpu")` changes nothing, the same line returns the Parameter
itself, so the bug shows only on the GPU path (pytorch/pytorch#20089). With `register_parameter` the GPU
path raises `TypeError` instead.

## Example
```python
class Scale(nn.Module):
    def __init__(self, device: torch.device) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(8)).to(device)
```

## Use instead
```python
class Scale(nn.Module):
    def __init__(self, device: torch.device) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(8).to(device))
```
Or create the module first and move the whole model with `model.to(device)`.

## Fix safety
The fix moves the call inside: `nn.Parameter(t).to(x)` becomes `nn.Parameter(t.to(x))`. It is **unsafe**:
wherever the move or cast really happens, the tensor now becomes a registered Parameter, so it joins
`parameters()` and `state_dict()`, optimizers start training it, and checkpoints saved before the fix lack
its key. No fix is offered when the Parameter's data is not a single visible argument, when the moved
value sits in a local that other code uses too, for chained assignments (`self.a = self.b = ...`), or
where assigning a real Parameter would raise: before `super().__init__()` has run, under a name that a
method or class attribute of the class or of `nn.Module` already has (`self.half = ...`), or when the class
also assigns the attribute anything not known to be a Parameter or None, or registers the name as a buffer
or submodule.

A fix in a base class runs in its subclasses too: no fix is offered when a subclass in the file has a
method or class attribute of the name or assigns it before calling `super().__init__()`.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, RegistrationCall
from torchlint.analysis.function_index import function_index
from torchlint.analysis.value_sources import name_handed_off
from torchlint.contract.edits import Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule
from torchlint.outline.file_model import FileModel
from torchlint.torch_facts.torch_api import PARAMETER_CLASSES

MOVES = frozenset({"to", "cuda", "cpu", "type", "half", "float", "double", "bfloat16"})
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


def moved_parameter(node: cst.BaseExpression, model: FileModel) -> Optional[tuple[cst.Call, list[str]]]:
    """For ``nn.Parameter(t).to(x).half()``: the ``nn.Parameter(...)`` call and the moves, outermost last."""
    moves: list[str] = []
    while (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in MOVES
    ):
        moves.append(node.func.attr.value)
        node = node.func.value
    if not moves or not isinstance(node, cst.Call) or model.imports.qualify(node.func) not in PARAMETER_CLASSES:
        return None
    return node, moves[::-1]


def _data_argument(parameter: cst.Call) -> Optional[cst.Arg]:
    positional = [arg for arg in parameter.args if arg.keyword is None]
    if any(arg.star for arg in parameter.args):
        return None
    if positional:
        return positional[0]
    return next((arg for arg in parameter.args if arg.keyword is not None and arg.keyword.value == "data"), None)


def _fix(moved: cst.Call, parameter: cst.Call, display: str) -> Optional[Fix]:
    data = _data_argument(parameter)
    if data is None:
        return None
    inner: cst.BaseExpression = data.value
    if not isinstance(inner, _ATOMS) and not inner.lpar:
        inner = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    # Rebuild the chain of moves on the data: t.to(x).half()
    chain: list[cst.Call] = []
    node: cst.BaseExpression = moved
    while node is not parameter:
        assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        chain.append(node)
        node = node.func.value
    for call in reversed(chain):
        assert isinstance(call.func, cst.Attribute)
        inner = call.with_changes(func=call.func.with_changes(value=inner), lpar=(), rpar=())
    args = [arg.with_changes(value=inner) if arg is data else arg for arg in parameter.args]
    replacement = parameter.with_changes(args=args, lpar=moved.lpar, rpar=moved.rpar)
    return Fix(
        f"Move the call into `{display}`'s nn.Parameter(...)", Applicability.UNSAFE, (Replace(moved, replacement),),
        "where the move happens, the tensor now stays a Parameter: it joins parameters() and state_dict()",
    )


def _no_fix_reason(fix: Optional[Fix], shared: bool) -> Optional[str]:
    if shared:
        return "the local that holds the value is used elsewhere too"
    return None if fix is not None else "the Parameter's data is not a single argument"


def _suffix(moves: list[str]) -> str:
    return "".join(f".{move}(...)" if move in ("to", "type") else f".{move}()" for move in moves)


class ParameterMovedAfterCreation(Rule):
    code = "TL009"
    name = "parameter-moved-after-creation"
    summary = "nn.Parameter(...) followed by .to()/.cuda()/a cast, which yields a plain tensor when it moves"
    fixable = True

    def _find(
        self, node: Optional[cst.BaseExpression], function: cst.FunctionDef, model: FileModel
    ) -> Optional[tuple[cst.Call, cst.Call, list[str], bool]]:
        """The moved call, its Parameter call, the moves, and whether other code uses the value too: in
        ``node`` itself or in the one definition of the local it names."""
        if node is None:
            return None
        found = moved_parameter(node, model)
        if found is not None:
            assert isinstance(node, cst.Call)
            return node, found[0], found[1], False
        if isinstance(node, cst.Name):
            index = function_index(model, function)
            defined = index.definitions(node.value)
            if defined is not None and len(defined) == 1:
                found = moved_parameter(defined[0], model)
                if found is not None:
                    assert isinstance(defined[0], cst.Call)
                    shared = name_handed_off(index, node.value, [node])
                    return defined[0], found[0], found[1], shared
        return None

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        found = self._find(event.value_node, event.function, event.context.model)
        if found is None:
            return
        moved, parameter, moves, shared = found
        subject = f"`self.{event.name}`" if event.name is not None else f"the attribute named by `{event.display_name}`"
        fix = None if shared else _fix(moved, parameter, event.display_name)
        raises = event.parameter_would_raise()
        if raises is not None:
            fix = None
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} is assigned nn.Parameter(...){_suffix(moves)}: wherever the move or cast really "
                f"happens (on the GPU path) the result is a plain non-leaf tensor, so the parameter silently "
                f"vanishes from parameters() and state_dict(); move the call inside: "
                f"nn.Parameter(t{_suffix(moves)})"
            ),
            fix=fix,
            no_fix_reason=raises or _no_fix_reason(fix, shared),
        )

    def on_registration_call(self, event: RegistrationCall) -> FindingIterator:
        if event.method != "register_parameter":
            return
        found = self._find(event.value_node, event.function, event.context.model)
        if found is None:
            return
        moved, parameter, moves, shared = found
        name = event.name if event.name is not None else "..."
        fix = None if shared else _fix(moved, parameter, name)
        yield Finding(
            code=self.code,
            node=event.value_node if event.value_node is not None else event.call,
            message=(
                f'register_parameter("{name}", ...) gets nn.Parameter(...){_suffix(moves)}: wherever the move or '
                f"cast really happens (on the GPU path) the result is a plain tensor and registering it raises "
                f"TypeError; move the call inside: nn.Parameter(t{_suffix(moves)})"
            ),
            fix=fix,
            no_fix_reason=_no_fix_reason(fix, shared),
        )


RULE = ParameterMovedAfterCreation()
