# minidms
#
# `make test` needs nothing but Go (and make): dms/dmstest/testenv.sh installs
# what is missing (MariaDB, PostgreSQL, kinesalite, gcc for -race) and starts
# private servers on 127.0.0.1 for the run, in a fresh directory it removes
# afterwards, so concurrent `make test` runs do not disturb each other.
# Set TESTENV_DIR to use (and keep) a given directory instead.
#
#   make test            start servers, time the quickstart's first build, a tiny bench run, go vet,
#                        gofmt check, go test -race, stop servers
#   make check           the same checks against whatever is configured (no servers started)
#   make bench           the benchmark table of the README (examples/bench)
#   make testenv-start   start the shared test environment (default /tmp/minidms-testenv);
#                        then `eval "$$(dms/dmstest/testenv.sh env)"` or just `go test ./...`
#   make testenv-stop    stop it (data kept)

SHELL := /bin/bash
GO ?= go
TESTENV := dms/dmstest/testenv.sh
TESTENV_DIR ?=
# Not $(MAKE) directly in the test recipe: `make -n test` would then run it.
SUBMAKE = $(MAKE) --no-print-directory

.PHONY: test check vet fmt-check go-test bench bench-smoke quickstart-first-build testenv-start testenv-stop testenv-env

test:
	@dir='$(TESTENV_DIR)'; created=; \
	if [ -z "$$dir" ]; then dir=$$(mktemp -d /tmp/minidms-testenv-ci.XXXXXX) || exit; created=1; fi; \
	trap '$(TESTENV) stop "$$dir"; if [ -n "$$created" ]; then rm -rf "$$dir" 2>/dev/null || sudo -n rm -rf "$$dir" || true; fi' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	env_lines=$$($(TESTENV) start "$$dir") || exit; \
	eval "$$env_lines"; \
	$(SUBMAKE) quickstart-first-build bench-smoke check

check: vet fmt-check go-test

vet:
	$(GO) vet ./...

# gofmt over tracked and untracked (not ignored) files; find(1) outside git.
fmt-check:
	@files=$$( { git ls-files -co --exclude-standard -- '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'; } | grep -v '/testdata/' ); \
	bad=$$(printf '%s\n' $$files | xargs -r gofmt -l) || exit; \
	if [ -n "$$bad" ]; then echo "gofmt -w needed on:"; echo "$$bad"; exit 1; fi

# Prints each package's result, skipped and failed tests and a closing count.
go-test:
	@GO='$(GO)' .ci/go-test ./...

# The benchmark suite against raw baselines (examples/bench), default sizes,
# on the shared test environment (started if needed, left running).
bench:
	$(GO) run ./examples/bench

# The README's first command as a clean checkout first runs it: the time of
# its first build and run (with the standard library cached, and with an
# empty build cache), and its output.
quickstart-first-build:
	@GO='$(GO)' .ci/quickstart-first-build

# Every bench scenario at a tiny size, so CI shows the suite still runs.
bench-smoke:
	$(GO) run ./examples/bench -rows 2000 -small-rows 500 -changes 2000 -scale-tasks 3 -scale-changes 500 \
		-latency-rate 200 -latency-duration 1s

testenv-start:
	@$(TESTENV) start $(TESTENV_DIR) >/dev/null

testenv-stop:
	@$(TESTENV) stop $(TESTENV_DIR)

testenv-env:
	@$(TESTENV) env $(TESTENV_DIR)
