"""What a file's top level establishes for the class analysis: the values of its global names, and which of
its functions return a tensor."""

from __future__ import annotations

import libcst as cst

from torchlint.analysis.class_analysis import ClassAnalysis
from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import ValueFact
from torchlint.outline.file_model import ClassInfo, FileModel


def module_globals(model: FileModel) -> dict[str, ValueFact]:
    """Facts about names bound by simple top-level assignments (``MASK = torch.ones(3)``)."""
    facts: dict[str, ValueFact] = {}
    ctx = InferenceContext(model=model, globals=facts)
    for statement in model.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                value = infer(small.value, ctx)
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        facts[target.target.value] = value
    return facts


def tensor_functions(model: FileModel) -> frozenset[str]:
    """The top-level functions of ``model`` that return a tensor on every path, by following their bodies."""
    placeholder = ClassInfo(
        node=cst.ClassDef(name=cst.Name("_"), body=cst.IndentedBlock(body=[])), name="_", scope=model.module
    )
    analysis = ClassAnalysis(model, placeholder, module_globals(model), {}, lambda event: None)
    return frozenset(name for name, node in model.functions.items() if analysis.function_result(node).is_tensor)
