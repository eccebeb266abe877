"""Streaming a request body into blocking storage code without holding it in memory.

The event loop receives the body and hands it over in batches of a few MiB (lists of the pieces as
received, never joined into a copy) to a worker thread that hashes and writes them, so receiving,
hashing and writing overlap. When the consumer fails (a size or
hash mismatch), receiving stops at once.
"""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import Request
from starlette.requests import ClientDisconnect

T = TypeVar("T")
BATCH_BYTES = 4 * 1024 * 1024
QUEUED_BATCHES = 4


async def consume_body(request: Request, consume: Callable[[Iterator[bytes]], T]) -> T:
    """Run ``consume(chunks)`` in a worker thread while the body streams in; returns what it returns."""
    send, receive = anyio.create_memory_object_stream[list[bytes]](QUEUED_BATCHES)

    async def produce() -> None:
        async with send:
            batch: list[bytes] = []
            batched = 0
            try:
                async for piece in request.stream():
                    batch.append(piece)
                    batched += len(piece)
                    if batched >= BATCH_BYTES:
                        await send.send(batch)
                        batch, batched = [], 0
                if batch:
                    await send.send(batch)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # the consumer stopped early; its error is the answer
            except ClientDisconnect:
                pass  # the body ends short, and the consumer reports the missing bytes

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                yield from anyio.from_thread.run(receive.receive)
            except anyio.EndOfStream:
                return

    def run() -> T:
        try:
            return consume(chunks())
        finally:
            anyio.from_thread.run_sync(receive.close)

    failure: BaseException | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(produce)
        try:
            result = await anyio.to_thread.run_sync(run)
        except Exception as error:  # re-raised as itself, not wrapped in an exception group
            failure = error
            group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return result
