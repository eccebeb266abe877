"""Openness grading: Model Openness Framework class and OSI Open Source AI Definition status."""

from .report import ComponentStatus, OpennessReport, openness

__all__ = ["ComponentStatus", "OpennessReport", "openness"]
