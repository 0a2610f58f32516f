"""Per-package factories beyond the no-argument classes: registries, tiny configs, shipped model configs.

``HOOKS[package]`` maps a name to a zero-argument callable returning a module; ``DYNAMIC[package]`` lists more
names at discovery time (ultralytics: one per model YAML it ships) and makes their factories. Small on purpose:
a few representative configurations per package, all tiny, none loading weights.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

Factory = Callable[[], Any]


def _call(path: str, *args: Any, **kwargs: Any) -> Factory:
    """A factory calling ``module.attr(*args, **kwargs)`` (``module:Class.method`` for a nested attribute); the
    import happens in the worker, when built."""

    def build() -> Any:
        module_name, _, attribute = path.partition(":") if ":" in path else path.rpartition(".")
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        return target(*args, **kwargs)

    return build


def _whisper() -> Any:
    from whisper.model import ModelDimensions, Whisper

    return Whisper(ModelDimensions(n_mels=80, n_audio_ctx=16, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
                                   n_vocab=128, n_text_ctx=8, n_text_state=32, n_text_head=2, n_text_layer=1))


def _diffusion(kind: str, **kwargs: Any) -> Factory:
    def build() -> Any:
        import denoising_diffusion_pytorch as ddp

        if kind.endswith("1D"):
            unet = ddp.Unet1D(dim=8, dim_mults=(1, 2), channels=2)
            return getattr(ddp, kind)(unet, seq_length=16, timesteps=10, **kwargs)
        unet = ddp.Unet(dim=8, dim_mults=(1, 2), **kwargs.pop("unet", {}))
        return getattr(ddp, kind)(unet, image_size=8, **kwargs)

    return build


def _torchrl_binary_to_decimal() -> Any:
    import torch
    from torchrl.data.map.hash import BinaryToDecimal

    return BinaryToDecimal(num_bits=4, device=torch.device("cpu"), dtype=torch.int64)


def _e3nn_gate() -> Any:
    from e3nn import nn, o3

    return nn.Gate("4x0e", [lambda x: x], "2x0e", [lambda x: x], o3.Irreps("2x1o"))


HOOKS: dict[str, dict[str, Factory]] = {
    "rotary_embedding_torch": {
        "RotaryEmbedding(lang)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16),
        "RotaryEmbedding(xpos)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16, use_xpos=True),
        "RotaryEmbedding(pixel)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16, freqs_for="pixel"),
        "RotaryEmbedding(constant)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16, freqs_for="constant"),
        "RotaryEmbedding(learned)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16, learned_freq=True),
        "RotaryEmbedding(no cache)": _call("rotary_embedding_torch.RotaryEmbedding", dim=16, cache_if_possible=False),
    },
    "whisper": {"Whisper(tiny dims)": _whisper},
    "pytorch_metric_learning": {
        name: _call(f"pytorch_metric_learning.losses.{name}", num_classes=4, embedding_size=8)
        for name in ("LargeMarginSoftmaxLoss", "ProxyAnchorLoss", "ProxyNCALoss", "NormalizedSoftmaxLoss",
                     "SphereFaceLoss", "ArcFaceLoss", "CosFaceLoss", "SoftTripleLoss", "SubCenterArcFaceLoss")
    } | {
        "P2SGradLoss": _call("pytorch_metric_learning.losses.P2SGradLoss", descriptors_dim=8, num_classes=4),
        "ManifoldLoss": _call("pytorch_metric_learning.losses.ManifoldLoss", l=8, K=4),
        "SparseCentersRegularizer": _call("pytorch_metric_learning.regularizers.SparseCentersRegularizer",
                                          num_classes=4, centers_per_class=2),
    },
    "encodec": {
        "encodec_model_24khz": _call("encodec:EncodecModel.encodec_model_24khz", pretrained=False),
        "encodec_model_48khz": _call("encodec:EncodecModel.encodec_model_48khz", pretrained=False),
    },
    "denoising_diffusion_pytorch": {
        "GaussianDiffusion": _diffusion("GaussianDiffusion", timesteps=10),
        "GaussianDiffusion(self_condition)": _diffusion("GaussianDiffusion", timesteps=10,
                                                        unet={"self_condition": True, "learned_variance": False}),
        "LearnedGaussianDiffusion": _diffusion("LearnedGaussianDiffusion", timesteps=10,
                                               unet={"learned_variance": True}),
        "WeightedObjectiveGaussianDiffusion": _diffusion("WeightedObjectiveGaussianDiffusion", timesteps=10,
                                                         unet={"out_dim": 7}),
        "ElucidatedDiffusion": _diffusion("ElucidatedDiffusion", num_sample_steps=4),
        "ContinuousTimeGaussianDiffusion": _diffusion("ContinuousTimeGaussianDiffusion",
                                                      unet={"random_fourier_features": True}),
        "VParamContinuousTimeGaussianDiffusion": _diffusion("VParamContinuousTimeGaussianDiffusion",
                                                            unet={"random_fourier_features": True}),
        "GaussianDiffusion1D": _diffusion("GaussianDiffusion1D"),
        "KarrasUnet": _call("denoising_diffusion_pytorch.KarrasUnet", image_size=16, dim=16, dim_max=32,
                            num_downsamples=1, num_blocks_per_stage=1, channels=3),
        "KarrasUnet1D": _call("denoising_diffusion_pytorch.KarrasUnet1D", seq_len=16, dim=16, dim_max=32,
                              num_downsamples=1, num_blocks_per_stage=1, channels=3),
        "KarrasUnet3D": _call("denoising_diffusion_pytorch.KarrasUnet3D", image_size=16, frames=4, dim=16, dim_max=32,
                              num_downsamples=1, num_blocks_per_stage=1, channels=3),
    },
    "e3nn": {
        "o3.Linear": _call("e3nn.o3.Linear", "2x0e + 1x1o", "1x0e + 2x1o"),
        "o3.FullyConnectedTensorProduct": _call("e3nn.o3.FullyConnectedTensorProduct", "1x0e+1x1o", "1x1o", "1x0e"),
        "o3.FullTensorProduct": _call("e3nn.o3.FullTensorProduct", "1x0e+1x1o", "1x1o"),
        "o3.ElementwiseTensorProduct": _call("e3nn.o3.ElementwiseTensorProduct", "2x1o", "2x1o"),
        "o3.TensorSquare": _call("e3nn.o3.TensorSquare", "1x0e+1x1o"),
        "o3.SphericalHarmonics": _call("e3nn.o3.SphericalHarmonics", [0, 1, 2], True),
        "o3.Norm": _call("e3nn.o3.Norm", "2x1o"),
        "o3.ReducedTensorProducts": _call("e3nn.o3.ReducedTensorProducts", "ij=ji", i="1o"),
        "o3.ToS2Grid": _call("e3nn.o3.ToS2Grid", 2, (6, 7)),
        "o3.FromS2Grid": _call("e3nn.o3.FromS2Grid", (6, 7), 2),
        "nn.Gate": _e3nn_gate,
        "nn.BatchNorm": _call("e3nn.nn.BatchNorm", "2x0e+1x1o"),
        "nn.FullyConnectedNet": _call("e3nn.nn.FullyConnectedNet", [4, 8, 2]),
        "nn.Extract": _call("e3nn.nn.Extract", "1x0e+1x1o", ["1x0e"], [(0,)]),
        "nn.NormActivation": _call("e3nn.nn.NormActivation", "2x1o", lambda x: x),
    },
    "torchrl": {
        "MLP": _call("torchrl.modules.MLP", in_features=4, out_features=2, num_cells=[8]),
        "ConvNet": _call("torchrl.modules.ConvNet", in_features=3, num_cells=[4], kernel_sizes=3, strides=1),
        "NoisyLinear": _call("torchrl.modules.NoisyLinear", 4, 2),
        "DdpgMlpActor": _call("torchrl.modules.DdpgMlpActor", action_dim=2),
        "DdpgMlpQNet": _call("torchrl.modules.DdpgMlpQNet"),
        "DuelingCnnDQNet": _call("torchrl.modules.DuelingCnnDQNet", out_features=2),
        "LSTMModule": _call("torchrl.modules.LSTMModule", input_size=4, hidden_size=8, in_key="x", out_key="y"),
        "GRUModule": _call("torchrl.modules.GRUModule", input_size=4, hidden_size=8, in_key="x", out_key="y"),
        "MultiAgentMLP": _call("torchrl.modules.MultiAgentMLP", n_agent_inputs=4, n_agent_outputs=2, n_agents=2,
                               centralized=False, share_params=True, depth=1, num_cells=8),
        "QMixer": _call("torchrl.modules.QMixer", state_shape=(4,), mixing_embed_dim=8, n_agents=2),
        "VDNMixer": _call("torchrl.modules.VDNMixer", n_agents=2),
        "BatchRenorm1d": _call("torchrl.modules.BatchRenorm1d", 4),
        "RSSMPrior": _call("torchrl.modules.RSSMPrior", action_spec=None, hidden_dim=8, rnn_hidden_dim=8,
                           state_dim=4, action_dim=2),
        "PopArtValueNorm": _call("torchrl.modules.PopArtValueNorm", 4),
        "BinaryToDecimal": _torchrl_binary_to_decimal,
    },
    "lpips": {
        "NetLinLayer": _call("lpips.lpips.NetLinLayer", 8),
        "LPIPS(alex, random)": _call("lpips.LPIPS", pretrained=False, pnet_rand=True, net="alex"),
    },
}


def _ultralytics_configs() -> list[str]:
    import ultralytics

    root = Path(ultralytics.__file__).parent / "cfg" / "models"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.yaml"))


def _ultralytics_model(name: str) -> Factory:
    def build() -> Any:
        import ultralytics
        from ultralytics.nn import tasks

        path = Path(ultralytics.__file__).parent / "cfg" / "models" / name
        cfg = tasks.yaml_model_load(str(path))
        if "scales" in cfg and not cfg.get("scale"):
            cfg["scale"] = next(iter(cfg["scales"]))
        stem = path.stem
        if "rtdetr" in stem:
            cls: Any = tasks.RTDETRDetectionModel
        elif "world" in stem:
            cls = tasks.WorldModel
        elif "yoloe" in stem:
            cls = tasks.YOLOESegModel if "seg" in stem else tasks.YOLOEModel
        elif stem.endswith("-sem"):
            cls = tasks.SemanticSegmentationModel
        elif stem.endswith("-depth"):
            cls = tasks.DepthModel
        else:
            cls = {"detect": tasks.DetectionModel, "segment": tasks.SegmentationModel, "pose": tasks.PoseModel,
                   "classify": tasks.ClassificationModel, "obb": tasks.OBBModel}[tasks.guess_model_task(cfg)]
        return cls(cfg, verbose=False)

    return build


def _peft_configs() -> list[str]:
    import peft

    return sorted(name for name in dir(peft) if name.endswith("Config") and name not in (
        "PeftConfig", "PromptLearningConfig", "LoraRuntimeConfig", "LoftQConfig", "EvaConfig", "ArrowConfig"))


# Config arguments tried in order until one is accepted (adapters on the attention projections, or prompts).
_PEFT_ARGUMENTS: tuple[dict[str, Any], ...] = (
    {"target_modules": ["q_proj", "v_proj"]},
    {"num_virtual_tokens": 4},
    {"target_modules": ["q_proj", "v_proj"], "r": 4},
    {},
)


def _peft_model(name: str) -> Factory:
    def build() -> Any:
        import peft
        from transformers import LlamaConfig, LlamaForCausalLM

        base = LlamaForCausalLM(LlamaConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
            vocab_size=128, max_position_embeddings=64))
        config_class = getattr(peft, name)
        errors = []
        for arguments in _PEFT_ARGUMENTS:
            try:
                config = config_class(task_type="CAUSAL_LM", **arguments)
            except (TypeError, ValueError) as error:
                errors.append(error)
                continue
            return peft.get_peft_model(base, config)
        raise errors[0]

    return build


DYNAMIC: dict[str, tuple[Callable[[], list[str]], Callable[[str], Factory]]] = {
    "ultralytics": (_ultralytics_configs, _ultralytics_model),
    "peft": (_peft_configs, _peft_model),
}


def names(package: str) -> list[str]:
    listed = list(HOOKS.get(package, {}))
    if package in DYNAMIC:
        listed += DYNAMIC[package][0]()
    return listed


def factory(package: str, name: str) -> Factory:
    if name in HOOKS.get(package, {}):
        return HOOKS[package][name]
    return DYNAMIC[package][1](name)
