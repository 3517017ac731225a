package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"contactsync/fixtures"
)

func TestFormatVersion(t *testing.T) {
	for _, c := range []struct{ v, c, m, want string }{
		{"v1.2.0", "0123456789abcdef0123456789abcdef01234567", "false", "v1.2.0 (commit 0123456789abcdef0123456789abcdef01234567, clean)"},
		{"v0.0.0-20261128135202-62f0dd5a1234+dirty", "62f0dd5a1234", "true", "v0.0.0-20261128135202-62f0dd5a1234+dirty (commit 62f0dd5a1234, modified)"},
		{"", "62f0dd5a1234", "", "dev (commit 62f0dd5a1234)"},
		{"", "", "", "dev (commit unknown: built without version control information)"},
	} {
		if got := formatVersion(c.v, c.c, c.m); got != c.want {
			t.Errorf("formatVersion(%q, %q, %q) = %q, want %q", c.v, c.c, c.m, got, c.want)
		}
	}
}

func TestFromSourceArchive(t *testing.T) {
	for _, c := range []struct{ in, v, c, m string }{
		{"# only a comment\n", "", "", ""},
		{"# comment\nv1.0.0 abc123 clean\n", "v1.0.0", "abc123", "false"},
		{"v1.0.0 abc123 modified", "v1.0.0", "abc123", "true"},
		{"v1.0.0 abc123", "", "", ""},
		{"v1.0.0 abc123 perhaps", "", "", ""},
	} {
		v, cm, m := fromSourceArchive(c.in)
		if v != c.v || cm != c.c || m != c.m {
			t.Errorf("fromSourceArchive(%q) = %q, %q, %q; want %q, %q, %q", c.in, v, cm, m, c.v, c.c, c.m)
		}
	}
}

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}
	if v, c, m := fromBuildInfo(bi); v != "" || c != "abc" || m != "true" {
		t.Errorf("fromBuildInfo(devel) = %q, %q, %q", v, c, m)
	}
	bi.Main.Version = "v0.0.0-20261128135202-62f0dd5a1234+dirty"
	if v, _, _ := fromBuildInfo(bi); v != bi.Main.Version {
		t.Errorf("fromBuildInfo kept version %q, want %q", v, bi.Main.Version)
	}
}

// TestVersionOfPlainGoBuild: a plain "go build" says which commit it was
// built from and whether the tree was modified (from git, or in an
// unpacked source archive from its source-version.txt), and the journal
// records that same string for the cycle the binary runs.
func TestVersionOfPlainGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "contactsync")
	// -buildvcs=auto is go build's default; it is spelled out because a
	// machine may turn stamping off in GOFLAGS (go env -w), as this one does.
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("contactsync --version: %v", err)
	}
	got := strings.TrimSuffix(strings.TrimPrefix(string(out), "contactsync version "), "\n")
	var want *regexp.Regexp
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err != nil {
		// Not a git checkout: an unpacked source archive says what it is.
		v, c, m := fromSourceArchive(sourceVersion)
		if c == "" {
			t.Fatalf("neither git nor source-version.txt names a commit; the binary said %q", out)
		}
		want = regexp.MustCompile("^" + regexp.QuoteMeta(formatVersion(v, c, m)) + "$")
	} else if linkedWorktree(t) {
		// Go finds a repository only by a .git directory, not the .git
		// file of a linked worktree (golang/go#58218): it records nothing,
		// and the binary must say so rather than guess.
		want = regexp.MustCompile(`^dev \(commit unknown: built without version control information\)$`)
	} else {
		st, err := exec.Command("git", "status", "--porcelain").Output()
		if err != nil {
			t.Fatal(err)
		}
		state := map[bool]string{true: "clean", false: "modified"}[len(st) == 0]
		want = regexp.MustCompile(`^v\S+ \(commit ` + strings.TrimSpace(string(head)) + ", " + state + `\)$`)
	}
	if !want.MatchString(got) {
		t.Errorf("contactsync --version = %q, want %v", got, want)
	}

	j, o := filepath.Join(dir, "j.db"), filepath.Join(dir, "c1")
	sync := exec.Command(bin, "sync", "--journal", j, "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"), "--user", "U6UJ9A00000D",
		"--outlook-exported-at", "2026-11-20T09:00:00Z", "--out", o)
	if out, err := sync.CombinedOutput(); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"journal", "log"}, {"journal", "show", "1"}} {
		out, err := exec.Command(bin, append(args, "--journal", j)...).Output()
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		if !strings.Contains(string(out), got) {
			t.Errorf("contactsync %s does not show the build %q:\n%s", strings.Join(args, " "), got, out)
		}
	}
	if _, err := os.Stat(o); err != nil {
		t.Error(err)
	}
}

// linkedWorktree reports whether the current directory is in a linked git
// worktree (git worktree add), whose .git is a file.
func linkedWorktree(t *testing.T) bool {
	dir, err1 := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-dir").Output()
	common, err2 := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir").Output()
	if err1 != nil || err2 != nil {
		t.Fatalf("git rev-parse: %v, %v", err1, err2)
	}
	return strings.TrimSpace(string(dir)) != strings.TrimSpace(string(common))
}
