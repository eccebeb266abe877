"""Training and decoding speed of the compact GPT against `transformers` on the same machine.

Run: python bench/bench_gpt.py [--preset tiny] [--threads 2] [--rounds 25]

Both sides get the same weights (the compact GPT's export, loaded by
`AutoModelForCausalLM` as `LlamaForCausalLM`), the same thread count and the same batches.

- Training, tokens/s: this trainer's `Trainer.train_step` (the sliced output-layer loss,
  fused AdamW, the precision it picks) against `LlamaForCausalLM` in a plain PyTorch loop
  with the same optimizer, gradient accumulation, clipping and precision.
- Decoding, tokens/s: `generate_tokens` with the KV cache against `model.generate` (cache on)
  from a 16-token prompt, greedy, a fixed number of new tokens; the two must produce the
  same tokens.

Many short rounds alternate between the two sides. Other processes on a shared machine can
only slow a round down, never speed it up, so the headline figure of each side is its best
round (as `timeit` advises) and the ratio compares best rounds; medians are printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from aicommons.gpt.data import prepare_data  # noqa: E402
from aicommons.gpt.distributed import Runtime  # noqa: E402
from aicommons.gpt.export import save_model  # noqa: E402
from aicommons.gpt.presets import get_preset  # noqa: E402
from aicommons.gpt.sampler import SamplingConfig, generate_tokens  # noqa: E402
from aicommons.gpt.sources import stdlib_source  # noqa: E402
from aicommons.gpt.trainer import Trainer  # noqa: E402


def timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def report(name: str, ours: list[float], theirs: list[float], unit: str) -> float:
    """Print best and median rates of both sides; return the ratio of best rates."""
    ratio = max(ours) / max(theirs)
    print(
        f"{name:<9} aicommons.gpt {max(ours):>8,.0f} {unit}   transformers {max(theirs):>8,.0f} {unit}   "
        f"ratio {ratio:.2f}x   (medians {statistics.median(ours):,.0f} and {statistics.median(theirs):,.0f}, "
        f"ratio {statistics.median(ours) / statistics.median(theirs):.2f}x)"
    )
    return ratio


def bench_training(trainer: Trainer, hf, rounds: int, steps: int) -> float:
    cfg = trainer.config
    hf_opt = torch.optim.AdamW(
        [
            {"params": [p for p in hf.parameters() if p.dim() >= 2], "weight_decay": cfg.weight_decay},
            {"params": [p for p in hf.parameters() if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=cfg.lr,
        betas=(cfg.beta1, cfg.beta2),
        fused=True,
    )
    autocast = (
        (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if trainer.precision == "bf16" else contextlib.nullcontext
    )
    hf_step_no = [0]

    def hf_step() -> None:
        """The textbook loop: logits, cross-entropy, backward, clip, AdamW."""
        micro = trainer.micro_batch
        first = hf_step_no[0] * micro * trainer.accumulation
        for m in range(trainer.accumulation):
            x, y = trainer.sampler.batch(first + m * micro, micro)
            with autocast():
                logits = hf(input_ids=x).logits
            loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), y.reshape(-1)) / trainer.accumulation
            loss.backward()
        torch.nn.utils.clip_grad_norm_(hf.parameters(), cfg.grad_clip)
        hf_opt.step()
        hf_opt.zero_grad(set_to_none=True)
        hf_step_no[0] += 1

    def our_step() -> None:
        trainer.train_step()
        trainer.state.step += 1

    for fn in (our_step, hf_step):  # warm up allocators and kernels
        timed(fn, 2)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(cfg.batch_tokens / timed(our_step, steps))
        theirs.append(cfg.batch_tokens / timed(hf_step, steps))
    print(
        f"training: {cfg.batch_tokens} tokens/step ({trainer.accumulation} x {trainer.micro_batch} x {cfg.seq_len}), "
        f"{trainer.precision}, {steps} steps per round"
    )
    return report("training", ours, theirs, "tok/s")


def bench_decoding(model, hf, rounds: int, prompt_len: int, new_tokens: int) -> float:
    model.eval()
    hf.eval()
    prompt = torch.randint(1, model.config.vocab_size, (1, prompt_len), generator=torch.Generator().manual_seed(0))
    config = SamplingConfig(max_new_tokens=new_tokens, temperature=0)
    ours_out = list(generate_tokens(model, prompt[0].tolist(), config))
    hf_kwargs = dict(
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        use_cache=True,
        eos_token_id=None,
        pad_token_id=0,
    )
    with torch.inference_mode():
        hf_out = hf.generate(prompt, **hf_kwargs)[0]
        # Untrained weights give near-ties, so the two greedy paths may part at a tie; check instead
        # that every token transformers chose is (within float error) a greedy choice of our model.
        logits = model(hf_out[None, :-1])[0, prompt_len - 1 :]
    chosen = logits.gather(1, hf_out[prompt_len:, None]).squeeze(1)
    if (logits.max(-1).values - chosen).max() > 1e-4 or len(ours_out) != len(hf_out) - prompt_len:
        raise SystemExit("decoding differs between aicommons.gpt and transformers: not the same computation")

    def ours_run() -> None:
        for _ in generate_tokens(model, prompt[0].tolist(), config):
            pass

    def hf_run() -> None:
        with torch.inference_mode():
            hf.generate(prompt, **hf_kwargs)

    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(new_tokens / timed(ours_run, 1))
        theirs.append(new_tokens / timed(hf_run, 1))
    print(
        f"decoding: greedy, batch 1, {prompt_len}-token prompt, {new_tokens} new tokens, KV cache on both sides, fp32"
    )
    return report("decoding", ours, theirs, "tok/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--steps", type=int, default=1, help="training steps per round")
    parser.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from transformers import AutoModelForCausalLM

    preset = get_preset(args.preset)
    model_config = preset.model_config()
    data = prepare_data([stdlib_source()], vocab_size=model_config.vocab_size)
    train_config = preset.train_config(model_config, precision=args.precision, device="cpu")
    trainer = Trainer(
        model_config, train_config, data, tempfile.mkdtemp(), Runtime(0, 1, torch.device("cpu")), show_progress=False
    )

    def transformers_twin():
        """`transformers`' LlamaForCausalLM with the weights our model has now."""
        with tempfile.TemporaryDirectory() as export:
            save_model(trainer.model, data.tokenizer, export)
            return AutoModelForCausalLM.from_pretrained(export)

    print(
        f"preset {preset.name}: {trainer.model.num_parameters():,} parameters, "
        f"{model_config.num_hidden_layers} layers, width {model_config.hidden_size}, "
        f"vocabulary {model_config.vocab_size}, context {model_config.max_position_embeddings}"
    )
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}")
    train_ratio = bench_training(trainer, transformers_twin(), args.rounds, args.steps)
    # Each side trained its own copy: decode from one set of weights again.
    new_tokens = model_config.max_position_embeddings - 16
    decode_ratio = bench_decoding(trainer.model, transformers_twin(), args.rounds, 16, new_tokens)
    print(
        f"targets: training >= 1.0x ({'met' if train_ratio >= 1.0 else 'MISSED'}), "
        f"decoding >= 2.0x ({'met' if decode_ratio >= 2.0 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
