# sippy_routed — build, test, install. `make help` lists the targets.

PREFIX    ?= /usr/local
DESTDIR   ?=
LIBDIR     = $(DESTDIR)$(PREFIX)/lib/sippy_routed
BINDIR     = $(DESTDIR)$(PREFIX)/bin
ETCDIR     = $(DESTDIR)$(PREFIX)/etc
UNITDIR    = $(DESTDIR)$(PREFIX)/lib/systemd/system
MANDIR     = $(DESTDIR)$(PREFIX)/share/man/man8
SHAREDIR   = $(DESTDIR)$(PREFIX)/share/sippy_routed
# README.md and docs/ as in the source tree, so their links still resolve;
# the man page points here.
DOCDIR     = $(DESTDIR)$(PREFIX)/share/doc/sippy_routed
NPM       ?= npm
MOCHA      = node_modules/.bin/mocha
TSC        = node_modules/.bin/tsc
SOURCES     := $(shell find src test bench -name '*.ts' 2>/dev/null)
SOURCE_DIRS := $(addprefix $(CURDIR)/,$(shell find src test bench -type d -not -path 'bench/results*' 2>/dev/null))
BUILD_STAMP := dist/.build-stamp

.DEFAULT_GOAL := help
.PHONY: help demo deps db-server shellcheck kamailio build test test-unit test-integration install uninstall clean

help: ## List the targets with what they do
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: deps build ## Run the daemon on the demo setup: private MariaDB under var/, demo data, supervisor in the foreground (Ctrl-C stops)
	node dist/src/main.js demo

deps: node_modules/.installed db-server shellcheck kamailio ## Install npm packages from the lock file, a MariaDB server when none is on the machine, and the optional test tools

# The stamp is refreshed whenever the lock file changes, so `make` re-runs
# `npm ci` exactly when the dependencies changed.
node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

db-server: ## Make sure a mariadbd/mysqld binary exists (installs Debian's mariadb-server as root)
	@if command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ]; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing mariadb-server (Debian package)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; \
	else \
	  echo "sippy_routed needs a MariaDB or MySQL server binary: install the mariadb-server package (as root: make deps)" >&2; exit 1; \
	fi

