"""Runtime check of a torchlint fix on real code: transformers' VideoMAE keeps its fixed sin-cos position table
as a plain tensor attribute (TL001 at models/videomae/modeling_videomae.py:106).

    python benchmarks/videomae_fix_check.py before.pt                  # the installed transformers
    PYTHONPATH=FIXED python benchmarks/videomae_fix_check.py after.pt  # a copy fixed with --fix --unsafe-fixes
    python benchmarks/videomae_fix_check.py --compare before.pt after.pt

Each run prints whether position_embeddings is a buffer, the number of state_dict keys and where
.to("meta") leaves the table, and saves the state_dict and a forward output; --compare checks the keys and
outputs are identical and that the fixed model loads the old state_dict with strict=True. Needs
transformers and torch; runs offline on a tiny config.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _model() -> Any:
    from transformers import VideoMAEConfig, VideoMAEModel

    config = VideoMAEConfig(
        image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
        num_hidden_layers=1, num_attention_heads=2, intermediate_size=37,
    )
    return VideoMAEModel(config).eval()


def record(path: str) -> None:
    import torch
    import transformers

    torch.manual_seed(0)
    model = _model()
    torch.manual_seed(1)
    pixels = torch.randn(1, 4, 3, 32, 32)
    with torch.no_grad():
        output = model(pixels).last_hidden_state
    state = model.state_dict()
    torch.save({"state": state, "output": output}, path)
    print(json.dumps({
        "transformers": transformers.__file__,
        "position_embeddings_is_buffer": "embeddings.position_embeddings" in dict(model.named_buffers()),
        "state_dict_keys": len(state),
        "after_to_meta": model.to("meta").embeddings.position_embeddings.device.type,
    }))


def compare(before_path: str, after_path: str) -> int:
    import torch

    before, after = torch.load(before_path), torch.load(after_path)
    same_keys = list(before["state"]) == list(after["state"])
    same_output = torch.equal(before["output"], after["output"])
    loaded = _model().load_state_dict(before["state"], strict=True)
    print(f"same state_dict keys: {same_keys}; same forward output: {same_output}; strict load: {loaded}")
    return 0 if same_keys and same_output else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"]:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    record(sys.argv[1])
