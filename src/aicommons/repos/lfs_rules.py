"""Which files are stored as LFS (large or binary) files, decided the way the Hub decides."""

from __future__ import annotations

from fnmatch import fnmatchcase

LFS_SIZE_THRESHOLD = 10 * 1024 * 1024

# the .gitattributes a new repo starts with; facts about common weight and data formats
DEFAULT_LFS_PATTERNS = (
    "*.7z *.arrow *.bin *.bz2 *.ckpt *.ftz *.gguf *.gz *.h5 *.joblib *.lfs.* *.mlmodel *.model *.msgpack "
    "*.npy *.npz *.onnx *.ot *.parquet *.pb *.pickle *.pkl *.pt *.pth *.rar *.safetensors *.skops "
    "*.tar *.tflite *.tgz *.wasm *.xz *.zip *.zst *tfevents*"
).split()


def default_gitattributes() -> bytes:
    return "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in DEFAULT_LFS_PATTERNS).encode()


def lfs_patterns(gitattributes: bytes | None) -> list[str]:
    patterns = []
    for line in (gitattributes or b"").decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) > 1 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            patterns.append(parts[0])
    return patterns


def matches_lfs_pattern(path: str, patterns: list[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    for pattern in patterns:
        # a pattern without '/' matches the file name at any depth, as in git
        target = path if "/" in pattern.strip("/") else name
        if fnmatchcase(target, pattern.strip("/")):
            return True
    return False


def should_use_lfs(path: str, size: int, sample: bytes, patterns: list[str]) -> bool:
    return size >= LFS_SIZE_THRESHOLD or b"\0" in sample[:512] or matches_lfs_pattern(path, patterns)
