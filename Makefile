# chainstore: one entry point for every chore. `make run` and `make test` work on a fresh
# machine with Python 3.11+ and make: they create the environment first.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES := inventory orders logistics gateway cli
GEN := libs/src/chainstore

.PHONY: setup run cluster test soak lint proto proto-check proto-lint bench clean

setup: $(STAMP)

$(STAMP): requirements.lock libs/pyproject.toml libs/dev/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e libs $(foreach s,$(SERVICES),-e services/$(s)) -e libs/dev
	touch $(STAMP)

run: setup
	$(BIN)/python -m chainstore_dev.devstack

# Two replicas of everything, a three-node JetStream cluster, PostgreSQL (CHAINSTORE_PG_URL).
cluster: setup
	CHAINSTORE_DATA_DIR=.data/cluster $(BIN)/python -m chainstore_dev.devstack --cluster

# The whole suite, measuring coverage (the services' own processes included) and failing under
# the floor in pyproject.toml's [tool.coverage.report]; `.venv/bin/coverage report -m` after it
# lists the lines no test ran.
test: setup
	mkdir -p .data
	$(BIN)/python -m pytest --cov --cov-report=term

# The fast tier: every test that starts no NATS, PostgreSQL, service process or browser (the
# root conftest.py marks the others `infra`), spread over one worker process per CPU.
.PHONY: test-unit
test-unit: setup
	$(BIN)/python -m pytest -m "not infra" -n auto

# The cluster's failure test repeated for SOAK_S seconds (kill, restart, repeat under load).
SOAK_S ?= 600
soak: setup
	CHAINSTORE_SOAK_S=$(SOAK_S) $(BIN)/python -m pytest -s tests/test_e2e_cluster.py

lint: setup proto-check proto-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Generated Python lives in libs/src/chainstore; never edit it by hand.
proto: setup
	rm -rf $(GEN)
	$(BIN)/python -m chainstore_dev.protogen protos $(GEN)

proto-check: setup
	$(BIN)/python -m chainstore_dev.protogen --check protos $(GEN)

# The contracts (docs/contracts.md): buf's style rules, and no change that a peer of the
# previous version could not read (rules and their reasons in protos/buf.yaml). BUF_AGAINST
# names the baseline: main's protos from git (origin/main in a clone without a local main),
# so it works in any clone or worktree.
BUF_BASE ?= $(shell git rev-parse --verify -q refs/heads/main >/dev/null && echo main || echo origin/main)
BUF_AGAINST ?= .git\#ref=$(BUF_BASE),subdir=protos
proto-lint: setup
	$(BIN)/buf lint protos
	$(BIN)/buf breaking protos --against '$(BUF_AGAINST)'

# Each service keeps its benchmarks in services/<svc>/bench/run.py; figures print beside a
# baseline measured in the same run.
bench: setup
	@for script in services/*/bench/run.py; do echo "### $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
