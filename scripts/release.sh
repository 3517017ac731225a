#!/usr/bin/env bash
# release.sh OUTDIR: the release files of the commit checked out (HEAD), built
# reproducibly (see make release-check):
#
#   contactsync-VERSION-src.tar.gz        the source with vendor/: builds offline
#   contactsync-VERSION-linux-amd64       static
#   contactsync-VERSION-linux-arm64       static
#   contactsync-VERSION-windows-amd64.exe
#   contactsync-VERSION-windows-amd64.zip the .exe and README.txt
#   contactsync_DEBVERSION_amd64.deb      /usr/bin/contactsync and the man pages
#   contactsync_DEBVERSION_arm64.deb
#   contactsync-VERSION-man.tar.gz        the man pages
#   SHA256SUMS                            over all of the above
#
# Every binary is built from the unpacked source archive, with -mod=vendor,
# no module proxy and an empty module cache: the archive is proven to build
# offline by every release. Uncommitted changes are not part of a release.
# The C cross-compilers come from Debian (gcc-aarch64-linux-gnu,
# gcc-mingw-w64-x86-64); ../shared/notes/windows.md has the recipes.
set -euo pipefail

out=${1:?usage: release.sh OUTDIR}
root=$(git rev-parse --show-toplevel)
cd "$root"
GO=${GO:-go}

commit=$(git rev-parse HEAD)
epoch=$(git log -1 --format=%ct HEAD) # every timestamp in the release
if [ -n "$(git status --porcelain)" ]; then
	echo "release: note: uncommitted changes are not part of the release, which is commit $commit" >&2
fi

# The version: the tag on HEAD, else the pseudo-version Go itself stamps on
# a plain go build of this commit (v0.0.0-DATE-HASH, or vX.Y.(Z+1)-0.DATE-HASH
# after a tag vX.Y.Z), so both kinds of build name a commit the same way.
if tag=$(git describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
	version=$tag
else
	stamp=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)
	short=$(git rev-parse --short=12 HEAD)
	if base=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null) &&
		[[ $base =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
		version=v${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.$((BASH_REMATCH[3] + 1))-0.$stamp-$short
	else
		version=v0.0.0-$stamp-$short
	fi
fi
# Debian: no leading v, and "~" so that a pre-release sorts before its release.
debversion=${version#v}
debversion=${debversion//-/\~}
name=contactsync-$version

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=$epoch TZ=UTC LC_ALL=C.UTF-8
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/contactsync[-_]* "$out"/SHA256SUMS

# Deterministic archives: sorted names, one owner, one time, normalised modes.
tarc() { # tarc ARCHIVE DIR NAME...
	local archive=$1 dir=$2
	shift 2
	tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
		--mtime="@$epoch" --mode='u+rwX,go+rX,go-w' -C "$dir" -cf - "$@" | gzip -9n >"$archive"
}

# 1. The source archive: the commit, its modules in vendor/, and the
#    version it is, for builds without git.
echo "release: $version (commit $commit)"
git archive --format=tar --prefix="$name/" HEAD | tar -xf - -C "$work"
src=$work/$name
printf '%s %s clean\n' "$version" "$commit" >"$src/cmd/contactsync/source-version.txt"
(cd "$src" && GOFLAGS=-mod=mod "$GO" mod vendor)
tarc "$out/$name-src.tar.gz" "$work" "$name"

# 2. The binaries, from that archive alone.
rm -rf "$src"
tar -xzf "$out/$name-src.tar.gz" -C "$work"
mkdir -p "$work/empty-modcache"
ldflags="-s -w -buildid= -X main.version=$version -X main.commit=$commit -X main.modified=false"
build() { # build OUT GOOS GOARCH CC TAGS EXTRA-LDFLAGS
	(cd "$src" && env GOFLAGS=-mod=vendor GOPROXY=off GOMODCACHE="$work/empty-modcache" GOTOOLCHAIN=local \
		CGO_ENABLED=1 GOOS="$2" GOARCH="$3" CC="$4" \
		"$GO" build -trimpath -buildvcs=false -tags "$5" -ldflags "$ldflags $6" -o "$1" ./cmd/contactsync)
}
static='-linkmode external -extldflags "-static"'
build "$out/$name-linux-amd64" linux amd64 gcc 'osusergo netgo sqlite_omit_load_extension' "$static"
build "$out/$name-linux-arm64" linux arm64 aarch64-linux-gnu-gcc 'osusergo netgo sqlite_omit_load_extension' "$static"
build "$out/$name-windows-amd64.exe" windows amd64 x86_64-w64-mingw32-gcc 'sqlite_omit_load_extension' ''

# 3. The man pages, written by the binary that runs here.
mkdir -p "$work/man/man1"
"$out/$name-linux-amd64" man "$work/man/man1" >/dev/null
tarc "$out/$name-man.tar.gz" "$work/man" man1
gzip -9n "$work"/man/man1/*.1

# 4. Windows: a zip to unpack anywhere (no installer).
mkdir -p "$work/zip"
cp "$out/$name-windows-amd64.exe" "$work/zip/contactsync.exe"
sed 's/$/\r/' "$src/README.md" >"$work/zip/README.txt"
/usr/bin/python3 - "$out/$name-windows-amd64.zip" "$work/zip" "$epoch" <<'PY'
import os, sys, time, zipfile
archive, folder, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
stamp = time.gmtime(epoch)[:6]
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in sorted(os.listdir(folder)):
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16
        info.create_system = 3
        with open(os.path.join(folder, name), "rb") as f:
            z.writestr(info, f.read())
PY

# 5. The Debian packages.
for arch in amd64 arm64; do
	pkg=$work/deb-$arch
	mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/man/man1" "$pkg/usr/share/doc/contactsync"
	cp "$out/$name-linux-$arch" "$pkg/usr/bin/contactsync"
	cp "$work"/man/man1/*.1.gz "$pkg/usr/share/man/man1/"
	gzip -9nc "$src/README.md" >"$pkg/usr/share/doc/contactsync/README.md.gz"
	cat >"$pkg/DEBIAN/control" <<CONTROL
Package: contactsync
Version: $debversion
Architecture: $arch
Maintainer: contactsync maintainers <contactsync@localhost>
Installed-Size: $(find "$pkg/usr" -type f -printf '%s\n' | awk '{s += $1} END {print int((s + 1023) / 1024)}')
Section: utils
Priority: optional
Description: keep Outlook and Infor CRM contacts in step, offline
 contactsync reconciles an Outlook export (CSV, vCard or PST) with an Infor
 CRM (Saleslogix) dump against a SQLite journal of every earlier cycle,
 writes the files each side imports, and journals every decision.
 Built from commit $commit.
CONTROL
	find "$pkg" -type d -exec chmod 0755 {} +
	find "$pkg" -type f -exec chmod 0644 {} +
	chmod 0755 "$pkg/usr/bin/contactsync"
	find "$pkg" -exec touch -h -d "@$epoch" {} +
	dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/contactsync_${debversion}_$arch.deb" >/dev/null
done

# 6. The checksums.
(cd "$out" && sha256sum contactsync[-_]* >SHA256SUMS)
ls -l "$out"
