# fedad — one command per job. Everything sets itself up: the first target that needs Python
# creates .venv and installs the package (editable, with [dev]) under requirements/constraints.txt, with uv
# when it can be had, else pip (requirements/install.py; FEDAD_INSTALLER=pip forces pip).
#   make reproduce        quick profile of every figure + REPORT.md (PROFILE=full: converged, 3 seeds, every
#                         control; PROFILE=paper: the paper's hyper-parameters)
#   make test             the test suite
#   make data             every data set from its public source (or FEDAD_DATA_MIRROR), verified
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FEDAD := $(VENV)/bin/fedad
# the one profile knob: passed on as --profile (runs) and FEDAD_PROFILE (figures, report); fedad/settings.py
PROFILE ?= quick
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.fedad-installed
INSTALL := $(PY) requirements/install.py -c $(CONSTRAINTS)

.PHONY: help install test lint profile data data-check table1 fig4 detect fig5 fig5b fig6 fig10 fig7 fig7-measured fig8 ucr fig9 report reproduce bench syft-demo flower-sim flower-deploy tutorials clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): setup.py $(CONSTRAINTS) requirements/install.py
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(INSTALL) -e ".[dev]"
	@touch $(STAMP)

# The back-end extras (syft, Flower) install on top, only for the targets that use them.
$(VENV)/.fedad-%: $(STAMP)
	$(INSTALL) -e ".[$*]"
	@touch $@

install: $(STAMP)  ## create .venv and install fedad[dev] (torch pinned in requirements/constraints.txt)

# one pytest-xdist worker per core, an idle one taking queued tests from a busy one (worksteal); each worker
# starts with its share of the deployment tests (tests/conftest.py), whose labs run side by side. Two per
# core was measured and not shown faster (reproduce/README.md, "Where the quick profile spends its time")
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: $(STAMP) $(VENV)/.fedad-syft $(VENV)/.fedad-flower  ## run the test suite (with the back-end extras), TEST_JOBS workers
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist worksteal tests

lint: $(STAMP)  ## ruff
	$(PY) -m ruff check --isolated --line-length 120 --extend-select I,UP,RUF,C4,PLW,B --extend-ignore RUF001,RUF002,RUF003 fedad reproduce figures tests

data: $(STAMP)  ## fetch the data sets (NAMES="power_demand ecg" for some) from their sources or FEDAD_DATA_MIRROR, verified
	$(FEDAD) data fetch $(NAMES)
	$(FEDAD) data status --quick

# Before an experiment reads data: fetch what the profile needs and is absent (saying how much), or stop in
# one line under FEDAD_OFFLINE=1. When everything is present it only compares file sizes: no network, no writes.
data-check: $(STAMP)
	$(FEDAD) data ensure --profile $(PROFILE)

table1: $(STAMP) data-check  ## Table I from the real data: results/table1.csv, figures/out/table1.{md,png,pdf}
	$(FEDAD) table1
	$(FEDAD) figures table1

# Experiments are cached by config hash under results/: a rerun only draws. FORCE=1 reruns them.
JOBS ?= 2
RUNFLAGS := --profile $(PROFILE) --jobs $(JOBS) $(if $(FORCE),--force,)
# figures and the report draw the profile that was run
DRAW := FEDAD_PROFILE=$(PROFILE) $(FEDAD) figures

fig4: $(STAMP) data-check  ## Fig. 4: accuracy vs rho (runs tune_rho, cached), figures/out/fig4.{png,pdf}
	$(FEDAD) run tune_rho $(RUNFLAGS)
	$(DRAW) fig4

detect: $(STAMP) data-check  ## run the detection experiment (Figs. 5-6), cached
	$(FEDAD) run detect $(RUNFLAGS)

fig5: detect  ## Fig. 5: detection accuracy per model and data set, with the references
	$(DRAW) fig5

fig5b: detect  ## Fig. 5b: PR-AUC and event recall per model and data set, with the references
	$(DRAW) fig5b

fig6: detect  ## Fig. 6: forecast RMSE and skill (MASE on normal points) per model and data set, with the references
	$(DRAW) fig6

fig10: detect  ## Fig. 10 (beyond the paper): error and score through each test event against normal stretches
	$(DRAW) fig10

fig7: $(STAMP) data-check  ## Fig. 7: time to accuracy, fixed rounds, bandwidth sweep (runs comm, cached)
	$(FEDAD) run comm $(RUNFLAGS) --jobs 1  # timings: no parallel run may share the cores
	$(DRAW) fig7

fig7-measured: $(VENV)/.fedad-flower  ## Fig. 7's measured points: Flower deployment over tc-shaped links (root)
	$(FEDAD) measure-link
	@if [ -d results/comm ]; then $(DRAW) fig7; fi

fig8: $(STAMP) data-check  ## Fig. 8 (beyond the paper): accuracy vs uploaded bytes per compressor (runs compressors)
	$(FEDAD) run compressors $(RUNFLAGS)
	$(DRAW) fig8

ucr: $(STAMP) data-check  ## run the UCR anomaly archive experiment (every detector on many series), cached
	$(FEDAD) run ucr $(RUNFLAGS)

fig9: ucr  ## Fig. 9 (beyond the paper): UCR score and PR-AUC per detector across UCR archive series
	$(DRAW) fig9

report: $(STAMP)  ## results/REPORT.md from the saved results (run the figures first)
	FEDAD_PROFILE=$(PROFILE) $(FEDAD) report

reproduce: table1 fig4 fig5 fig5b fig6 fig10 fig7 fig8 fig9 report  ## everything, quick profile unless PROFILE=full or paper
	@echo "done: figures in figures/out/, report in results/REPORT.md"

syft-demo: $(VENV)/.fedad-syft  ## 1 aggregator + 3 syft datasites on the mock Drive vs in-process
	$(FEDAD) backends syft

flower-sim: $(VENV)/.fedad-flower  ## N=10 in Flower's simulation engine vs in-process
	$(FEDAD) backends flower-sim

flower-deploy: $(VENV)/.fedad-flower  ## flower-superlink + 3 flower-supernodes on 127.0.0.1, 3 rounds (MODE=subprocess: per-message apps)
	$(FEDAD) backends flower-deploy --mode $(or $(MODE),long-lived)

tutorials: $(VENV)/.fedad-syft  ## run the five teaching notebooks; executed copies and figures in tutorials/out/
	$(FEDAD) tutorials

bench: $(VENV)/.fedad-flower  ## engine benchmarks as ratios measured in one run (results/bench.json, tables in results/bench.md)
	$(FEDAD) bench

profile: $(STAMP)  ## where the profile's time goes: per stage and run kind (from results/) and inside one run of each
	$(FEDAD) profile --profile $(PROFILE) --inside

clean:  ## remove results and figures (keeps .venv)
	rm -rf results figures/out
