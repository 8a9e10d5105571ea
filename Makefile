# fedad — one command per job. Everything sets itself up: the first target that needs Python
# creates .venv and installs the package (editable, with [dev]) under requirements/constraints.txt.
#   make reproduce        quick profile of every figure + REPORT.md (PROFILE=paper for the paper's settings)
#   make test             the test suite
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.fedad-installed

.PHONY: help install test lint table1 fig4 fig5 fig6 fig7 report reproduce bench clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): setup.py $(CONSTRAINTS)
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install fedad[dev] (torch pinned in requirements/constraints.txt)

test: $(STAMP)  ## run the test suite
	$(PY) -m pytest -q tests

lint: $(STAMP)  ## ruff
	$(PY) -m ruff check --isolated --line-length 120 --extend-select I,UP,RUF,C4,PLW,B --extend-ignore RUF001,RUF002,RUF003 fedad reproduce figures tests

table1: $(STAMP)  ## Table I from the real data: results/table1.csv, figures/out/table1.{md,png,pdf}
	$(PY) -m reproduce.table1
	$(PY) -m figures table1

fig4 fig5 fig6 fig7 report reproduce bench:
	@echo "make $@: not implemented yet (see the open issues)" >&2; exit 2

clean:  ## remove results and figures (keeps .venv)
	rm -rf results figures/out
