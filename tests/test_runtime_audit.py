"""torchlint.runtime.audit on live models: codes, paths, classes and assignment sites."""

from __future__ import annotations

import pytest
import torch
from audit_models import MODELS, marked
from audit_models import models as m
from torch import nn

from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.runtime import ROOT, Recording, RuntimeFinding, audit, filter_findings, record

FILE = str(MODELS)


def build(factory, *args, **kwargs) -> tuple[nn.Module, Recording]:
    with record() as recording:
        model = factory(*args, **kwargs)
    return model, recording


def rows(findings: list[RuntimeFinding]) -> list[tuple[str, str, str, str, int | None]]:
    return [(f.code, f.path, f.attribute, f.cls.rsplit(".", 1)[-1], f.line) for f in findings]


def test_net_findings_name_path_attribute_class_and_line() -> None:
    model, recording = build(m.Net)
    (tl001,), (tl002,) = marked("TL001")[:1], marked("TL002")[:1]
    heads, scales, cache = marked("TL003")[0], *marked("TL004")[:2]
    assert rows(audit(model, recording=recording)) == [
        ("TL003", "", "heads", "Net", heads),
        ("TL004", "", "scales", "Net", scales),
        ("TL004", "", "cache", "Net", cache),
        ("TL001", "encoder.layers.0", "mask", "Attention", tl001),
        ("TL002", "encoder.layers.0", "temperature", "Attention", tl002),
        ("TL001", "encoder.layers.1", "mask", "Attention", tl001),
        ("TL002", "encoder.layers.1", "temperature", "Attention", tl002),
    ]


def test_finding_fields_and_text() -> None:
    model, recording = build(m.Net)
    findings = audit(model, recording=recording)
    root = findings[0]
    assert root.cls == "audit_models.models.Net"
    assert root.filename == FILE
    assert root.module_path == ROOT and root.qualified_name == "heads"
    assert root.message.startswith("`heads` (audit_models.models.Net) is a plain list holding 2 modules")
    assert "nn.ModuleList" in root.message
    assert str(root) == f"{FILE}:{root.line}: TL003 {root.message}"
    inner = findings[3]
    assert inner.module_path == "encoder.layers.0" and inner.qualified_name == "encoder.layers.0.mask"
    assert 'register_buffer("mask", ...)' in inner.message
    assert findings[2].message.startswith("`cache` (audit_models.models.Net) is a plain dict holding 1 tensor")
    assert "nn.ParameterDict" in findings[2].message


def test_without_recording_sites_are_unknown_and_text_names_the_module_path() -> None:
    model = m.Net()
    findings = audit(model)
    assert [f.code for f in findings] == ["TL003", "TL004", "TL004", "TL001", "TL002", "TL001", "TL002"]
    assert all(f.filename is None and f.line is None and f.site is None for f in findings)
    assert str(findings[0]).startswith("<root>: TL003 `heads`")
    assert str(findings[3]).startswith("encoder.layers.0: TL001 `encoder.layers.0.mask`")


def test_inside_the_block_audit_uses_the_open_recordings() -> None:
    with record():
        model = m.Attention()
        findings = audit(model)
    assert [(f.code, f.line) for f in findings] == [("TL001", marked("TL001")[0]), ("TL002", marked("TL002")[0])]


def test_a_recording_made_elsewhere_knows_only_its_classes_sites() -> None:
    """An instance no recording saw (copy.deepcopy() makes them) gets the one line where the recorded
    instances of its class assigned the attribute; a recording of other classes knows nothing of it."""
    model, own = build(m.Attention)
    _, other = build(m.Attention)
    _, unrelated = build(m.Clean)
    assert [f.line for f in audit(model, recording=unrelated)] == [None, None]
    assert [f.line for f in audit(model, recording=other)] == marked("TL001")[:1] + marked("TL002")[:1]
    assert [f.line for f in audit(model, recording=[other, own])] == marked("TL001")[:1] + marked("TL002")[:1]


def test_clean_model_has_no_findings() -> None:
    model, recording = build(m.Clean)
    assert audit(model, recording=recording) == []


