"""Will it run on my machine? Parameter counts from weights-file headers (never the weights themselves) and
memory estimates from config.json: to run at fp32, bf16, int8 and int4 with a KV cache for a chosen context
and batch, and to fine-tune (full AdamW, LoRA, QLoRA), against common hardware and this server."""


def install(hub) -> None:
    """Read the weights headers of every new commit (a few kilobytes per file)."""
    from aicommons.resources.store import read_commit_headers

    if read_commit_headers not in hub.post_commit_hooks:
        hub.on_commit(read_commit_headers)
