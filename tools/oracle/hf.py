"""transformers builders: a tiny config per model type, the base model and one head variant.

For every model type in ``CONFIG_MAPPING`` the base model and ``heads`` head variants (for a sub-config type
with no auto mapping: the model class whose ``config_class`` it is) are built from a tiny config: everything
shrunk; then widths shrunk but depth and vocabulary left alone; then the default config on the meta device.
Works with transformers 4.x (``sub_configs``) and 5.x (``sub_configs_defaults``).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Optional

from oracle.builders import Attempt, Spec
from oracle.sandbox import short_error

# Attributes shrunk in tiny configs: name -> value. A default is only ever made smaller, never larger.
WIDTH = 64
SHRINK: dict[str, int] = {
    **dict.fromkeys(
        (
            "hidden_size", "d_model", "n_embd", "embed_dim", "dim", "model_dim", "word_embed_proj_dim", "hidden_dim",
            "projection_dim", "text_embed_dim", "vision_embed_dim",
        ),
        WIDTH,
    ),
    **dict.fromkeys(
        (
            "num_hidden_layers", "n_layer", "n_layers", "num_layers", "encoder_layers", "decoder_layers",
            "num_encoder_layers", "num_decoder_layers", "num_text_layers", "num_vision_layers",
        ),
        1,
    ),
    **dict.fromkeys(
        (
            "num_attention_heads", "n_head", "n_heads", "num_heads", "encoder_attention_heads",
            "decoder_attention_heads",
        ),
        4,
    ),
    "num_key_value_heads": 2,
    "num_kv_heads": 2,
    "head_dim": 16,
    **dict.fromkeys(
        (
            "intermediate_size", "n_inner", "ffn_dim", "encoder_ffn_dim", "decoder_ffn_dim", "d_ff",
            "ffn_hidden_size", "mlp_dim",
        ),
        128,
    ),
    **dict.fromkeys(("moe_intermediate_size", "shared_expert_intermediate_size", "expert_intermediate_size"), 32),
    **dict.fromkeys(("num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"), 4),
    "num_experts_per_tok": 2,
    "kv_lora_rank": 16,
    "q_lora_rank": 32,
    "vocab_size": 1024,
    "max_position_embeddings": 512,
}


def _field_defaults(config_class: type) -> dict[str, Any]:
    """Default value of each constructor argument of a config class (dataclass fields or ``__init__``)."""
    defaults: dict[str, Any] = {}
    if dataclasses.is_dataclass(config_class):
        for field in dataclasses.fields(config_class):
            if field.default is not dataclasses.MISSING:
                defaults[field.name] = field.default
            elif field.default_factory is not dataclasses.MISSING:
                try:
                    defaults[field.name] = field.default_factory()
                except Exception:  # noqa: BLE001 - an odd factory just leaves the field alone
                    continue
    try:
        parameters = inspect.signature(config_class.__init__).parameters.values()
    except (TypeError, ValueError):
        parameters = ()  # type: ignore[assignment]
    for parameter in parameters:
        if parameter.default is not inspect.Parameter.empty:
            defaults.setdefault(parameter.name, parameter.default)
    return defaults


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


FILL_NONE = frozenset({"vocab_size", "head_dim"})  # also set when their default is None (else some builds fail)
DEPTH = frozenset(name for name, value in SHRINK.items() if value == 1)

# Config profiles tried in order for each model class, until one builds: everything shrunk; widths shrunk but
# depth and vocabulary left alone (layer-type lists and special token ids must stay consistent); the default
# config built on the meta device (no memory, no init cost; only code that needs real data fails there).
PROFILES: tuple[tuple[str, frozenset[str], bool], ...] = (
    ("tiny", frozenset(SHRINK), False),
    ("narrow", frozenset(SHRINK) - DEPTH - {"vocab_size", "max_position_embeddings"}, False),
    ("default-meta", frozenset(), True),
)


def tiny_kwargs(config_class: type, shrink: frozenset[str] = frozenset(SHRINK), depth: int = 0) -> dict[str, Any]:
    """Constructor kwargs that shrink the ``shrink`` attributes of ``config_class`` and of its sub-configs."""
    if not shrink:
        return {}
    defaults = _field_defaults(config_class)
    kwargs: dict[str, Any] = {}
    for name in shrink:
        default, target = defaults.get(name), SHRINK[name]
        if (_is_int(default) and default > target) or (default is None and name in FILL_NONE and name in defaults):
            kwargs[name] = target
    if "vocab_size" in kwargs:
        token_ids = [value for name, value in defaults.items() if _is_int(value) and name.endswith("_token_id")]
        kwargs["vocab_size"] = max([kwargs["vocab_size"], *(token_id + 1 for token_id in token_ids)])
    if depth < 3:
        kwargs.update(_sub_config_kwargs(config_class, defaults, shrink, depth))
    return kwargs


# Shrunk in a sub-config whose class is only known at run time (transformers 4's ``sub_configs = {key: AutoConfig}``).
GENERIC_SUB_SHRINK = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")


def _sub_config_kwargs(
    config_class: type, defaults: dict[str, Any], shrink: frozenset[str], depth: int
) -> dict[str, dict[str, Any]]:
    """Dicts of tiny kwargs for the sub-configs (text_config, vision_config, ...) of a composite config."""
    from transformers import PretrainedConfig

    kwargs: dict[str, dict[str, Any]] = {}
    specs = getattr(config_class, "sub_configs_defaults", None)
    if specs:  # transformers 5
        for key, spec in specs.items():
            if key == "backbone_config" or (defaults.get(key) is None and getattr(spec, "optional", False)):
                continue
            sub_class = _sub_config_class(spec)
            if sub_class is None:
                continue
            sub_kwargs = dict(getattr(spec, "init_kwargs", {}) or {})
            sub_kwargs.update(tiny_kwargs(sub_class, shrink, depth + 1))
            for name in shrink:  # the spec's own defaults may be large too
                if _is_int(sub_kwargs.get(name)) and sub_kwargs[name] > SHRINK[name] and name != "vocab_size":
                    sub_kwargs[name] = SHRINK[name]
            kwargs[key] = sub_kwargs
        return kwargs
    sub_configs = getattr(config_class, "sub_configs", None)
    if not isinstance(sub_configs, dict):
        return kwargs
    for key, sub_class in sub_configs.items():  # transformers 4
        if key == "backbone_config":
            continue
        if isinstance(sub_class, type) and issubclass(sub_class, PretrainedConfig):
            kwargs[key] = tiny_kwargs(sub_class, shrink, depth + 1)
        else:  # AutoConfig: the composite config picks the model type
            kwargs[key] = {name: SHRINK[name] for name in GENERIC_SUB_SHRINK if name in shrink}
    return kwargs


def _sub_config_class(spec: Any) -> Optional[type]:
    from transformers import CONFIG_MAPPING, PretrainedConfig

    config_class = getattr(spec, "config_class", None)
    if isinstance(config_class, type) and issubclass(config_class, PretrainedConfig):
        return config_class
    model_type = getattr(spec, "model_type", None)
    if model_type and model_type in CONFIG_MAPPING:
        return CONFIG_MAPPING[model_type]  # type: ignore[no-any-return]
    return None


# Head mappings tried, in this order, for the one head variant built next to the base model.
HEAD_MAPPINGS = (
    "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",
    "MODEL_FOR_MULTIMODAL_LM_MAPPING_NAMES",
    "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES",
    "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
    "MODEL_FOR_PRETRAINING_MAPPING_NAMES",
    "MODEL_FOR_CTC_MAPPING_NAMES",
    "MODEL_FOR_OBJECT_DETECTION_MAPPING_NAMES",
    "MODEL_FOR_UNIVERSAL_SEGMENTATION_MAPPING_NAMES",
    "MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES",
    "MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
    "MODEL_FOR_TIME_SERIES_PREDICTION_MAPPING_NAMES",
    "MODEL_FOR_TEXT_TO_WAVEFORM_MAPPING_NAMES",
    "MODEL_FOR_TEXT_TO_SPECTROGRAM_MAPPING_NAMES",
)


def _class_names(model_type: str, heads: int) -> list[str]:
    from transformers.models.auto import modeling_auto

    def names(mapping: str) -> list[str]:
        value = getattr(modeling_auto, mapping, {}).get(model_type)
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)[:1]

    chosen = names("MODEL_MAPPING_NAMES")
    extra = 0
    for mapping in HEAD_MAPPINGS:
        for name in names(mapping):
            if extra < heads and name not in chosen:
                chosen.append(name)
                extra += 1
    return chosen


def _model_class(model_type: str, class_name: str) -> type:
    import importlib

    import transformers
    from transformers.models.auto.configuration_auto import model_type_to_module_name

    module = importlib.import_module(f".{model_type_to_module_name(model_type)}", "transformers.models")
    cls = getattr(module, class_name, None)
    if cls is None:  # some types keep their classes in another model's module
        cls = getattr(transformers, class_name)
    return cls  # type: ignore[no-any-return]


def _sub_model_class_names(model_type: str, config_class: type) -> list[str]:
    """For a type with no auto mapping (a sub-config of a composite model), the classes built from its config."""
    import importlib

    from transformers import PreTrainedModel
    from transformers.models.auto.configuration_auto import model_type_to_module_name

    package = importlib.import_module(f".{model_type_to_module_name(model_type)}", "transformers.models")
    modules = getattr(package, "_class_to_module", {}).values()
    submodules = sorted({name for name in modules if name.startswith("modeling")})
    names = [
        name
        for submodule in submodules
        for name, value in vars(importlib.import_module(f"{package.__name__}.{submodule}")).items()
        if isinstance(value, type) and issubclass(value, PreTrainedModel)
        and getattr(value, "config_class", None) is config_class
    ]
    names.sort(key=lambda name: (not name.endswith("Model"), len(name), name))
    return names[:1]


# ``--types sample``: 69 widely used model types (text, vision, audio, multimodal), the oracle's benchmark slice.
SAMPLE_TYPES = (
    "albert bart bert bloom clip deberta distilbert electra falcon gemma gpt2 gpt_neo gpt_neox gptj llama mistral "
    "mixtral mpt opt phi qwen2 roberta t5 vit whisper wav2vec2 swin convnext detr blip mamba mobilebert xlnet "
    "longformer reformer funnel led pegasus marian mbart m2m_100 big_bird canine clap encodec esm flava git "
    "groupvit layoutlmv3 megatron_bert mobilevit nllb_moe owlvit perceiver pix2struct rembert segformer speecht5 "
    "squeezebert trocr tvp udop videomae vilt visual_bert yolos yoso zoedepth"
).split()


def model_types() -> list[str]:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return sorted(CONFIG_MAPPING_NAMES)


def prepare() -> None:
    """Quiet transformers and import what every build needs before any time limit runs."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    import transformers.modeling_utils  # noqa: F401
    import transformers.models.auto.modeling_auto  # noqa: F401


