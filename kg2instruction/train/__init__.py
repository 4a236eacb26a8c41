"""Fine-tuning extraction models on the instruction data: LoRA on the CPU, QLoRA on CUDA.

`trainer.train_adapter` is what `kg2i train` runs. The pieces: `config` (YAML hyper-parameters),
`data` (instruction files and splits), `template` (prompts shared with prediction), `encoding`
(tokens, loss on the answer only), `models` (packaged models, local paths, hub ids), `kbit` (4-bit
preparation and the bitsandbytes CPU trap), `fit` and `checkpoints` (transformers `Trainer`:
optimisation, loss curve, resume), `card` (the adapter's provenance).

Preference tuning on top of an SFT adapter: `feedback` samples the adapter on its training
instructions and scores every answer (resumable), `preference` turns the scores into online and
offline pairs (ADELIE's IEFeedback), `pairs` reads pair files, `dpo_config` and `dpo` continue the
adapter with TRL's `DPOTrainer` (`kg2i train --method dpo`).
"""
