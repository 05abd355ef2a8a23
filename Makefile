# Two commands do all the set-up on a fresh machine with Python >= 3.10:
#   make reproduce   the quick VAE-vs-SE reproduction (trains, attacks, writes report + figures)
#   make test        nbdev_test on every notebook (fast cells), ending in `N passed, N failed`
# Everything is installed into a project virtual environment, .venv (git-ignored).
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# torch and torchvision must come as a matching pair; override for another CUDA/CPU build.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
DATA   ?= digits
BUDGET ?= quick
OUT    ?= runs/$(DATA)-$(BUDGET)

# A too-old Python is refused in one line before anything is created.
ifeq ($(wildcard $(BIN)/python),)
PY_TOO_OLD := $(if $(shell command -v $(PYTHON)),$(shell $(PYTHON) tools/check_python.py 2>&1),$(PYTHON) not found: set PYTHON=/path/to/python3.10 or newer)
ifneq ($(strip $(PY_TOO_OLD)),)
$(error $(PY_TOO_OLD))
endif
endif

.PHONY: all install reproduce test test-slow docs readme nbs experiments experiments-mlp clean-nbs check-sync lab clean
all: test

$(BIN)/.installed: settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e ".[dev,sweep]"
	@touch $@

install: $(BIN)/.installed   ## create .venv and install the package with its dev tools

reproduce: install           ## the main job: VAE vs SE, PGD-100x10 + AutoAttack on the probe, report + figures (REFERENCES=1: also beta-VAE, PGD-AT)
	$(BIN)/smooth-vae reproduce --data $(DATA) --budget $(BUDGET) --out $(OUT) $(if $(REFERENCES),--references)

test: install                ## fast tests: every notebook, skipping cells flagged slow/notest
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python tools/nbtest.py $(TEST_ARGS)

test-slow: install           ## also run the cells flagged `#| slow` (benchmarks, longer trainings)
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python tools/nbtest.py --flags slow $(TEST_ARGS)

docs: install                ## nbdev_docs with Quarto; without it an offline site in _docs/ (nbdev + pandoc, no download)
	@if command -v quarto >/dev/null; then $(BIN)/nbdev_docs; \
	else echo "quarto not found: building the offline docs in _docs/ with pandoc (open _docs/index.html)"; \
	  $(BIN)/python tools/offline_docs.py site && $(BIN)/python tools/offline_docs.py check; fi

readme: install              ## README.md from nbs/index.ipynb (same generator on every machine)
	$(BIN)/python tools/offline_docs.py readme

nbs: install                 ## re-execute every notebook in place so its saved outputs are fresh
	$(BIN)/python tools/run_nbs.py

# The experiments chapter, in this order (the training-length check, 7b and 8 read Fig 5's results and runs, 7a and the Pareto plot read 7b's).
# What it costs on 2 CPU cores, slow cell by slow cell and summed, is the README's table "What the experiments chapter costs": nbs/index.ipynb
# draws it from the notebooks' own measured wall times and checks that it lists every slow cell of these notebooks. With CUDA the sweeps
# share each GPU, 4 trials per GPU by default (SMOOTH_VAE_TRIALS_PER_GPU=N).
EXPERIMENTS = exp_choose_quick exp_fig5_mnist5k exp_length_mnist5k exp_fig7b_mnist5k exp_fig7a_mnist5k exp_fig8_mnist5k exp_pareto_mnist5k exp_fig4_color_mnist5k
experiments: install         ## re-run the experiment notebooks' sweeps (runs/exp/), save their results and redraw
	OMP_NUM_THREADS=1 $(BIN)/python tools/run_nbs.py $(EXPERIMENTS:%=nbs/%.ipynb) --skip notest

# The same notebooks without their cells flagged `#| conv` (the two ConvNet sweeps, Fig 5's ConvNet re-attack and the ConvNet length check;
# those figures are redrawn from the committed results): every choice on validation and every MLP figure. A later `make experiments`
# reads the finished trials back and runs only the ConvNet cells.
experiments-mlp: install     ## the experiments chapter without its ConvNet sweeps (Fig 5's ConvNet and Fig 4 redrawn from committed results)
	OMP_NUM_THREADS=1 $(BIN)/python tools/run_nbs.py $(EXPERIMENTS:%=nbs/%.ipynb) --skip notest conv

check-sync: install          ## what CI checks: clean notebooks, library and README in sync
	$(BIN)/python tools/check_sync.py

lab: install                 ## JupyterLab on the notebooks (--allow-root when run as root, e.g. in a container)
	$(BIN)/jupyter lab nbs $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf _docs _proc
