package main

import (
	_ "embed"
	"runtime/debug"
	"strings"
)

// Set by release builds (make release), which build with -buildvcs=false
// and so carry no version control information of their own:
//
//	-ldflags '-X main.version=v1.2.0 -X main.commit=<40 hex> -X main.modified=false'
var (
	version  string
	commit   string
	modified string
)

// sourceVersion is what the source archive of a release (make release)
// writes into source-version.txt: "VERSION COMMIT clean". In git the file
// holds only a comment, so a build from a checkout takes its version from
// the build information Go records (debug.ReadBuildInfo), and a plain
// "go build" in an unpacked source archive, which has no .git, still says
// which release and commit it is.
//
//go:embed source-version.txt
var sourceVersion string

// buildVersion describes this binary for --version and for the journal,
// which records it for every cycle so that an auditor can tell which build
// made a cycle: "VERSION (commit HASH, clean|modified)". An unknown part is
// said to be unknown, never guessed.
func buildVersion() string {
	v, c, m := version, commit, modified
	if v == "" {
		v, c, m = fromSourceArchive(sourceVersion)
	}
	if v == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			v, c, m = fromBuildInfo(bi)
		}
	}
	return formatVersion(v, c, m)
}

func formatVersion(v, c, m string) string {
	if v == "" {
		v = "dev"
	}
	switch {
	case c == "":
		return v + " (commit unknown: built without version control information)"
	case m == "true":
		return v + " (commit " + c + ", modified)"
	case m == "false":
		return v + " (commit " + c + ", clean)"
	}
	return v + " (commit " + c + ")"
}

// fromSourceArchive reads the first line of source-version.txt that is not
// a comment: "VERSION COMMIT clean|modified".
func fromSourceArchive(s string) (v, c, m string) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 3 || (f[2] != "clean" && f[2] != "modified") {
			return "", "", "" // not ours: fall back to the build information
		}
		return f[0], f[1], map[string]string{"clean": "false", "modified": "true"}[f[2]]
	}
	return "", "", ""
}

// fromBuildInfo takes what "go build" records from git (Go 1.24 and later
// also stamp the main module's version, "v0.0.0-DATE-HASH[+dirty]", from
// the commit and tags).
func fromBuildInfo(bi *debug.BuildInfo) (v, c, m string) {
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			c = s.Value
		case "vcs.modified":
			m = s.Value
		}
	}
	return v, c, m
}
