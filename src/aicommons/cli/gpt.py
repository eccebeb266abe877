"""`aicommons train` and `aicommons generate`: the compact GPT from the command line."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

EndpointOption = Annotated[
    Optional[str], typer.Option(help="Hub URL (default: $HF_ENDPOINT, else huggingface.co).", envvar="HF_ENDPOINT")
]
TokenOption = Annotated[Optional[str], typer.Option(help="Hub access token (default: $HF_TOKEN).", envvar="HF_TOKEN")]


def train(
    data: Annotated[
        Optional[list[str]],
        typer.Option(
            help="Text file, folder, glob, or hub dataset id owner/name (optionally @revision); repeatable. "
            "Default: the Python standard library's source."
        ),
    ] = None,
    preset: Annotated[str, typer.Option(help="tiny (minutes on a CPU), small (tens of minutes), gpt2 (GPU).")] = "tiny",
    depth: Annotated[
        Optional[int], typer.Option(help="Override the preset's depth; width, heads and the rest follow.")
    ] = None,
    init_from: Annotated[
        Optional[str], typer.Option(help="Fine-tune an exported model: a folder or hub repo id.")
    ] = None,
    max_seconds: Annotated[
        Optional[float], typer.Option(help="Wall-clock budget; the schedule fits itself to it.")
    ] = None,
    max_steps: Annotated[Optional[int], typer.Option(help="Override the preset's number of optimizer steps.")] = None,
    out: Annotated[str, typer.Option(help="Run folder: checkpoint, metrics, and the export in OUT/model.")] = "out/gpt",
    resume: Annotated[bool, typer.Option(help="Continue the run whose checkpoint is in --out.")] = False,
    seed: Annotated[Optional[int], typer.Option(help="Random seed for weights and data order.")] = None,
    device: Annotated[Optional[str], typer.Option(help="cpu, cuda, cuda:1... (default: CUDA when available).")] = None,
    precision: Annotated[Optional[str], typer.Option(help="auto, bf16 or fp32.")] = None,
    compile: Annotated[
        Optional[bool], typer.Option("--compile/--no-compile", help="torch.compile (default: on CUDA).")
    ] = None,
    threads: Annotated[Optional[int], typer.Option(help="CPU threads per process (default: PyTorch's choice).")] = None,
    push: Annotated[Optional[str], typer.Option(help="Publish the export to this hub model repo (owner/name).")] = None,
    license: Annotated[str, typer.Option(help="Licence id for the model card (SPDX or hub id).")] = "apache-2.0",
    private: Annotated[bool, typer.Option(help="Create the pushed repo as private.")] = False,
    endpoint: EndpointOption = None,
    token: TokenOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Train (or fine-tune) a compact GPT, export it in Hugging Face format, optionally publish it."""
    from aicommons.gpt.pipeline import RunRequest, run

    _set_threads(threads)
    request = RunRequest(
        data=data or [],
        preset=preset,
        depth=depth,
        init_from=init_from,
        out=out,
        resume=resume,
        max_seconds=max_seconds,
        max_steps=max_steps,
        seed=seed,
        device=device,
        precision=precision,
        compile=compile,
        push=push,
        license=license,
        private=private,
        endpoint=endpoint,
        token=token,
        show_progress=progress,
    )
    try:
        summary = run(request)
    except (ValueError, FileNotFoundError) as error:
        raise typer.BadParameter(str(error)) from error
    if summary is None:  # another process of a torchrun job: rank 0 reports
        return
    evaluation = summary.result.evaluation
    typer.echo(
        f"{summary.result.steps} steps, {summary.result.tokens:,} tokens in {summary.result.elapsed:.0f} s: "
        f"validation loss {evaluation.loss:.4f}, {evaluation.bits_per_byte:.4f} bits per byte"
    )
    typer.echo(f"exported to {summary.export_dir}")
    if summary.commit:
        typer.echo(f"published {push} at commit {summary.commit}")


def generate(
    model: Annotated[str, typer.Argument(help="Export folder, or hub repo id owner/name (optionally @revision).")],
    prompt: Annotated[str, typer.Option(help="Text to continue.")] = "",
    max_new_tokens: Annotated[int, typer.Option(help="Most tokens to add.")] = 256,
    temperature: Annotated[float, typer.Option(help="0 is greedy; higher is more random.")] = 0.8,
    top_k: Annotated[Optional[int], typer.Option(help="Sample among the k most likely tokens.")] = 50,
    top_p: Annotated[
        Optional[float], typer.Option(help="Sample among the most likely tokens covering this probability.")
    ] = None,
    stop: Annotated[Optional[list[str]], typer.Option(help="Stop before this text; repeatable.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed, for repeatable samples.")] = None,
    device: Annotated[Optional[str], typer.Option(help="cpu or cuda (default: CUDA when available).")] = None,
    threads: Annotated[Optional[int], typer.Option(help="CPU threads (default: PyTorch's choice).")] = None,
    endpoint: EndpointOption = None,
    token: TokenOption = None,
) -> None:
    """Continue a prompt with a trained model, printing text as it is generated."""
    from aicommons.gpt.distributed import pick_device
    from aicommons.gpt.export import load_model
    from aicommons.gpt.hub import locate_model
    from aicommons.gpt.sampler import SamplingConfig, stream

    _set_threads(threads)
    try:
        config = SamplingConfig(
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            stop=tuple(stop or ()),
            seed=seed,
        )
        location = locate_model(model, endpoint=endpoint, token=token)
        gpt, tokenizer = load_model(location.path, pick_device(device))
        sys.stdout.write(prompt)
        for piece in stream(gpt, tokenizer, prompt, config):
            sys.stdout.write(piece)
            sys.stdout.flush()
    except (ValueError, FileNotFoundError) as error:
        raise typer.BadParameter(str(error)) from error
    sys.stdout.write("\n")


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)
