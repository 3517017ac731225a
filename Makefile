# contactsync — build, demo, tests, fuzzing and benchmarks.
# Everything a fresh machine needs beyond Go and gcc is installed by `make deps`.

GO       ?= go
BIN      := bin/contactsync
DEMO     := demo-out
FUZZTIME ?= 20s
export CGO_ENABLED := 1

.PHONY: all build deps test demo fuzz bench dist windows-smoke clean

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

# Release binaries for the sites this tool is for: a static Linux binary and
# a Windows .exe (cross-compiled with Debian's mingw-w64, installed if missing),
# reproducible with -trimpath (see ../shared/notes/windows.md).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -buildid= -X main.version=$(VERSION)
dist:
	@command -v x86_64-w64-mingw32-gcc >/dev/null || { \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null; }
	mkdir -p dist
	$(GO) build -trimpath -buildvcs=false -tags 'osusergo netgo sqlite_omit_load_extension' \
		-ldflags '$(LDFLAGS) -linkmode external -extldflags "-static"' -o dist/contactsync-linux-amd64 ./cmd/contactsync
	CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 $(GO) build -trimpath -buildvcs=false \
		-tags sqlite_omit_load_extension -ldflags '$(LDFLAGS)' -o dist/contactsync-windows-amd64.exe ./cmd/contactsync
	@ls -l dist

# Runs two cycles of the demo with the Windows .exe under Wine, in a folder
# whose name has a space and a non-ASCII letter. Installs Debian's wine64.
WINE_DIR := $(CURDIR)/dist/wine
windows-smoke: dist
	@command -v wine >/dev/null || { \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 >/dev/null; }
	rm -rf "$(WINE_DIR)" && mkdir -p "$(WINE_DIR)/Zoë dir"
	x86_64-w64-mingw32-gcc -shared -o $(WINE_DIR)/bcryptprimitives.dll \
		cmd/contactsync/testdata/wine/bcryptprimitives.c cmd/contactsync/testdata/wine/bcryptprimitives.def -ladvapi32
	export WINEPREFIX=$(WINE_DIR)/prefix WINEDEBUG=-all; \
	wineboot -i >/dev/null 2>&1; wineserver -w; \
	cp $(WINE_DIR)/bcryptprimitives.dll $$WINEPREFIX/drive_c/windows/system32/ && \
	cp -r fixtures/crm fixtures/outlook/contacts.csv "$(WINE_DIR)/Zoë dir/" && cd "$(WINE_DIR)/Zoë dir" && \
	E=$(CURDIR)/dist/contactsync-windows-amd64.exe && \
	wine $$E sync --journal j.db --crm crm --outlook contacts.csv --user U6UJ9A00000D --outlook-exported-at 2026-11-20T09:00:00Z --out c1 && \
	wine $$E simulate --side crm --input crm --outputs c1 --to crm2 && \
	wine $$E simulate --side outlook --input contacts.csv --outputs c1 --to o2.csv && \
	wine $$E sync --journal j.db --crm crm2 --outlook o2.csv --user U6UJ9A00000D --outlook-exported-at 2026-11-21T09:00:00Z --out c2 | tee c2.txt && \
	grep -q '0 conflicts; 0 changes' c2.txt && wine $$E journal verify --journal j.db; \
	rc=$$?; wineserver -k; exit $$rc

clean:
	rm -rf bin dist $(DEMO)
