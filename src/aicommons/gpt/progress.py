"""A Rich progress bar for training: completion, step, loss, tokens per second and ETA."""

from __future__ import annotations

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

RESOLUTION = 10_000  # the bar tracks the fraction of training done, in these many parts


class TrainingProgress:
    def __init__(self, enabled: bool, done: float):
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("step {task.fields[step]}"),
            TextColumn("loss {task.fields[loss]:.4f}"),
            TextColumn("{task.fields[speed]:,.0f} tok/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            disable=not enabled,
        )
        self._task = self._progress.add_task(
            "training", total=RESOLUTION, completed=done * RESOLUTION, step=0, loss=float("nan"), speed=0.0
        )

    def __enter__(self) -> "TrainingProgress":
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def update(self, done: float, step: int, loss: float, speed: float) -> None:
        self._progress.update(self._task, completed=done * RESOLUTION, step=step, loss=loss, speed=speed)

    def note(self, message: str) -> None:
        if self.enabled:
            self._progress.console.print(message)
