"""A small made-up corpus (Python-like functions with random names and numbers), so tests
need no download and copy no text from anywhere."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = "alpha beta gamma delta count total value index items result left right first last size name".split()


def make_corpus(folder: Path, files: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        functions = []
        for _ in range(rng.randint(4, 9)):
            a, b, c = rng.sample(WORDS, 3)
            functions.append(
                f"def {a}_{b}({a}, {b}):\n"
                f'    """Return the {c} of {a} and {b}."""\n'
                f"    {c} = {a} * {rng.randint(2, 99)} + {b}\n"
                f"    if {c} > {rng.randint(100, 999)}:\n"
                f"        return {c} - {a}\n"
                f"    return {c}\n"
            )
        (folder / f"module_{n:03d}.py").write_text("\n\n".join(functions), encoding="utf-8")
    return folder
