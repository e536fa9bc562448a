# Two commands: `make demo` and `make test`. Both set everything up on a fresh
# clone (a .venv from requirements.lock) and are quick when already set up.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# checkov lives in its own venv: its pins would fight the project's.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Offline mirror of the Terraform AWS provider: a setting, found on the
# machine image when not given (e.g. make test TRADEINFRA_TF_PLUGIN_DIR=/path).
TRADEINFRA_TF_PLUGIN_DIR ?= $(shell find / -maxdepth 3 -type d -name tf-plugins 2>/dev/null | head -n 1)
export TRADEINFRA_TF_PLUGIN_DIR

.PHONY: demo test help setup install terraform-cli gate lint typecheck unit bench schema lock clean

demo: $(STAMP) $(NODE_STAMP) ## Set up, then run the main job (the story on the local emulator; writes reports/index.html)
	$(BIN)/python -m tradeinfra.demo

test: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) lint typecheck ## Set up, then run the whole suite
	$(BIN)/pytest -q -n 2 --dist loadfile

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) ## Create the venvs and node_modules from the lock files

install: $(STAMP) $(NODE_STAMP) ## The project venv and node_modules only (what synth and deploy need)

# The pipeline's build image has no Terraform: the web-tier step installs the
# pinned release into the venv (preferred over PATH by `tradeinfra`), checked
# against the SHA-256 of the binary in HashiCorp's linux_amd64 release zip.
TERRAFORM_VERSION := 1.11.4
TERRAFORM_SHA256  := 268000fca5c61021c6396893d9483007ba589ad9d0aaccbd7dfa8c78bf7dbe23
TERRAFORM_ZIP_URL := https://releases.hashicorp.com/terraform/$(TERRAFORM_VERSION)/terraform_$(TERRAFORM_VERSION)_linux_amd64.zip

terraform-cli: $(STAMP) ## Terraform $(TERRAFORM_VERSION) into the venv, checksum-verified (the pipeline's web-tier step)
	@if $(BIN)/terraform version 2>/dev/null | head -n 1 | grep -qx 'Terraform v$(TERRAFORM_VERSION)'; then \
	  echo "terraform $(TERRAFORM_VERSION) already in $(BIN)"; \
	else \
	  scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	  curl --fail --silent --show-error --location --output "$$scratch/terraform.zip" $(TERRAFORM_ZIP_URL) && \
	  $(BIN)/python -m zipfile -e "$$scratch/terraform.zip" "$$scratch" && \
	  echo "$(TERRAFORM_SHA256)  $$scratch/terraform" | sha256sum --check --quiet - && \
	  install -m 0755 "$$scratch/terraform" $(BIN)/terraform && echo "terraform $(TERRAFORM_VERSION) installed in $(BIN)"; \
	fi

# The delivery pipeline runs this over the Synth step's cdk.out and cdktf.out
# before anything is deployed (cdk-nag already ran inside `tradeinfra synth`).
# The access gate needs node_modules (the IAM simulator).
gate: $(STAMP) $(NODE_STAMP) ## Consistency gate over synthesized output: unit tests, parity gate, access contracts, cfn-lint
	$(BIN)/pytest -q tests/unit
	$(BIN)/tradeinfra parity
	$(BIN)/tradeinfra access
	$(BIN)/cfn-lint --config-file .cfnlintrc.yaml -- cdk.out/*.template.json cdk.out/assembly-*/*.template.json

$(CHECKOV_STAMP): requirements-checkov.lock
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.lock
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy --strict on src/
	$(BIN)/mypy

unit: $(STAMP) ## Unit tests only
	$(BIN)/pytest -q tests/unit

bench: $(STAMP) ## Benchmarks (ratios measured in one run)
	$(BIN)/python -m bench

schema: $(STAMP) ## Regenerate config/schema.json from the models
	$(BIN)/tradeinfra config schema

lock: ## Re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^tradeinfra' > requirements.lock
	rm -rf .venv-lock

clean: ## Remove the venv and generated output
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules cdk.out cdktf.out .pytest_cache .mypy_cache .ruff_cache
