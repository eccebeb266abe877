"""Decode speed through the hub's inference API against calling the same model directly in-process, and
throughput with concurrent clients.

Run: python bench/bench_inference.py [--layers 6] [--width 384] [--new-tokens 128] [--clients 8]

The model: a GPT-2 architecture with random weights and a byte-level BPE tokenizer trained on the standard
library's source (about 12M parameters at the defaults, the size of nanoGPT's shakespeare_char model), published
to a fresh hub in a temporary folder. The server runs in its own process (uvicorn, the hub's app), so client
work does not share its interpreter.

Timed, greedy decoding, prompt of about 10 tokens:
- anchor: ``model.generate`` in this process, decode tokens/s from the first new token to the last, with the
  same torch threads one server worker gets (cores / workers); anchor and API runs alternate;
- API, one client: ``POST /api/models/{id}/infer`` with ``stream: true``; decode tokens/s from the first
  server-sent token to the last, as the client sees them;
- the overhead ratio API / anchor;
- throughput: total generated tokens / wall time for 1 client in a row, and for N concurrent streaming clients.

The bench trusts the files it has just written itself (the scanner's verdicts are stood in for by "safe" for
this hub's blobs): it measures serving, not scanning.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

PROMPT = "def read_config(path):\n    "


def corpus() -> list[str]:
    """Source files of the standard library: text every Python has, and real code for a tokenizer to learn."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [p.read_text("utf-8", "replace") for p in sorted(stdlib.glob("*.py"))[:60]]


def build_model(folder: Path, layers: int, width: int, heads: int, vocab: int) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus(), trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<|endoftext|>"],
                                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>",
                                        bos_token="<|endoftext|>")
    torch.manual_seed(0)
    config = GPT2Config(n_layer=layers, n_embd=width, n_head=heads, n_positions=1024, vocab_size=len(tokenizer),
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def publish(data_dir: Path, folder: Path) -> tuple[str, str]:
    """A hub with user 'bench' holding the model; returns (repo id, token)."""
    from aicommons.accounts.service import create_token, create_user
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.repos.commit import AddFile, commit
    from aicommons.repos.manage import create_repo
    from aicommons.repos.names import RepoType
    from aicommons.repos.objects import Signature
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(data_dir)))
    with hub.db.write() as session:
        user = create_user(session, "bench", "bench-password-1")
        token, _ = create_token(session, user, "write", "bench")
    from aicommons.accounts.service import principal_for_user

    with hub.db.read() as session:
        principal = principal_for_user(session, user)
    repo = create_repo(hub, principal, RepoType.MODEL, "bench/gpt")
    commit(hub, repo, [AddFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()],
           author=Signature("bench", "bench@example.org"), message="bench model")
    hub.close()
    return "bench/gpt", token


def serve(data_dir: str, port: int) -> None:
    """The server process: the hub's app on loopback, trusting the blobs this bench wrote (see the docstring)."""
    import uvicorn

    from aicommons.api.app import create_app
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.inference import safety
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(data_dir)))
    written_here = set(hub.blobs.all_sha256())
    safety.scan_verdict = lambda _hub, sha256: "safe" if sha256 in written_here else None
    uvicorn.run(create_app(hub), host="127.0.0.1", port=port, log_level="warning")


class Clock:
    """A generate() streamer that notes when each new token arrives."""

    def __init__(self):
        self.times: list[float] = []
        self.prompt_seen = False

    def put(self, value) -> None:
        if self.prompt_seen:
            self.times.append(time.perf_counter())
        self.prompt_seen = True

    def end(self) -> None:
        pass


