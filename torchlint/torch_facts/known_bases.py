"""Base classes outside the file that make a class an ``nn.Module``."""

from __future__ import annotations

from torchlint.torch_facts.torch_api import is_nn_module_class

MODULE_CLASS_PATHS = frozenset({"torch.nn.Module", "torch.nn.modules.Module", "torch.nn.modules.module.Module"})
MODULE_BASES = frozenset(
    {
        "torch.nn.Module", "torch.nn.modules.Module", "torch.nn.modules.module.Module",
        "torch.jit.ScriptModule", "torch.jit._script.ScriptModule",
        # Third-party bases, known without installing those packages.
        "lightning.LightningModule", "lightning.pytorch.LightningModule",
        "lightning.pytorch.core.LightningModule", "lightning.pytorch.core.module.LightningModule",
        "pytorch_lightning.LightningModule", "pytorch_lightning.core.LightningModule",
        "pytorch_lightning.core.module.LightningModule", "pytorch_lightning.core.lightning.LightningModule",
        "transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel",
        "diffusers.ModelMixin", "diffusers.models.ModelMixin", "diffusers.models.modeling_utils.ModelMixin",
        "torchmetrics.Metric", "torchmetrics.metric.Metric",
    }
)
# Bases that override _apply to move their own plain tensors (TL001 does not apply to their subclasses).
SELF_MANAGING_BASES = frozenset({"torchmetrics.Metric", "torchmetrics.metric.Metric"})


def is_module_base(qualified: str, extra: frozenset[str] = frozenset()) -> bool:
    """True for ``torch.nn.Module`` under any of its public paths, torch.nn's own layer classes, and the
    project's own ``extend-module-bases``."""
    return qualified in MODULE_BASES or is_nn_module_class(qualified) or qualified in extra
