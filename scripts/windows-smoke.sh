#!/usr/bin/env bash
# windows-smoke.sh WINDOWS-EXE LINUX-BINARY: the Windows build under Wine
# (Debian's wine64), in a folder whose name has a space and a non-ASCII
# letter: two cycles on the bundled Outlook CSV and two on the bundled PST,
# each with both imports simulated, the second cycle finding nothing to do;
# then journal verify and journal log. Every output file must be the same
# bytes as the Linux binary writes for the same commands, so a Windows-only
# difference fails here as surely as a crash.
set -euo pipefail

exe=$(realpath "${1:?usage: windows-smoke.sh WINDOWS-EXE LINUX-BINARY}")
linux=$(realpath "${2:?usage: windows-smoke.sh WINDOWS-EXE LINUX-BINARY}")
root=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
cd "$root"
work=$(mktemp -d)
export WINEPREFIX=$work/prefix WINEDEBUG=-all
cleanup() { wineserver -k 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "windows-smoke: FAIL: $*" >&2; exit 1; }

# Wine 8 lacks bcryptprimitives.dll, which the Go runtime loads: a stand-in
# forwards ProcessPrng to RtlGenRandom (see ../shared/notes/windows.md).
x86_64-w64-mingw32-gcc -shared -o "$work/bcryptprimitives.dll" \
	cmd/contactsync/testdata/wine/bcryptprimitives.c cmd/contactsync/testdata/wine/bcryptprimitives.def -ladvapi32
t0=$(date +%s)
wineboot -i >/dev/null 2>&1 || true
wineserver -w
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
echo "windows-smoke: Wine prefix ready in $(($(date +%s) - t0)) s"

# cycles RUNNER DIR: the same session, run by "wine EXE" or the Linux binary.
cycles() {
	local run=$1 dir=$2
	mkdir -p "$dir"
	cp -r fixtures/crm fixtures/outlook/contacts.csv fixtures/pst/SampleContacts.pst "$dir/"
	cd "$dir"
	# The Outlook CSV: cycle 1, both imports, cycle 2 with nothing left to do.
	$run sync --journal csv.db --crm crm --outlook contacts.csv --user U6UJ9A00000D \
		--outlook-exported-at 2026-11-20T09:00:00Z --out c1 >c1.txt
	$run simulate --side crm --input crm --outputs c1 --to crm2 --now 2026-11-21T08:00:00Z >/dev/null
	$run simulate --side outlook --input contacts.csv --outputs c1 --to o2.csv >/dev/null
	$run sync --journal csv.db --crm crm2 --outlook o2.csv --user U6UJ9A00000D \
		--outlook-exported-at 2026-11-21T09:00:00Z --out c2 >c2.txt
	grep -q '0 conflicts; 0 changes' c2.txt || fail "$run: cycle 2 of the CSV session did something: $(cat c2.txt)"
	# The PST: its changes go out as files; the next export is a vCard file.
	$run sync --journal pst.db --crm crm --outlook SampleContacts.pst --user U6UJ9A00000D --out p1 >p1.txt
	grep -q 'CRM +6 ' p1.txt || fail "$run: the PST's 6 contacts were not sent to the CRM: $(cat p1.txt)"
	$run simulate --side crm --input crm --outputs p1 --to crm3 --now 2026-11-21T08:00:00Z >/dev/null
	$run simulate --side outlook --input SampleContacts.pst --outputs p1 --to o3.vcf >/dev/null
	touch -d 2026-11-21T09:00:00Z o3.vcf
	$run sync --journal pst.db --crm crm3 --outlook o3.vcf --user U6UJ9A00000D --out p2 >p2.txt
	grep -q '0 conflicts; 0 changes' p2.txt || fail "$run: cycle 2 of the PST session did something: $(cat p2.txt)"
	for j in csv.db pst.db; do
		$run journal verify --journal $j >/dev/null || fail "$run: journal verify $j"
		$run journal log --journal $j >log-$j.txt
	done
	cd - >/dev/null
}

win="$work/Zoë dir/windows"
lin="$work/Zoë dir/linux"
t0=$(date +%s)
cycles "wine $exe" "$win"
echo "windows-smoke: 4 cycles, 4 simulated imports and the journal checks under Wine in $(($(date +%s) - t0)) s"
cycles "$linux" "$lin"

# The same bytes as on Linux: every output a side imports, and the import steps.
n=0
for d in c1 c2 p1 p2; do
	for f in $(cd "$lin/$d" && find crm outlook IMPORT.txt -type f 2>/dev/null | sort); do
		cmp "$lin/$d/$f" "$win/$d/$f" || fail "$d/$f differs between Windows and Linux"
		n=$((n + 1))
	done
	[ "$(cd "$lin/$d" && find . -type f | sort)" = "$(cd "$win/$d" && find . -type f | sort)" ] ||
		fail "$d holds other files on Windows than on Linux"
done
for f in crm2/contacts.csv o2.csv crm3/contacts.csv o3.vcf; do
	cmp "$lin/$f" "$win/$f" || fail "$f (simulated import) differs between Windows and Linux"
done
[ "$n" -gt 5 ] || fail "only $n output files compared"
v=$(wine "$exe" --version | tr -d '\r' | sed 's/^contactsync version //')
grep -qF "tool $v" "$win/log-csv.db.txt" || fail "journal log does not show the build $v: $(cat "$win/log-csv.db.txt")"
echo "windows-smoke: OK: $n output files identical to Linux's; journal log shows $v"
