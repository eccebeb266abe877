"""AI Commons: a self-hostable hub for open AI models and datasets."""

__version__ = "0.1.0"
