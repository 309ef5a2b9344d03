# Two commands for a fresh clone (see README):
#   make demo   set up .venv and run the main job on the embedded defaults (no credentials)
#   make test   set up .venv, make sure the local services are up, lint, type-check, run pytest
# .ci/run runs `make test`.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export ORT_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: demo test lint bench eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bot demo

test: $(STAMP)
	bash scripts/ensure-services.sh
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_people.py
	$(BIN)/python benchmarks/bench_cases.py

eval: $(STAMP)
	BOT_BRAND_NAME=Ollarin BOT_BRAND_HANDLE=ollarin $(BIN)/bot triage-eval tests/fixtures/adversarial/mentions.jsonl \
		--knowledge tests/fixtures/adversarial/knowledge
	BOT_BRAND_NAME=Pebblewren BOT_BRAND_HANDLE=pebblewren $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_second/mentions.jsonl --knowledge tests/fixtures/adversarial_second/knowledge
	BOT_BRAND_NAME=Quillmoor BOT_BRAND_HANDLE=quillmoor $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_third/mentions.jsonl --knowledge tests/fixtures/adversarial_third/knowledge
	BOT_BRAND_NAME=Nookaro BOT_BRAND_HANDLE=nookaro $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_fourth/mentions.jsonl --knowledge tests/fixtures/adversarial_fourth/knowledge
	BOT_BRAND_NAME=Kelvora BOT_BRAND_HANDLE=kelvora $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_fifth/mentions.jsonl --knowledge tests/fixtures/adversarial_fifth/knowledge
	BOT_BRAND_NAME=Sorelune BOT_BRAND_HANDLE=sorelune $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_sixth/mentions.jsonl --knowledge tests/fixtures/adversarial_sixth/knowledge
	BOT_BRAND_NAME=Pimbora BOT_BRAND_HANDLE=pimbora $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_seventh/mentions.jsonl --knowledge tests/fixtures/adversarial_seventh/knowledge
	BOT_BRAND_NAME=Ashvelde BOT_BRAND_HANDLE=ashvelde $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_eighth/mentions.jsonl --knowledge tests/fixtures/adversarial_eighth/knowledge
	BOT_BRAND_NAME=Marmiva BOT_BRAND_HANDLE=marmiva $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_ninth/mentions.jsonl --knowledge tests/fixtures/adversarial_ninth/knowledge
	BOT_BRAND_NAME=Rovelta BOT_BRAND_HANDLE=rovelta $(BIN)/bot triage-eval --no-real \
		tests/fixtures/adversarial_tenth/mentions.jsonl --knowledge tests/fixtures/adversarial_tenth/knowledge
	$(BIN)/bot eval --knowledge knowledge --input samples/labelled.jsonl --off-topic ../shared/real
	$(BIN)/bot eval --knowledge tests/fixtures/kb_other --input tests/fixtures/kb_other_labelled.jsonl \
		--brand Brewline --handle brewline --data-dir .bot-data/eval-brewline
	$(BIN)/bot eval --knowledge tests/fixtures/kb_third --input tests/fixtures/kb_third_labelled.jsonl \
		--brand "Lumo Mobile" --handle lumomobile --data-dir .bot-data/eval-lumo
	$(BIN)/bot eval --knowledge tests/fixtures/kb_fourth --input tests/fixtures/kb_fourth_labelled.jsonl \
		--brand Nestwerk --handle nestwerk --data-dir .bot-data/eval-nestwerk
	$(BIN)/bot eval --knowledge tests/fixtures/kb_fifth --input tests/fixtures/kb_fifth_labelled.jsonl \
		--brand Oskvelt --handle oskvelt --data-dir .bot-data/eval-oskvelt
	$(BIN)/bot eval --knowledge tests/fixtures/kb_sixth --input tests/fixtures/kb_sixth_labelled.jsonl \
		--brand Varnhoek --handle varnhoek --data-dir .bot-data/eval-varnhoek
	$(BIN)/bot eval --knowledge tests/fixtures/kb_seventh --input tests/fixtures/kb_seventh_labelled.jsonl \
		--brand Quillbrook --handle quillbrook --data-dir .bot-data/eval-quillbrook
	$(BIN)/bot eval --knowledge tests/fixtures/kb_eighth --input tests/fixtures/kb_eighth_labelled.jsonl \
		--brand "Tarnfield Fitness" --handle tarnfield --data-dir .bot-data/eval-tarnfield
	$(BIN)/bot eval --knowledge tests/fixtures/kb_ninth --input tests/fixtures/kb_ninth_labelled.jsonl \
		--brand "Brevaan Fietswerk" --handle brevaan --data-dir .bot-data/eval-brevaan
	$(BIN)/bot eval --knowledge tests/fixtures/kb_tenth --input tests/fixtures/kb_tenth_labelled.jsonl \
		--brand Lumkaar --handle lumkaar --data-dir .bot-data/eval-lumkaar
	$(BIN)/bot eval --knowledge tests/fixtures/kb_eleventh --input tests/fixtures/kb_eleventh_labelled.jsonl \
		--brand Snuffora --handle snuffora --data-dir .bot-data/eval-snuffora
	$(BIN)/bot eval --knowledge tests/fixtures/kb_twelfth --input tests/fixtures/kb_twelfth_labelled.jsonl \
		--brand Halmstrek --handle halmstrek --data-dir .bot-data/eval-halmstrek
	$(BIN)/bot eval --knowledge tests/fixtures/kb_thirteenth --input tests/fixtures/kb_thirteenth_labelled.jsonl \
		--brand "Tidewren Ferries" --handle tidewren --data-dir .bot-data/eval-tidewren
	$(BIN)/bot eval --knowledge tests/fixtures/kb_fourteenth --input tests/fixtures/kb_fourteenth_labelled.jsonl \
		--brand Kiekwerk --handle kiekwerk --data-dir .bot-data/eval-kiekwerk
	$(BIN)/bot eval --knowledge tests/fixtures/kb_fifteenth --input tests/fixtures/kb_fifteenth_labelled.jsonl \
		--brand "Veltrana Energie" --handle veltrana --data-dir .bot-data/eval-veltrana
	$(BIN)/bot eval --knowledge tests/fixtures/kb_sixteenth --input tests/fixtures/kb_sixteenth_labelled.jsonl \
		--brand "Wexlow Opticians" --handle wexlow --data-dir .bot-data/eval-wexlow

clean:
	rm -rf $(VENV) .bot-data