# Optional: the test of the rc.d script runs shellcheck when it is there,
# and says in one line that it skipped it when it is not.
shellcheck: ## Install shellcheck for the rc.d script's test when missing (Debian package, as root; optional)
	@if command -v shellcheck >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing shellcheck (Debian package; optional, for the rc.d script's test)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null) || echo "shellcheck not installed: the rc.d script's test will skip its shellcheck"; \
	else \
	  echo "shellcheck not installed (optional): the rc.d script's test will skip its shellcheck; install the shellcheck package to run it"; \
	fi

# Optional: the tests of etc/kamailio/sippy_routed.cfg run it with real
# Kamailio (http_client is in kamailio-utils-modules); without it they skip
# in one line saying why.
KAMAILIO_FOUND = { command -v kamailio >/dev/null 2>&1 || [ -x /usr/sbin/kamailio ]; } && \
  find /usr/lib /usr/local/lib /usr/local/lib64 -path '*kamailio/modules/http_client.so' 2>/dev/null | grep -q .

kamailio: ## Install Kamailio for the proxy config's tests when missing (Debian packages kamailio and kamailio-utils-modules, as root; optional)
	@if $(KAMAILIO_FOUND); then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing kamailio and kamailio-utils-modules (Debian packages; optional, for the Kamailio tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kamailio kamailio-utils-modules >/dev/null) || echo "kamailio not installed: the Kamailio tests will skip"; \
	else \
	  echo "kamailio not installed (optional): the Kamailio tests will skip; install the kamailio and kamailio-utils-modules packages to run them"; \
	fi

build: $(BUILD_STAMP) ## Compile TypeScript (src, test, bench) into dist/, only what changed since the last build

# Incremental: make skips the compiler when no source, source directory or
# the tsconfig changed since the stamp; tsc then recompiles only what changed
# (its state in dist/.tsbuildinfo). A directory's mtime changes when a file
# in it is added, removed or renamed, so a deleted source rebuilds too, and
# the prune step removes its compiled files: mocha must never run a test
# whose source is gone. The result equals a clean build's.
# (Directories by absolute path: `test` and `bench` are also targets.)

$(BUILD_STAMP): node_modules/.installed tsconfig.json $(SOURCES) $(SOURCE_DIRS)
	$(TSC) -p . --incremental --tsBuildInfoFile dist/.tsbuildinfo
	@find dist/src dist/test dist/bench -type f \( -name '*.js' -o -name '*.js.map' \) 2>/dev/null | while read -r out; do \
	  src=$${out#dist/}; src=$${src%.map}; src=$${src%.js}.ts; \
	  [ -f "$$src" ] || { echo "removing $$out (its source is gone)"; rm -f "$$out"; }; \
	done
	@find dist/src dist/test dist/bench -type d -empty -delete 2>/dev/null || true
	@chmod +x dist/src/main.js
	@node dist/src/cli/man-page.js > dist/sippy_routed.8.tmp && mv dist/sippy_routed.8.tmp dist/sippy_routed.8
	@touch $@

# Two runs of the suite on one checkout at once (CI on a shared machine)
# must not both run `npm ci` or tsc into the same node_modules and dist/:
# each takes the checkout's build lock for its install and build, so the
# second waits for the first and then finds both done. (No flock, no lock.)
BUILD_LOCK = $(shell command -v flock >/dev/null 2>&1 && echo 'flock $(CURDIR)/.build.lock')

test: ## Run every test (unit and integration) against a private database server
	$(BUILD_LOCK) $(MAKE) --no-print-directory deps build
	$(MOCHA) 'dist/test/**/*.test.js'

test-unit: ## Run the unit tests only (no database, no sockets)
	$(BUILD_LOCK) $(MAKE) --no-print-directory build
	$(MOCHA) --spec 'dist/test/unit/**/*.test.js'

test-integration: ## Run the integration tests only
	$(BUILD_LOCK) $(MAKE) --no-print-directory deps build
	$(MOCHA) --spec 'dist/test/integration/**/*.test.js'

# Installing from a built tree (as the tests do) never recompiles.
install: $(BUILD_STAMP) ## Install under $(DESTDIR)$(PREFIX): program and production dependencies, rc.d script, systemd unit, sample econfig, Kamailio config, man page, README and docs, Grafana dashboard
	rm -rf $(LIBDIR)
	mkdir -p $(LIBDIR)/dist $(BINDIR) $(ETCDIR)/rc.d $(ETCDIR)/sippy_routed/kamailio $(UNITDIR) $(MANDIR) $(SHAREDIR)/grafana
	cp -R dist/src $(LIBDIR)/dist/src
	cp package.json package-lock.json $(LIBDIR)/
	cp -R node_modules $(LIBDIR)/node_modules
	cd $(LIBDIR) && $(NPM) prune --omit=dev --no-audit --no-fund >/dev/null
	rm -f $(LIBDIR)/node_modules/.installed
	ln -sf ../lib/sippy_routed/dist/src/main.js $(BINDIR)/sippy_routed
	sed 's|@PREFIX@|$(PREFIX)|g' rc.d/sippy_routed > $(ETCDIR)/rc.d/sippy_routed
	chmod 755 $(ETCDIR)/rc.d/sippy_routed
	sed 's|@PREFIX@|$(PREFIX)|g' etc/sippy_routed.service > $(UNITDIR)/sippy_routed.service
	cp etc/econfig.sample $(ETCDIR)/sippy_routed/econfig.sample
	cp etc/kamailio/sippy_routed.cfg $(ETCDIR)/sippy_routed/kamailio/sippy_routed.cfg
	cp dist/sippy_routed.8 $(MANDIR)/sippy_routed.8
	cp etc/grafana/sippy_routed.json $(SHAREDIR)/grafana/sippy_routed.json
	rm -rf $(DOCDIR)
	mkdir -p $(DOCDIR)
	cp README.md $(DOCDIR)/README.md
	cp -R docs $(DOCDIR)/docs
	@echo "installed under $(DESTDIR)$(PREFIX); copy $(PREFIX)/etc/sippy_routed/econfig.sample to econfig to start"

uninstall: ## Remove what install put under $(DESTDIR)$(PREFIX) (keeps your econfig)
	rm -rf $(LIBDIR)
	rm -f $(BINDIR)/sippy_routed $(ETCDIR)/rc.d/sippy_routed $(UNITDIR)/sippy_routed.service $(ETCDIR)/sippy_routed/econfig.sample $(MANDIR)/sippy_routed.8
	rm -f $(ETCDIR)/sippy_routed/kamailio/sippy_routed.cfg
	@rmdir $(ETCDIR)/sippy_routed/kamailio 2>/dev/null || true
	rm -rf $(SHAREDIR) $(DOCDIR)
	@if [ -d $(ETCDIR)/sippy_routed ]; then \
	  if rmdir $(ETCDIR)/sippy_routed 2>/dev/null; then echo "removed $(ETCDIR)/sippy_routed"; \
	  else echo "kept $(ETCDIR)/sippy_routed: it holds your files (econfig)"; fi; \
	fi

# Benchmark: sizes and durations are options of the harness; pass more with
# BENCH_ARGS, e.g. make bench BENCH_ARGS='--routes 200000 --duration 5'.
.PHONY: bench bench-quick bench-quick-test bench-rates
BENCH_ARGS ?=

bench: deps build ## Benchmark getRoutes against the ping ceiling at 1,000,000 routes, unix and HTTP (result in bench/results/)
	node dist/bench/main.js --preset full $(BENCH_ARGS)

bench-quick: deps build ## A small, fast benchmark run (5,000 routes, 1 s scenarios)
	node dist/bench/main.js --preset quick $(BENCH_ARGS)

# Not part of `make test`: minutes of load on the machine. The checker and
# verdict it relies on are tested in the suite (bench-checker.test.ts).
bench-quick-test: deps build ## Run bench-quick end to end and check it: no failed request, every sampled answer right, nothing left behind
	$(MOCHA) dist/test/bench/bench-quick.e2e.js

bench-rates: deps build ## Benchmark a 1,000,000-row rate deck import against a raw LOAD DATA of the same rows, then a daemon answering under load while decks are imported (BENCH_ARGS='--rows N --load infile,insert --no-daemon')
	node dist/bench/rates/main.js $(BENCH_ARGS)

clean: ## Remove build output and local state (dist/, var/)
	rm -rf dist var