def direct_decoder(folder: Path, new_tokens: int, threads: int):
    """A function that runs one greedy generation in this process and returns its decode tokens/s."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = tokenizer(PROMPT, return_tensors="pt")["input_ids"]

    def run() -> float:
        clock = Clock()
        with torch.inference_mode():
            model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens, do_sample=False,
                           streamer=clock, pad_token_id=tokenizer.eos_token_id)
        return (len(clock.times) - 1) / (clock.times[-1] - clock.times[0])

    run()  # warm up
    return run


def stream_once(url: str, token: str, new_tokens: int) -> tuple[int, float, float]:
    """(generated tokens, decode seconds between first and last streamed text, whole request seconds)."""
    import httpx

    body = {"inputs": PROMPT, "stream": True, "parameters": {"max_new_tokens": new_tokens, "temperature": 0}}
    started = time.perf_counter()
    first = last = None
    details = None
    with httpx.stream("POST", url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            now = time.perf_counter()
            if "token" in event:
                first = first or now
                last = now
            elif "details" in event:
                details = event["details"]
            else:
                raise RuntimeError(event)
    return details["generated_tokens"], (last - first), time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(base: str, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server process exited")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2, help="Requests per concurrent client.")
    parser.add_argument("--repeat", type=int, default=5, help="Paired direct/API runs.")
    parser.add_argument("--workers", type=int, default=2, help="The server's inference workers.")
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    import httpx

    threads = max(1, (os.cpu_count() or 1) // args.workers)
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as tmp:
        folder = build_model(Path(tmp) / "model", args.layers, args.width, args.heads, args.vocab)
        parameters = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM
                         .from_pretrained(folder).parameters())
        repo, token = publish(Path(tmp) / "data", folder)
        port = free_port()
        env = {**os.environ, "AICOMMONS_INFERENCE_WORKERS": str(args.workers),
               "AICOMMONS_INFERENCE_QUEUE": str(max(16, args.clients * 2)), "AICOMMONS_JOBS": "external",
               "PYTHONPATH": str(SRC)}
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(Path(tmp) / "data"), str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base, server)
            url = f"{base}/api/models/{repo}/infer"
            print(f"model: GPT-2 architecture, {parameters / 1e6:.1f}M parameters, {args.new_tokens} new tokens, "
                  f"greedy; {os.cpu_count()} CPUs, {args.workers} server workers x {threads} torch threads")

            direct_once = direct_decoder(folder, args.new_tokens, threads)
            stream_once(url, token, args.new_tokens)  # loads the model into the server's cache
            rounds = []  # direct and API runs alternate, so a change in machine load touches both alike
            for _ in range(args.repeat):
                direct = direct_once()
                generated, seconds, _ = stream_once(url, token, args.new_tokens)
                rounds.append((direct, (generated - 1) / seconds))
            direct = statistics.median(d for d, _ in rounds)
            api = statistics.median(a for _, a in rounds)
            ratio = statistics.median(a / d for d, a in rounds)
            print(f"decode tokens/s, direct model.generate (anchor):  {direct:8.1f}")
            print(f"decode tokens/s, through the API (SSE stream):    {api:8.1f}")
            print(f"overhead ratio API / direct (median of {args.repeat} paired runs): {ratio:6.3f}")

            started = time.perf_counter()
            sequential = [stream_once(url, token, args.new_tokens) for _ in range(args.requests)]
            one_client = sum(n for n, _, _ in sequential) / (time.perf_counter() - started)

            results: list = []

            def client() -> None:
                for _ in range(args.requests):
                    results.append(stream_once(url, token, args.new_tokens))

            started = time.perf_counter()
            pool = [threading.Thread(target=client) for _ in range(args.clients)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            wall = time.perf_counter() - started
            concurrent = sum(n for n, _, _ in results) / wall
            latencies = sorted(seconds for _, _, seconds in results)
            print(f"throughput tokens/s, 1 client:                    {one_client:8.1f}")
            print(f"throughput tokens/s, {args.clients} concurrent clients:         {concurrent:8.1f} "
                  f"(ratio {concurrent / one_client:.2f}; request latency p50 "
                  f"{statistics.median(latencies):.2f} s, max {latencies[-1]:.2f} s)")
            stats = httpx.get(f"{base}/api/inference/stats", headers={"Authorization": f"Bearer {token}"}).json()
            model = stats["models"][0]
            print(f"server stats: {model['requests']} requests, {model['errors']} errors, "
                  f"{model['rejected']} rejected, latency p50/p95/p99 "
                  + "/".join(f"{v:.2f}" for v in model["latency_seconds"].values())
                  + f" s, decode {model['tokens_per_second']:.1f} tokens/s")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
