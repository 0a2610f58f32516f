"""torchlint.runtime.record(): nesting, threads, failing construction, meta device, assignment locations."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
import torch
from audit_models import MODELS, marked
from audit_models import models as m
from torch import nn

from torchlint.runtime import Location, Site, active_recordings, audit, record

HERE = Path(__file__)


def marks(name: str) -> int:
    """The line of this file whose comment is ``# <name>``."""
    lines = HERE.read_text("utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if line.rstrip().endswith(f"# {name}")]
    assert len(found) == 1, name
    return found[0]


class Reassigned(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cache = torch.zeros(2)  # first-cache
        self.cache = torch.ones(2)  # same kind: the first site stands
        self.state = torch.zeros(2)
        self.state = None
        self.state = torch.zeros(3)  # state-again
        self.items = torch.zeros(1)
        self.items = [torch.zeros(1)]  # items-list


def test_original_setattr_is_restored() -> None:
    original = nn.Module.__setattr__
    with record():
        assert nn.Module.__setattr__ is not original
    assert nn.Module.__setattr__ is original


def test_sites_keep_their_meaning() -> None:
    with record() as recording:
        m.Net(n_layers=1)
    attention = "audit_models.models.Attention"
    assert recording.sites == [
        Site("TL001", str(MODELS), marked("TL001")[0], attention, "mask"),
        Site("TL002", str(MODELS), marked("TL002")[0], attention, "temperature"),
    ]
    assert recording.lines(str(MODELS)) == {(marked("TL001")[0], "TL001"), (marked("TL002")[0], "TL002")}


def test_location_is_where_the_present_value_got_its_kind() -> None:
    with record() as recording:
        model = Reassigned()
    assert recording.location(model, "cache") == Location(str(HERE), marks("first-cache"))
    assert recording.location(model, "state") == Location(str(HERE), marks("state-again"))
    assert recording.location(model, "items") == Location(str(HERE), marks("items-list"))
    assert recording.location(model, "missing") is None
    assert recording.location(object(), "cache") is None
    sites = [(site.attribute, site.line) for site in recording.sites]
    assert sites == [("cache", marks("first-cache")), ("state", marks("state-again") - 2),
                     ("state", marks("state-again")), ("items", marks("items-list") - 1)]


def test_nested_recordings_both_see_inner_sites_and_only_the_outer_sees_the_rest() -> None:
    original = nn.Module.__setattr__
    with record() as outer:
        first = m.Attention()
        with record() as inner:
            assert [id(r) for r in active_recordings()] == [id(outer), id(inner)]
            second = m.Attention()
        assert nn.Module.__setattr__ is not original  # still installed for the outer block
        third = m.Attention()
    assert nn.Module.__setattr__ is original
    assert active_recordings() == []
    assert len(outer.sites) == 6 and len(inner.sites) == 2
    assert inner.location(first, "mask") is None and inner.location(third, "mask") is None
    for model in (first, second, third):
        assert outer.location(model, "mask") == Location(str(MODELS), marked("TL001")[0])
    assert inner.location(second, "mask") == outer.location(second, "mask")


def test_threads_building_models_concurrently() -> None:
    original = nn.Module.__setattr__
    count = 6
    barrier = threading.Barrier(count)
    results: dict[int, list[tuple[str, str, int | None]]] = {}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            with record() as recording:
                barrier.wait()  # every thread is inside its block before any builds
                model = m.Net(n_layers=1 + index % 3)
                findings = audit(model, recording=recording)
                barrier.wait()  # and none leaves before all have built
            results[index] = [(f.code, f.path, f.line) for f in findings]
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert nn.Module.__setattr__ is original
    for index, rows in results.items():
        layers = 1 + index % 3
        assert [code for code, _, _ in rows] == ["TL003", "TL004", "TL004"] + ["TL001", "TL002"] * layers
        assert all(line is not None for _, _, line in rows)
        assert rows[-1][1] == f"encoder.layers.{layers - 1}"
    assert len(results) == count


def test_construction_that_raises_restores_the_wrapper() -> None:
    original = nn.Module.__setattr__
    with pytest.raises(ValueError, match="hidden size must be even"):
        with record():
            m.Raises()
    assert nn.Module.__setattr__ is original
    assert active_recordings() == []


def test_raising_inside_a_nested_block_leaves_the_outer_recording_working() -> None:
    original = nn.Module.__setattr__
    with record() as outer:
        with pytest.raises(ValueError):
            with record():
                m.Raises()
        assert [id(r) for r in active_recordings()] == [id(outer)]
        model = m.Attention()
    assert nn.Module.__setattr__ is original
    assert outer.location(model, "mask") is not None


def test_meta_device_construction_is_recorded() -> None:
    with record() as recording, torch.device("meta"):
        model = m.Attention()
    assert model.mask.is_meta and model.qkv.weight.is_meta
    assert [site.code for site in recording.sites] == ["TL001", "TL002"]
    assert recording.location(model, "temperature") == Location(str(MODELS), marked("TL002")[0])
    model.to_empty(device="cpu")
    assert model.mask.is_meta  # the plain tensor is left behind: the bug the audit reports
    assert [f.code for f in audit(model, recording=recording)] == ["TL001", "TL002"]


def test_locations_of_collected_instances_are_dropped() -> None:
    with record() as recording:
        for _ in range(20):
            m.Attention()
        kept = m.Attention()
        gc.collect()
    assert recording.location(kept, "mask") is not None
    assert len(recording._instances) <= 2  # kept, and at most one not yet collected


def test_record_outside_a_block_records_nothing() -> None:
    with record() as recording:
        pass
    m.Attention()
    assert recording.sites == []
