"""Training: a resumed run follows the uninterrupted one exactly; two gloo processes follow
one process; schedules and checks behave."""

from __future__ import annotations

import json
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from aicommons.gpt.distributed import Runtime, start_runtime, stop_runtime
from aicommons.gpt.trainer import Trainer


def single_process() -> Runtime:
    return Runtime(0, 1, torch.device("cpu"))


def train_losses(out) -> list[tuple[int, float]]:
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["loss"]) for r in records if r["kind"] == "train"]


def test_resumed_run_repeats_the_uninterrupted_loss_curve(tmp_path, toy_config, toy_train, prepared):
    whole = Trainer(toy_config, toy_train, prepared, tmp_path / "whole", single_process(), show_progress=False)
    result = whole.train()

    first = Trainer(toy_config, toy_train, prepared, tmp_path / "split", single_process(), show_progress=False)
    first.train(stop_at_step=3)
    rng_at_checkpoint = torch.get_rng_state()
    del first  # a new process would start from nothing but the checkpoint
    torch.manual_seed(12345)  # disturb the global generator: resume must restore it
    second = Trainer(toy_config, toy_train, prepared, tmp_path / "split", single_process(), show_progress=False)
    second.resume()
    assert second.state.step == 3
    assert torch.equal(torch.get_rng_state(), rng_at_checkpoint)
    resumed = second.train()

    assert train_losses(tmp_path / "split") == train_losses(tmp_path / "whole")  # bit for bit
    assert len(train_losses(tmp_path / "whole")) == toy_train.max_steps
    assert resumed.evaluation == result.evaluation
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, second.model.state_dict()[name]), name


def test_training_lowers_the_loss_and_reports_bits_per_byte(tmp_path, toy_config, toy_train, prepared):
    trainer = Trainer(
        toy_config, toy_train.replace(max_steps=30), prepared, tmp_path, single_process(), show_progress=False
    )
    before = trainer.evaluate()
    after = trainer.train().evaluation
    assert after.loss < before.loss - 1.0
    # bits per byte = text nats / ln 2 / bytes; with ~2.5 bytes per token it sits well below loss / ln 2.
    assert 0 < after.bits_per_byte < after.loss / 0.693
    assert (tmp_path / "loss_curve.png").stat().st_size > 1000


def test_resume_refuses_a_different_run(tmp_path, toy_config, toy_train, prepared):
    Trainer(toy_config, toy_train, prepared, tmp_path, single_process(), show_progress=False).train(stop_at_step=2)
    other = Trainer(toy_config, toy_train.replace(lr=0.5), prepared, tmp_path, single_process(), show_progress=False)
    with pytest.raises(ValueError, match="lr"):
        other.resume()


def test_learning_rate_warms_up_then_cools_down(tmp_path, toy_config, toy_train, prepared):
    config = toy_train.replace(max_steps=100, warmup_steps=10, cooldown_frac=0.5, lr=1.0)
    trainer = Trainer(toy_config, config, prepared, tmp_path, single_process(), show_progress=False)
    rates = []
    for step in range(100):
        trainer.state.step = step
        rates.append(trainer.learning_rate())
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)
    assert rates[10:50] == [1.0] * 40
    assert rates[75] == pytest.approx(0.5) and rates[99] == pytest.approx(0.02)


def test_time_budget_ends_training(tmp_path, toy_config, toy_train, prepared):
    config = toy_train.replace(max_steps=10**6, max_seconds=1.5)
    result = Trainer(toy_config, config, prepared, tmp_path, single_process(), show_progress=False).train()
    assert 1.5 <= result.elapsed < 10 and result.steps < 10**6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, port: int, out: str, model_config, train_config, prepared) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2"
    )
    torch.set_num_threads(1)
    runtime = start_runtime("cpu")
    Trainer(model_config, train_config, prepared, out, runtime, show_progress=False).train()
    stop_runtime(runtime)


@pytest.mark.slow
def test_two_gloo_processes_match_one_process(tmp_path, toy_config, toy_train, prepared):
    """Same global batch: 1 process x 2 micro-batches == 2 processes x 1 micro-batch, averaged by DDP."""
    single = Trainer(toy_config, toy_train, prepared, tmp_path / "one", single_process(), show_progress=False)
    single.train()
    mp.spawn(_ddp_worker, args=(_free_port(), str(tmp_path / "two"), toy_config, toy_train, prepared), nprocs=2)

    one, two = train_losses(tmp_path / "one"), train_losses(tmp_path / "two")
    assert [s for s, _ in one] == [s for s, _ in two]
    assert [l for _, l in two] == pytest.approx([l for _, l in one], rel=1e-5)
    weights = torch.load(tmp_path / "two" / "checkpoint.pt", weights_only=True)["model"]
    for name, tensor in single.model.state_dict().items():
        assert torch.allclose(weights[name], tensor, atol=1e-5), name


def test_micro_batches_adapt_to_the_number_of_processes():
    from aicommons.gpt.presets import TrainConfig

    config = TrainConfig(seq_len=64, micro_batch=32, batch_tokens=2048 * 3)
    assert config.micro_steps(1) == (32, 3)  # 96 sequences: 3 passes of 32
    assert config.micro_steps(2) == (24, 2)  # 48 sequences each: the largest divisor up to 32 is 24
    with pytest.raises(ValueError, match="not a multiple"):
        TrainConfig(seq_len=64, batch_tokens=2048).micro_steps(3)
