"""AI Commons: a self-hostable hub for open AI models and datasets."""
