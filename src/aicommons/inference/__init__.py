"""Running models on the hub: text generation (streamed), fill-mask, feature extraction, sentence similarity,
text classification and tabular prediction. Only files the security scanner marked safe, and only safetensors
and skops weights, are ever loaded. Models load lazily into a memory-bounded cache; work runs in a bounded
thread pool behind a bounded queue, with per-request limits."""
