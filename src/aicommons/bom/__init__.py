"""AI bills of materials: CycloneDX 1.6 ML-BOM and SPDX 3.0.1 (AI and Dataset profiles)."""

from .cyclonedx import cyclonedx_bom
from .spdx import spdx_bom

__all__ = ["cyclonedx_bom", "spdx_bom"]
