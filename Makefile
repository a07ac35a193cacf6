# The two commands a newcomer needs: `make report` and `make test`.
# Both create .venv on first use and install what they need from pyproject.toml, once: a
# report needs only the workbook's own dependencies; the tests add their extra (pytest,
# Playwright, Hypothesis, ruff, mypy); `make lab` adds JupyterLab. A stamp file in .venv
# records each install, remade when pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REPORT_STAMP := $(VENV)/.installed-report
TEST_STAMP := $(VENV)/.installed-test
LAB_STAMP := $(VENV)/.installed-lab
QUARTER ?= 2013-14-Q4

.PHONY: report test unit lint docs lab bench profile sample-data screenshots clean help

help:
	@echo "make report       run the sample quarter $(QUARTER) and print the files written"
	@echo "make test         run the whole test suite (unit, back-test, notebook)"
	@echo "make unit         the fast loop: every test that does not execute the notebook (a few minutes)"
	@echo "make lint         ruff, ruff format, mypy and nbQA, as pre-commit and CI run them"
	@echo "make docs         regenerate docs/data-contract.md from the contract (qa_lib/contract.py)"
	@echo "make lab          open JupyterLab at the project root with the notebook open"
	@echo "make bench        benchmarks as ratios against floors (bench/results.json)"
	@echo "make profile      pyinstrument profiles of a run and of 100,000 audits (bench/profiles/)"
	@echo "make sample-data  regenerate data/sample/ from scripts/make_sample_data.py"
	@echo "make screenshots  regenerate docs/screenshots/ (needs Debian's chromium)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(REPORT_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(REPORT_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(LAB_STAMP): pyproject.toml $(REPORT_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	touch $@

# The stamp earlier instructions named: everything the tests need.
$(VENV)/.installed: $(TEST_STAMP)
	touch $@

report: $(REPORT_STAMP)
	$(BIN)/qa-report run --quarter $(QUARTER) --params params/$(QUARTER).yaml

test: $(TEST_STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env

unit: $(TEST_STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check qa_lib tests bench scripts
	$(BIN)/ruff format --check qa_lib tests bench scripts
	$(BIN)/mypy
	$(BIN)/nbqa ruff notebooks

docs: $(REPORT_STAMP)
	$(BIN)/python -m qa_lib.contract --write-docs

# The server's root is the project, so the file browser reaches data/, params/ and outputs/
# (given only the notebook, JupyterLab would make notebooks/ its root).
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) --ServerApp.root_dir="$(CURDIR)" \
		notebooks/quarterly_report.ipynb

sample-data: $(REPORT_STAMP)
	$(BIN)/python scripts/make_sample_data.py

bench: $(REPORT_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Where the time goes: the command's own process (the kernel's work shows as waiting on it)
# and load, validate and compute at 100,000 audits.
profile: $(REPORT_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	mkdir -p bench/profiles
	$(BIN)/pyinstrument -r html -o bench/profiles/run.html -m qa_lib.cli run --quarter $(QUARTER) \
		--data-root data/sample --output-dir bench/profiles/outputs
	$(BIN)/python bench/make_scale_data.py --audits 100000 --format csv --out bench/profiles/scale
	$(BIN)/pyinstrument -r html -o bench/profiles/p3.html bench/p3_workload.py workbook bench/profiles/scale
	@echo "profiles written to bench/profiles/"

screenshots: report $(TEST_STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) outputs/[0-9]* outputs/.runs outputs/.*.lock outputs/index.html
