"""A compact GPT to read, train on a CPU, and publish: see docs/gpt-tutorial.md.

Self-contained: nothing here imports the rest of AI Commons. Entry points:
`pipeline.run` (what `aicommons train` does), `export.load_model` + `sampler.stream`
(what `aicommons generate` does), `hub.publish`, and `provenance.PROVENANCE_FILE`,
the training record stored beside exported weights.
"""
