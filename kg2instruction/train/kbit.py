"""Making a (possibly 4-bit) model trainable, safe against bitsandbytes' CPU inference packing.

The trap (bitsandbytes 0.50): on a CPU with AVX512-BF16, the first forward of a `Linear4bit` layer
in eval mode without gradients (any `generate`, any `torch.no_grad()` scoring) repacks its weight
into a CPU inference layout in place. The packed layout has no backward, so a LoRA adapter trained
afterwards in the same process receives no gradient at all, silently: the loss stays flat. Calling
`prepare_model_for_kbit_training` afterwards does not undo it. `restore_trainable_4bit_weights`
converts packed weights back (bitsandbytes' own inverse, which it also uses before saving or moving
a weight); `prepare_for_training` calls it first, so predict-then-train in one process is safe.
"""
from __future__ import annotations

import torch


def restore_trainable_4bit_weights(model: torch.nn.Module) -> int:
    """Undo bitsandbytes' CPU inference packing on every 4-bit layer; returns how many it undid."""
    try:
        from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse
        from bitsandbytes.nn import Linear4bit
    except ImportError:  # no bitsandbytes: no 4-bit layers either
        return 0
    restored = 0
    for module in model.modules():
        if not isinstance(module, Linear4bit):
            continue
        state = getattr(module.weight, "quant_state", None)
        if state is not None and getattr(state, "packing_format_for_cpu", False):
            module.weight.data, module.weight.quant_state = _convert_weight_packed_for_cpu_inverse(
                module.weight.data, state)
            module.quant_state = module.weight.quant_state
            restored += 1
    return restored


def is_4bit(model: torch.nn.Module) -> bool:
    return bool(getattr(model, "is_loaded_in_4bit", False))


def prepare_for_training(model: torch.nn.Module, *,
                         gradient_checkpointing: bool) -> torch.nn.Module:
    """The model ready for adapter training: packed weights undone, k-bit preparation, train mode."""
    restore_trainable_4bit_weights(model)
    if is_4bit(model):
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    return model
