"""Which of torch.nn's layer classes hold parameters or buffers, and which behave differently in training.

TL008 asks this of a module created in a class body: one object shared by every instance matters only when it
has state of its own (parameters or buffers) or, when it is never registered, when ``train()`` / ``eval()``
change what it does. The tables name the classes of ``torch.nn`` for which this is certain on torch 2.x (the
test suite builds every one of them and checks it); any other class is unknown.
"""

from __future__ import annotations

import enum
from typing import Optional


class ModuleState(enum.Enum):
    NONE = "none"  # no parameters, no buffers, and training mode changes nothing
    MODE = "mode"  # no parameters or buffers, but train() and eval() change what it computes
    STATE = "state"  # parameters or buffers of its own


_PADS = [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular") for d in (1, 2, 3)]
_POOLS = [f"{kind}{d}d" for kind in ("MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool") for d in (1, 2, 3)]
STATELESS = frozenset({
    "ReLU", "ReLU6", "SiLU", "GELU", "Tanh", "Sigmoid", "Hardswish", "Hardsigmoid", "Hardtanh", "LeakyReLU", "ELU",
    "SELU", "CELU", "Mish", "Softplus", "Softsign", "Softshrink", "Hardshrink", "Tanhshrink", "Threshold",
    "LogSigmoid", "GLU", "Softmax", "LogSoftmax", "Softmin", "Softmax2d", "Identity", "Flatten", "Unflatten",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
    "CosineSimilarity", "PairwiseDistance", "Fold", "Unfold", "LPPool1d", "LPPool2d", *_PADS, *_POOLS,
})
MODE_DEPENDENT = frozenset({"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
                            "RReLU"})
# always a weight (or the layers that hold one), whatever the arguments
WITH_STATE = frozenset({
    "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "Embedding", "EmbeddingBag", "PReLU", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "MultiheadAttention", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
})
# parameters or running statistics by default; arguments can switch them off, so only a call with at most
# ``count`` positional arguments and none of the keywords is certain
NORMS = {
    "BatchNorm1d": 3, "BatchNorm2d": 3, "BatchNorm3d": 3, "SyncBatchNorm": 3, "LayerNorm": 2, "GroupNorm": 3,
    "RMSNorm": 2,
}
_SWITCHES = frozenset({"affine", "elementwise_affine", "track_running_stats"})


def _layer_name(qualified: str) -> Optional[str]:
    parts = qualified.split(".")
    if parts[:2] != ["torch", "nn"] or not (len(parts) == 3 or parts[2] == "modules"):
        return None
    return parts[-1]


def module_state(qualified: Optional[str], positional: int = 0, keywords: frozenset[str] = frozenset()
                 ) -> Optional[ModuleState]:
    """What a call of the class ``qualified`` with ``positional`` arguments and these ``keywords`` builds, or
    None when that is not certain."""
    name = _layer_name(qualified) if qualified else None
    if name is None:
        return None
    if name in STATELESS:
        return ModuleState.NONE
    if name in MODE_DEPENDENT:
        return ModuleState.MODE
    if name in WITH_STATE:
        return ModuleState.STATE
    if name in NORMS and positional <= NORMS[name] and not keywords & _SWITCHES:
        return ModuleState.STATE
    return None
