from tests.inference.conftest import publish, verdicts  # noqa: F401  (the same tiny models and scanner stand-in)
