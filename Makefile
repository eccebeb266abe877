# Two commands on a fresh machine:  `make run` (hub with demo content) and `make test` (every test).
PY := .venv/bin/python
PORT ?= 8000
DATA ?= data

.PHONY: run test test-fast setup bench

run:
	scripts/setup.sh
	$(PY) -m aicommons demo --data-dir $(DATA)
	$(PY) -m aicommons serve --host 127.0.0.1 --port $(PORT) --data-dir $(DATA)

test:
	scripts/setup.sh --test
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-fast:
	$(PY) -m pytest -q -m "not slow and not browser" $(PYTEST_ARGS)

bench:
	scripts/setup.sh --test
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done
