"""Where a model could run: common devices (data/hardware.yaml) and the machine this hub runs on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

GIB = 1024**3
DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    kind: str  # "cpu" | "gpu"
    memory_bytes: int
    usable_bytes: int
    bandwidth_bytes_per_s: float | None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "memory_bytes": self.memory_bytes,
                "usable_bytes": self.usable_bytes}

    def decode_steps_per_s(self, bytes_per_step: int) -> float | None:
        """Upper bound on decode steps per second: each step reads the weights and the KV cache once."""
        if not self.bandwidth_bytes_per_s or bytes_per_step <= 0:
            return None
        return self.bandwidth_bytes_per_s / bytes_per_step


@cache
def common_devices() -> tuple[Device, ...]:
    with open(DATA / "hardware.yaml", encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["devices"]
    return tuple(Device(e["id"], e["name"], e["kind"], int(e["memory_gb"] * GIB),
                        int(e["memory_gb"] * GIB * e["usable"]), e["bandwidth_gbps"] * 1e9) for e in entries)


def this_server() -> Device:
    """This machine's memory: what it has, and what is free now (within a container's memory limit)."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    available = _meminfo_available() or total
    limit = _cgroup_limit()
    if limit is not None and limit < total:
        total, available = limit, min(available, limit)
    return Device("server", f"This server ({os.cpu_count()} CPUs)", "cpu", total, available, None)


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cgroup_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue
        if value.isdigit():
            return int(value)
    return None
