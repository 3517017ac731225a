# contactsync — build, demo, tests, fuzzing and benchmarks.
# Everything a fresh machine needs beyond Go and gcc is installed by `make deps`.

GO       ?= go
BIN      := bin/contactsync
DEMO     := demo-out
FUZZTIME ?= 20s
export CGO_ENABLED := 1

.PHONY: all build deps test demo fuzz bench release-deps release dist release-check windows-smoke clean

all: build

# -buildvcs=auto: record the commit for --version even where GOFLAGS turns it off.
build:
	$(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/contactsync

# python3-vobject (Debian) is the independent vCard parser the vCard tests
# check our output with; it must be importable by Debian's /usr/bin/python3.
# groff (Debian groff-base) checks the man pages.
# Debian's chromium renders report.html headless in the report test.
deps:
	@if ! /usr/bin/python3 -c 'import vobject' >/dev/null 2>&1 || ! command -v groff >/dev/null; then \
		echo "installing python3-vobject and groff-base (Debian) for the tests"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-vobject groff-base >/dev/null; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing chromium (Debian) for the report.html test"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	$(GO) mod download

test: deps
	@unformatted="$$("$$($(GO) env GOROOT)/bin/gofmt" -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt -l: these files are not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 8m ./...

# The main job on the bundled fixtures: cycle 1, both imports simulated,
# cycle 2 (which finds nothing left to do), then the journal.
demo: build
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	@echo "== cycle 1: fixtures/crm ⇄ fixtures/outlook/contacts.csv"
	$(BIN) sync --journal $(DEMO)/journal.db --crm fixtures/crm --outlook fixtures/outlook/contacts.csv \
		--outlook-exported-at 2026-11-20T09:00:00Z --user U6UJ9A00000D --out $(DEMO)/cycle1
	@echo; echo "== the plan of cycle 1 (first 40 lines of $(DEMO)/cycle1/plan.txt)"
	@head -40 $(DEMO)/cycle1/plan.txt
	@echo; echo "== import the outputs (simulated) on both sides"
	$(BIN) simulate --side crm --input fixtures/crm --outputs $(DEMO)/cycle1 --to $(DEMO)/crm2 --now 2026-11-21T08:00:00Z
	$(BIN) simulate --side outlook --input fixtures/outlook/contacts.csv --outputs $(DEMO)/cycle1 --to $(DEMO)/outlook2.csv
	@echo; echo "== cycle 2: nothing left to do"
	$(BIN) sync --journal $(DEMO)/journal.db --crm $(DEMO)/crm2 --outlook $(DEMO)/outlook2.csv \
		--outlook-exported-at 2026-11-21T09:00:00Z --user U6UJ9A00000D --out $(DEMO)/cycle2
	@echo; echo "== the journal"
	$(BIN) journal log --journal $(DEMO)/journal.db
	$(BIN) journal verify --journal $(DEMO)/journal.db
	@echo; echo "Open $(DEMO)/cycle1/report.html, or run: $(BIN) journal show --journal $(DEMO)/journal.db 1"

# Runs every Fuzz target of every package for FUZZTIME each, then prints the
# executions each made. -fuzzminimizetime bounds the time a target may spend
# minimising a new input, so that no target spends its FUZZTIME minimising.
# A run that ends while minimising reports "context deadline exceeded"
# without any failing input; that is not a failure.
FUZZMINIMIZETIME ?= 2s
fuzz:
	@log=$$(mktemp); sum=$$(mktemp); failed=0; trap 'rm -f $$log $$sum' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f"; \
			result=ok; \
			if ! $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg >$$log 2>&1; then \
				if grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log; then \
					echo "(the time ran out while a new input was being minimised: a known quirk of go test -fuzz, not a failure)"; \
				else cat $$log; result=FAILED; failed=1; fi; \
			fi; \
			tail -3 $$log; \
			execs=$$(grep -o 'execs: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
			printf '%-32s %-22s %12s  %s\n' "$${pkg#contactsync/}" "$$f" "$${execs:-?}" $$result >>$$sum; \
		done; \
	done; \
	echo; echo "== executions per target in $(FUZZTIME) (minimising at most $(FUZZMINIMIZETIME) per input)"; \
	printf '%-32s %-22s %12s  %s\n' package target executions result; cat $$sum; \
	exit $$failed

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# The release (see README "Install"): static Linux amd64 and arm64 binaries,
# the Windows .exe and a zip of it, .debs for amd64 and arm64 with the man
# pages, the man pages, a source archive with vendor/ that builds offline,
# and SHA256SUMS, all in $(DIST). scripts/release.sh says how; it builds the
# binaries from the source archive alone. The C cross-compilers, Wine, QEMU
# and the rest come from Debian (release-deps).
DIST ?= dist
RELEASE_PKGS := gcc-mingw-w64-x86-64 gcc-aarch64-linux-gnu qemu-user-static wine64 file unzip groff-base python3
release-deps:
	@missing=; for p in $(RELEASE_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing from Debian:$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

release: release-deps
	$(GO) mod download
	scripts/release.sh $(DIST)

dist: release

# Builds the release twice (the second time from another path with an empty
# build cache), requires identical bytes, and checks what the files claim.
release-check: release-deps
	$(GO) mod download
	scripts/release-check.sh $(DIST)

# The Windows build under Wine: two cycles on the bundled CSV and two on the
# bundled PST, in a folder named "Zoë dir", every output compared with the
# Linux build's. Uses the release's binaries when $(DIST) has those of HEAD
# and the tree is unchanged,
# else builds both (the .exe as the release does, with mingw-w64).
windows-smoke: release-deps
	@set -e; exe=$$(ls $(DIST)/contactsync-*-windows-amd64.exe 2>/dev/null | head -1); \
	lin=$$(ls $(DIST)/contactsync-*-linux-amd64 2>/dev/null | head -1); \
	if [ -z "$$exe" ] || [ -z "$$lin" ] || [ -n "$$(git status --porcelain --untracked-files=no)" ] || \
		! "$$lin" --version | grep -q "commit $$(git rev-parse HEAD), clean"; then \
		mkdir -p $(DIST)/smoke; exe=$(DIST)/smoke/contactsync.exe; lin=$(DIST)/smoke/contactsync; \
		echo "building $$exe and $$lin"; \
		CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 $(GO) build -trimpath -tags sqlite_omit_load_extension -o $$exe ./cmd/contactsync; \
		$(GO) build -trimpath -o $$lin ./cmd/contactsync; \
	fi; \
	scripts/windows-smoke.sh $$exe $$lin

clean:
	rm -rf bin dist $(DEMO)
