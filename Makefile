# The two commands of the README: `make serve` (set up, build, serve the app) and `make test` (set up, build, test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATA ?=
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: serve test dist venv venv-dev chromium engines bench train examples clean

$(BIN)/.runtime: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[build]'
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(BIN)/.runtime
venv-dev: $(BIN)/.dev

dist: venv
	$(BIN)/python tools/build_site.py

serve: dist
	$(BIN)/python tools/serve.py --port $(PORT)

chromium:
	bash tools/install_chromium.sh

engines: venv-dev
	bash tools/install_engines.sh

test: venv-dev dist chromium engines
	$(BIN)/python tools/run_tests.py

bench: venv-dev dist chromium
	$(BIN)/python bench/bench_forward.py
	$(BIN)/python bench/bench_browser.py
	$(BIN)/python bench/bench_boot.py
	$(BIN)/python bench/bench_views.py
	$(BIN)/python bench/bench_teaching.py
	$(BIN)/python bench/bench_soak.py
	$(BIN)/python bench/bench_models.py
	$(BIN)/python bench/bench_console.py
	$(BIN)/python bench/bench_teach.py
	$(BIN)/python bench/bench_saliency.py
	$(BIN)/python bench/bench_sizes.py

train: venv-dev
	$(BIN)/python training/train.py tin10 $(if $(DATA),--data $(DATA))
	$(BIN)/python training/train.py imagenette $(if $(DATA),--data $(DATA))

# Rewrite the committed gallery (examples/) from the data's held-out split and weights/ (after retraining).
examples: venv
	$(BIN)/python tools/gallery.py $(if $(DATA),--data $(DATA))

clean:
	rm -rf dist .cache/site
