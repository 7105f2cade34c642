# `make run` and `make test` work on a fresh clone: they find a Python >= 3.12
# (tools/find-python), bootstrap a pinned uv into .tools/, and install from uv.lock
# into .venv exactly the versions the project was tested with.
#
# Each command installs only what it needs: `make run` the core (simulation, Hydra,
# joblib launcher); `make test` everything the tests exercise; `make dashboard`,
# `make calibrate|sensitivity|discover` and `make setup-cluster` their extras on demand.
# `pip install .` (or '.[studies,dashboard,ray,slurm]') still works without uv, from
# the version ranges in pyproject.toml.
VENV       := .venv
PY         := $(VENV)/bin/python
UV_VERSION := 0.13.9
UV         := .tools/uv-$(UV_VERSION)/bin/uv
ARGS       ?=
# uv never downloads a Python here: it uses the interpreter tools/find-python finds
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test setup setup-cluster bench validate calibrate posterior sensitivity discover dashboard lock clean-venv

run: $(VENV)/.installed-core
	$(PY) -m experiments.run $(ARGS)

test: $(VENV)/.installed-test
	$(PY) -m pytest $(ARGS)

setup: $(VENV)/.installed-test

setup-cluster: $(VENV)/.installed-cluster

$(UV): tools/find-python
	@PYBIN="$$(sh tools/find-python)" || exit 1; \
	  echo "installing uv $(UV_VERSION) into .tools/ with $$PYBIN"; \
	  "$$PYBIN" -m pip install --quiet --disable-pip-version-check --target .tools/uv-$(UV_VERSION) uv==$(UV_VERSION)

# `uv sync --frozen` installs the locked versions and fails if uv.lock does not match pyproject.toml;
# `--inexact` keeps the extras another target installed (each target adds what it needs);
# `--compile-bytecode` writes every package's .pyc once: where PYTHONDONTWRITEBYTECODE is set, Python would
# otherwise compile pandas, Mesa, numba and Hydra from source at every start (~8 s of a run, measured)
define sync
	@PYBIN="$$(sh tools/find-python)" || exit 1; \
	  $(UV) sync --frozen --inexact --quiet --compile-bytecode --python "$$PYBIN" $(1)
	@touch $@
endef

$(VENV)/.installed-core: uv.lock pyproject.toml Makefile | $(UV)
	$(call sync,)

$(VENV)/.installed-studies: uv.lock pyproject.toml Makefile | $(UV)
	$(call sync,--extra studies)

$(VENV)/.installed-dashboard: uv.lock pyproject.toml Makefile | $(UV)
	$(call sync,--extra dashboard)

$(VENV)/.installed-cluster: uv.lock pyproject.toml Makefile | $(UV)
	$(call sync,--extra ray --extra slurm)

$(VENV)/.installed-test: uv.lock pyproject.toml Makefile | $(UV)
	$(call sync,--extra test --extra studies --extra dashboard --extra ray --extra slurm)

# after editing dependencies in pyproject.toml: re-resolve uv.lock (commit both)
lock: | $(UV)
	@PYBIN="$$(sh tools/find-python)" || exit 1; $(UV) lock --python "$$PYBIN"

clean-venv:
	rm -rf $(VENV) .tools

dashboard: $(VENV)/.installed-dashboard
	$(PY) -m experiments.dashboard $(ARGS)

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks $(ARGS)

validate: $(VENV)/.installed-core
	$(PY) -m experiments.validate $(ARGS)

calibrate: $(VENV)/.installed-studies
	$(PY) -m experiments.calibrate $(ARGS)

sensitivity: $(VENV)/.installed-studies
	$(PY) -m experiments.sensitivity $(ARGS)

discover: $(VENV)/.installed-studies
	$(PY) -m experiments.discover $(ARGS)

# the best package for a budget (NSGA-II, configs/optimise/budget_500k.yaml); --resume FOLDER continues it
optimise: $(VENV)/.installed-studies
	$(PY) -m experiments.optimise $(ARGS)

# the Bayesian calibration (ABC-SMC, experiments.posterior); resumes after a kill when run again
posterior: $(VENV)/.installed-studies
	$(PY) -m experiments.posterior $(ARGS)
