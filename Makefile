# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates .venv with the interpreter below and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := $(VENV)/.installed-dev
LAB    := $(VENV)/.installed-lab
BENCH  := $(VENV)/.installed-bench
OUT    ?= demo-output

.PHONY: demo test lint lab bench clean-venv

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "custclean needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(LAB): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	touch $@

$(BENCH): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $@

demo: $(DEV)
	$(BIN)/custclean demo --out $(OUT)

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lab: $(LAB)
	$(BIN)/jupyter lab notebooks/

# Each script exits 1 when it misses a goal; `-` lets the others still run and print.
bench: $(BENCH)
	-$(BIN)/python benchmarks/bench_read.py
	-$(BIN)/python benchmarks/bench_clean.py
	-$(BIN)/python benchmarks/bench_link.py

clean-venv:
	rm -rf $(VENV)
