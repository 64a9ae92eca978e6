# Fluxture: crawl → raw Parquet snapshot → geolocate → topology → exports, with DuckDB SQL over every run.
# `make help` lists the targets. Every target that runs code depends on node_modules/.installed, which `npm ci`
# refreshes whenever package.json or package-lock.json is newer: a fresh clone, or a pull that changed the
# dependencies, just works.

NETWORK     ?= mainnet
DATA        ?= data
SEEDS       ?=
CONCURRENCY ?=
FLUXTURE    := node bin/fluxture.js

.DEFAULT_GOAL := help
.PHONY: help test system-deps test-unit lint format typecheck lint-imports crawl analyze demo check bench cron notebook report geo-db clean

NPM_DEPS := node_modules/.installed

$(NPM_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/  \1\t\2/' | expand -t 16

typecheck: $(NPM_DEPS) ## run the TypeScript type checker
	npx tsc --noEmit -p .

lint-imports: $(NPM_DEPS) ## check the layer order lib < pipeline < stages, tools < cli
	node --import tsx scripts/check-imports.ts

lint: $(NPM_DEPS) ## formatter and linter (Biome) over the whole tree; `make format` applies the formatter
	npx biome check .

format: $(NPM_DEPS) ## rewrite every file in the formatter's style
	npx biome format --write .

system-deps: ## the Debian packages the tests use as references: installed when run as root, else one line naming the apt-get command
	@bash scripts/install-system-deps.sh

test: system-deps typecheck lint-imports lint ## Debian references (installed as root), type check, layer order, formatter and linter, then every test (files in parallel, the serial ones alone)
	bash scripts/run-tests.sh

test-unit: $(NPM_DEPS) ## the fast lane: tests that start no process, open no socket and time nothing
	bash scripts/run-tests.sh --unit

crawl: $(NPM_DEPS) ## crawl NETWORK (default mainnet) into DATA; SEEDS and CONCURRENCY optional
	$(FLUXTURE) crawl --network $(NETWORK) --data $(DATA) $(if $(SEEDS),$(foreach s,$(SEEDS),--seed $(s))) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY))

analyze: $(NPM_DEPS) ## geolocate, topology, exports and marts for the newest run in DATA
	$(FLUXTURE) analyze --data $(DATA)

demo: $(NPM_DEPS) ## the whole pipeline offline against a simulated network on loopback
	bash scripts/demo.sh

check: $(NPM_DEPS) ## run the SQL invariants in sql/checks over every run in DATA
	$(FLUXTURE) query --data $(DATA) --checks

bench: $(NPM_DEPS) ## run the benchmarks in bench/ (not part of make test)
	bash scripts/run-bench.sh

cron: $(NPM_DEPS) ## scheduled crawl + analyze under the data lock, logging to DATA/logs
	bash scripts/cron.sh

notebook: $(NPM_DEPS) ## build the Observable notebook (notebooks/observable) for the newest run in DATA
	npm run notebook -- --data $(DATA)

report: $(NPM_DEPS) ## write the HTML report of the newest run in DATA to DATA/report.html
	$(FLUXTURE) report --data $(DATA) $(DATA)/report.html

geo-db: $(NPM_DEPS) ## download GeoLite2 City and ASN into DATA/geo (needs MAXMIND_ACCOUNT_ID / MAXMIND_LICENSE_KEY)
	$(FLUXTURE) update-geo-db --geo-dir $(DATA)/geo

clean: ## remove test outputs (never the data folder)
	rm -rf test-output