def specs(model_type: str, heads: int) -> list[Spec]:
    """One spec per class built for ``model_type``; an import failure is a spec with an error and no attempt."""
    from transformers import CONFIG_MAPPING

    prepare()
    config_class = CONFIG_MAPPING[model_type]
    class_names = _class_names(model_type, heads) or _sub_model_class_names(model_type, config_class)
    if not class_names:
        return [Spec(f"{model_type}:?", error="no model class for this config")]
    result = []
    for class_name in class_names:
        try:  # imported outside the time limit: an import cut short would break the worker for later builds
            model_class = _model_class(model_type, class_name)
        except Exception as error:  # noqa: BLE001 - e.g. an optional dependency the module needs is missing
            result.append(Spec(f"{model_type}:{class_name}", error=f"import: {short_error(error)}"))
            continue
        spec = Spec(f"{model_type}:{class_name}")
        for profile, shrink, on_meta in PROFILES:
            device = "meta" if on_meta else "cpu"
            spec.attempts.append(Attempt(profile, device, _factory(config_class, model_class, shrink)))
        result.append(spec)
    return result


def _factory(config_class: type, model_class: type, shrink: frozenset[str]) -> Any:
    def build() -> Any:
        config = config_class(**tiny_kwargs(config_class, shrink))
        if hasattr(model_class, "_from_config"):
            return model_class._from_config(config)
        return model_class(config)

    return build
