"""Watching models run: per-model request counts, errors, rejections, latency percentiles and tokens per second,
as JSON, as a page and in Prometheus format. Only models the viewer may see are shown to them."""
