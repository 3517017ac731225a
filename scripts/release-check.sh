#!/usr/bin/env bash
# release-check.sh DIST: proves the release of HEAD reproducible and sound.
#
#  1. Builds it twice, into DIST and into a scratch folder, the second time
#     with an empty Go build cache and from another path, and requires
#     byte-identical files (SHA256SUMS and every file).
#  2. Checks what the files claim: SHA256SUMS verifies; each binary is what
#     its name says (file(1)); the Linux binaries are static; the arm64 one
#     runs (qemu-user-static); --version names the commit; a plain go build
#     of the unpacked source archive reports the same version; the .debs
#     install /usr/bin/contactsync and the man pages.
set -euo pipefail

dist=${1:?usage: release-check.sh DIST}
root=$(git rev-parse --show-toplevel)
cd "$root"
GO=${GO:-go}
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
fail() { echo "release-check: FAIL: $*" >&2; exit 1; }

t0=$(date +%s)
scripts/release.sh "$dist"
t1=$(date +%s)
GOCACHE=$scratch/gocache scripts/release.sh "$scratch/second/dist"
t2=$(date +%s)
echo "release-check: first build $((t1 - t0)) s, second (empty build cache) $((t2 - t1)) s"

# 1. Byte for byte.
if ! diff "$dist/SHA256SUMS" "$scratch/second/dist/SHA256SUMS"; then
	fail "two builds of commit $(git rev-parse HEAD) differ (SHA256SUMS above)"
fi
while read -r _ f; do
	cmp "$dist/$f" "$scratch/second/dist/$f" || fail "$f differs between the two builds"
done <"$dist/SHA256SUMS"
echo "release-check: two builds are byte-identical: $(wc -l <"$dist/SHA256SUMS") files"

# 2. What the files claim. (grep reads here-strings, not pipes: with
# pipefail, grep -q leaving early would fail the writer with SIGPIPE.)
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not verify"
commit=$(git rev-parse HEAD)
want_count=8
[ "$(wc -l <"$dist/SHA256SUMS")" -eq "$want_count" ] || fail "SHA256SUMS lists $(wc -l <"$dist/SHA256SUMS") files, want $want_count"
one() { local f; f=$(ls "$dist"/$1); [ -f "$f" ] || fail "no $1 in $dist"; echo "$f"; }
amd64=$(one 'contactsync-*-linux-amd64')
arm64=$(one 'contactsync-*-linux-arm64')
exe=$(one 'contactsync-*-windows-amd64.exe')
src=$(one 'contactsync-*-src.tar.gz')
grep -q 'ELF 64-bit LSB executable, x86-64.*statically linked' <<<"$(file -b "$amd64")" || fail "$amd64: $(file -b "$amd64")"
grep -q 'ELF 64-bit LSB executable, ARM aarch64.*statically linked' <<<"$(file -b "$arm64")" || fail "$arm64: $(file -b "$arm64")"
grep -q 'PE32+ executable (console) x86-64' <<<"$(file -b "$exe")" || fail "$exe: $(file -b "$exe")"
version=$("$amd64" --version)
echo "release-check: $version"
[[ $version == "contactsync version v"*" (commit $commit, clean)" ]] || fail "--version says $version; want commit $commit, clean"
[ "$(qemu-aarch64-static "$arm64" --version)" = "$version" ] || fail "the arm64 binary (qemu) says $(qemu-aarch64-static "$arm64" --version)"
grep -qx 'contactsync.exe' <<<"$(unzip -Z1 "$(one 'contactsync-*-windows-amd64.zip')")" || fail "the Windows zip lacks contactsync.exe"
unzip -p "$(one 'contactsync-*-windows-amd64.zip')" contactsync.exe | cmp - "$exe" || fail "the zip's contactsync.exe is not the .exe"

# A plain go build of the unpacked archive, offline, says the same.
mkdir "$scratch/src"
tar -xzf "$src" -C "$scratch/src"
(cd "$scratch/src"/contactsync-* && [ ! -e .git ] && [ -f vendor/modules.txt ] &&
	GOFLAGS=-mod=vendor GOPROXY=off GOMODCACHE="$scratch/empty-modcache" "$GO" build -o "$scratch/plain" ./cmd/contactsync) ||
	fail "the source archive does not build offline with -mod=vendor"
[ "$("$scratch/plain" --version)" = "$version" ] || fail "a plain go build of the archive says $("$scratch/plain" --version), the release $version"

for arch in amd64 arm64; do
	deb=$(one "contactsync_*_$arch.deb")
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$deb: Architecture $(dpkg-deb -f "$deb" Architecture)"
	dpkg-deb -c "$deb" >"$scratch/deb.txt"
	for f in ./usr/bin/contactsync ./usr/share/man/man1/contactsync.1.gz ./usr/share/man/man1/contactsync-sync.1.gz ./usr/share/man/man1/contactsync-journal-verify.1.gz; do
		grep -q " $f\$" "$scratch/deb.txt" || fail "$deb does not install $f"
	done
	grep -q '^-rwxr-xr-x root/root .* ./usr/bin/contactsync$' "$scratch/deb.txt" || fail "$deb: /usr/bin/contactsync is not root's and executable"
	dpkg-deb -x "$deb" "$scratch/deb-$arch"
	cmp "$scratch/deb-$arch/usr/bin/contactsync" "$(one "contactsync-*-linux-$arch")" || fail "$deb holds another binary than contactsync-*-linux-$arch"
done
grep -q "EXIT CODES" <<<"$(zcat "$scratch/deb-amd64/usr/share/man/man1/contactsync.1.gz" | groff -man -Tutf8 -P-cbou 2>/dev/null)" || fail "contactsync.1 from the .deb does not render"
echo "release-check: OK ($(($(date +%s) - t0)) s)"