def test_modules_in_plain_containers_are_audited_inside() -> None:
    model, recording = build(m.Nested)
    assert rows(audit(model, recording=recording)) == [
        ("TL003", "", "groups", "Nested", marked("TL003")[1]),
        ("TL001", "groups['a'][0]", "mask", "Attention", marked("TL001")[0]),
        ("TL002", "groups['a'][0]", "temperature", "Attention", marked("TL002")[0]),
    ]


def test_classes_that_move_their_own_tensors() -> None:
    model, recording = build(m.Metric)
    assert rows(audit(model, recording=recording)) == [
        ("TL002", "", "learned", "Metric", marked("TL002")[1]),
        ("TL004", "", "extra", "Metric", marked("TL004")[2]),
    ]


def test_setattr_override_points_at_the_assignment_not_the_override() -> None:
    model, recording = build(m.SetattrOverride)
    assert rows(audit(model, recording=recording)) == [("TL001", "", "table", "SetattrOverride", marked("TL001")[1])]


def test_shared_submodule_is_reported_once_under_its_first_path() -> None:
    model, recording = build(m.Net, n_layers=1)
    paths = [f.path for f in audit(model, recording=recording) if f.code == "TL001"]
    assert paths == ["encoder.layers.0"]  # not again as "shared"


def test_aliases_of_registered_buffers_go_stale_so_they_are_reported() -> None:
    class Aliases(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("a", torch.zeros(2))
            self.stats = [self.a]
            self.lin = nn.Linear(2, 2)
            self.params = {"w": self.lin.weight}

    findings = audit(Aliases())
    assert [(f.code, f.attribute) for f in findings] == [("TL004", "stats")]


def test_tensor_edge_cases() -> None:
    class Edge(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.ones(2))
            self.moved = self.w * 2  # requires grad but not a leaf: TL001, not TL002
            self._private = torch.zeros(1)  # private names are attributes like any other
            self.deep = [[[torch.zeros(1)]]]
            self.cycle: list[object] = []
            self.cycle.append(self.cycle)
            self.empty: dict[str, torch.Tensor] = {}
            self.text = "not a container"
            object.__setattr__(self, "hidden", torch.zeros(1))  # bypasses Module.__setattr__: no site

    model, recording = build(Edge)
    findings = audit(model, recording=recording)
    assert [(f.code, f.attribute) for f in findings] == [
        ("TL001", "moved"), ("TL001", "_private"), ("TL004", "deep"), ("TL001", "hidden"),
    ]
    assert findings[-1].line is None and findings[0].line is not None


def test_meta_device_construction() -> None:
    with record() as recording, torch.device("meta"):
        model = m.Net()
    assert model.encoder.layers[0].mask.is_meta
    findings = audit(model, recording=recording)
    on_cpu, cpu_recording = build(m.Net)
    assert rows(findings) == rows(audit(on_cpu, recording=cpu_recording))
    assert all(f.line is not None for f in findings)


def test_runtime_codes_agree_with_the_static_rules_on_the_audit_models() -> None:
    rules = [rule for rule in all_rules() if rule.code in ("TL001", "TL002")]
    static = {(d.line, d.code) for d in lint_text(MODELS.read_text("utf-8"), FILE, rules)}
    with record() as recording:
        models = [m.Clean(), m.Net(), m.Nested(), m.Metric(), m.SetattrOverride()]
    runtime = {(f.line, f.code) for model in models for f in audit(model, recording=recording)}
    assert {(line, code) for line, code in runtime if code in ("TL001", "TL002")} == static
    marked_sites = {(line, code) for code in ("TL001", "TL002", "TL003", "TL004") for line in marked(code)}
    assert runtime == marked_sites


def test_filter_findings() -> None:
    findings = audit(m.Net())
    assert [f.code for f in filter_findings(findings, ["TL00"])] == []
    assert {f.code for f in filter_findings(findings, ["tl001", "TL002"])} == {"TL003", "TL004"}
    assert [f.qualified_name for f in filter_findings(findings, ["encoder.*", "heads"])] == ["scales", "cache"]
    assert len(filter_findings(findings, ["*.Attention.mask"])) == 5
    assert filter_findings(findings, "TL") == []
    assert filter_findings(findings, ()) == findings


def test_audit_needs_a_module() -> None:
    with pytest.raises(TypeError, match="needs a torch.nn.Module"):
        audit(object())  # type: ignore[arg-type]
