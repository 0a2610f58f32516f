"""Forward inputs the signature conventions of :func:`worker.derive_input` cannot guess, and configuration
variants that make a model run the code a fix changed: small explicit tables, by class name.

- :data:`INPUTS`: keyword inputs for models whose ``forward`` takes several structured arguments (a
  Kandinsky 5 transformer needs latents, text embeddings, a timestep, pooled embeddings and rotary
  positions), built from the model's config so that they fit any configuration the harness picked.
- :data:`VARIANTS`: extra ``__init__`` arguments, compared as a class of their own (``Name[label]``), where
  the default configuration never builds the submodule a fix is in (``AutoencoderVidTok`` builds its
  ``FSQRegularizer`` only with ``regularizer="fsq"``, which needs a codebook size of 8 ** ``z_channels`` and
  ``double_z=False``).
"""

from __future__ import annotations

from typing import Any, Callable

import torch


def _kandinsky5(config: Any, generator: torch.Generator) -> dict[str, Any]:
    patch = config["patch_size"]
    frames, height, width, text = 1, 2 * patch[1], 2 * patch[2], 3
    return {
        "hidden_states": torch.randn(1, frames * patch[0], height, width, config["in_visual_dim"], generator=generator),
        "encoder_hidden_states": torch.randn(1, text, config["in_text_dim"], generator=generator),
        "timestep": torch.tensor([10.0]),
        "pooled_projections": torch.randn(1, config["in_text_dim2"], generator=generator),
        "visual_rope_pos": (torch.arange(frames), torch.arange(height // patch[1]), torch.arange(width // patch[2])),
        "text_rope_pos": torch.arange(text),
    }


INPUTS: dict[str, Callable[[Any, torch.Generator], dict[str, Any]]] = {
    "Kandinsky5Transformer3DModel": _kandinsky5,
}

VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "AutoencoderVidTok": {"fsq": {"regularizer": "fsq", "codebook_size": 8**4, "z_channels": 4, "double_z": False}},
}
