package engine

// The layering of DESIGN §2, read from the real import graph with `go list`
// (non-test imports only, for this system and for Windows). Packages that
// do not exist yet are not checked; every package that exists is. STYLE §1
// is checked on the same graph: each third-party module is imported by
// exactly one non-test package of the project.

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "contactsync"

// listedPackage is the part of `go list -json` the rules read.
type listedPackage struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
	Module     *struct{ Path string }
}

func isProject(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

// isStd tells standard-library paths by their first element, which has no
// dot (the pseudo-package "C" of cgo counts as standard).
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !isProject(p) && !strings.Contains(first, ".")
}

func isThirdParty(p string) bool { return !isProject(p) && !isStd(p) }

// within reports whether p is pkg or one of its sub-packages.
func within(p, pkg string) bool { return p == pkg || strings.HasPrefix(p, pkg+"/") }

// layerRule says which imports a group of project packages may have.
type layerRule struct {
	name    string
	applies func(pkg string) bool
	// allowed judges one import; transitive says whether it is checked
	// against every dependency or only the direct imports.
	allowed    func(imp string) bool
	transitive bool
}

// inSet matches exactly the named project packages (paths relative to the module).
func inSet(ps ...string) func(string) bool {
	return func(p string) bool {
		rel, ok := strings.CutPrefix(p, module+"/")
		return ok && slices.Contains(ps, rel)
	}
}

var layerRules = []layerRule{
	{
		name:       "engine/contact imports only the standard library",
		applies:    inSet("engine/contact"),
		allowed:    isStd,
		transitive: true,
	},
	{
		name:       "engine imports only engine/contact and the standard library",
		applies:    inSet("engine"),
		allowed:    func(p string) bool { return isStd(p) || p == module+"/engine/contact" },
		transitive: true,
	},
	{
		name:    "formats and formats/* import only the standard library, formats, engine/contact and third-party libraries",
		applies: func(p string) bool { return within(p, module+"/formats") && p != module+"/formats/msg" },
		allowed: func(p string) bool {
			return isStd(p) || isThirdParty(p) || p == module+"/formats" || p == module+"/formats/csvscan" || p == module+"/engine/contact"
		},
		transitive: true,
	},
	{
		// An .msg holds the same MAPI properties as a PST item: formats/msg
		// reads the compound file and maps with formats/pst's one mapping
		// (pst.Message), so the two cannot disagree.
		name:    "formats/msg imports only what formats/* may, and formats/pst",
		applies: inSet("formats/msg"),
		allowed: func(p string) bool {
			return isStd(p) || isThirdParty(p) || p == module+"/formats" || p == module+"/engine/contact" || p == module+"/formats/pst"
		},
		transitive: true,
	},
	{
		name:       "journal imports only engine and engine/contact of the project (never formats, its audit rendering or cmd)",
		applies:    inSet("journal"),
		allowed:    func(p string) bool { return !isProject(p) || p == module+"/engine" || p == module+"/engine/contact" },
		transitive: true,
	},
	{
		// Audit rendering reads the journal through its API; nothing below
		// it (engine, journal) renders or imports it.
		name:    "journal/audit imports only journal, engine, engine/contact and formats of the project",
		applies: inSet("journal/audit"),
		allowed: func(p string) bool {
			return !isProject(p) || slices.Contains([]string{"journal", "engine", "engine/contact", "formats"}, strings.TrimPrefix(p, module+"/"))
		},
		transitive: true,
	},
	{
		// What the cycle needs from the CLI comes in as a value (options,
		// a progress interface); error kinds live beside the cycle.
		name:       "cycle imports everything of the project but cmd",
		applies:    func(p string) bool { return within(p, module+"/cycle") },
		allowed:    func(p string) bool { return !within(p, module+"/cmd") },
		transitive: true,
	},
}

// exclusiveLibs maps third-party libraries to the one project package
// allowed to import each (STYLE §1). A module not named here may still be
// imported by one package only (see oneImporterPerModule).
var exclusiveLibs = map[string]string{
	"golang.org/x/text":               module + "/formats",
	"golang.org/x/sys":                module + "/journal",
	"github.com/gofrs/flock":          module + "/journal",
	"github.com/schollz/progressbar":  module + "/cmd/contactsync",
	"github.com/emersion/go-vcard":    module + "/formats/vcard",
	"github.com/mattn/go-sqlite3":     module + "/journal",
	"github.com/urfave/cli":           module + "/cmd/contactsync",
	"github.com/gocarina/gocsv":       module + "/formats/crmcsv",
	"github.com/nyaruka/phonenumbers": module + "/formats/phone",
	"github.com/richardlehane/mscfb":  module + "/formats/msg",
	"github.com/sergi/go-diff":        module + "/journal/audit",
}

// layeringViolations returns one line per broken rule, sorted. A
// transitive rule is checked on the edges that leave project code: the
// imports of the package itself and of every project package it depends
// on, so a bad library is named once, with the package that brings it in,
// and not with every package of that library.
func layeringViolations(pkgs []listedPackage) []string {
	byPath := map[string]listedPackage{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var bad []string
	for _, pkg := range pkgs {
		if !isProject(pkg.ImportPath) {
			continue
		}
		for _, r := range layerRules {
			if !r.applies(pkg.ImportPath) {
				continue
			}
			for _, imp := range pkg.Imports {
				if !r.allowed(imp) {
					bad = append(bad, pkg.ImportPath+" imports "+imp+" (rule: "+r.name+")")
				}
			}
			if !r.transitive {
				continue
			}
			for _, dep := range pkg.Deps {
				if !isProject(dep) {
					continue
				}
				for _, imp := range byPath[dep].Imports {
					if !r.allowed(imp) {
						bad = append(bad, pkg.ImportPath+" depends on "+imp+" via "+dep+" (rule: "+r.name+")")
					}
				}
			}
		}
		for _, imp := range pkg.Imports {
			for lib, owner := range exclusiveLibs {
				if within(imp, lib) && pkg.ImportPath != owner {
					bad = append(bad, pkg.ImportPath+" imports "+imp+" (rule: "+lib+" belongs to "+owner+" only)")
				}
			}
		}
	}
	bad = append(bad, oneImporterPerModule(pkgs, byPath)...)
	sort.Strings(bad)
	return slices.Compact(bad)
}

// ownedLib reports whether imp belongs to a library of exclusiveLibs.
func ownedLib(imp string) bool {
	for lib := range exclusiveLibs {
		if within(imp, lib) {
			return true
		}
	}
	return false
}

// moduleOf is the module of the third-party package imp: as go list
// reports it, or, for a package it did not list, the first three elements
// of the path (host/owner/repo).
func moduleOf(imp string, byPath map[string]listedPackage) string {
	if p, ok := byPath[imp]; ok && p.Module != nil && p.Module.Path != "" {
		return p.Module.Path
	}
	parts := strings.SplitN(imp, "/", 4)
	return strings.Join(parts[:min(3, len(parts))], "/")
}

// oneImporterPerModule reports every third-party module imported by more
// than one project package (STYLE §1): a library is wrapped by one package
// that the others use, so that replacing it touches one place. The modules
// of exclusiveLibs are left to its stricter check (the named owner only).
func oneImporterPerModule(pkgs []listedPackage, byPath map[string]listedPackage) []string {
	importers := map[string][]string{}
	for _, pkg := range pkgs {
		if !isProject(pkg.ImportPath) {
			continue
		}
		for _, imp := range pkg.Imports {
			if !isThirdParty(imp) || ownedLib(imp) {
				continue
			}
			m := moduleOf(imp, byPath)
			if !slices.Contains(importers[m], pkg.ImportPath) {
				importers[m] = append(importers[m], pkg.ImportPath)
			}
		}
	}
	var bad []string
	for m, ps := range importers {
		if len(ps) > 1 {
			slices.Sort(ps)
			bad = append(bad, m+" is imported by "+strings.Join(ps, " and ")+" (rule: each third-party module is imported by exactly one non-test package)")
		}
	}
	return bad
}

// goList lists every package of the module, and the packages they depend
// on, with their non-test imports, as built for goos ("" = this system).
func goList(t *testing.T, goos string) []listedPackage {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above the engine package: %v", err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// -e: a package another engineer is in the middle of writing may not
	// compile; its imports are still listed and still checked.
	cmd := exec.Command(goBin, "list", "-e", "-deps", "-json=ImportPath,Imports,Deps,Module", "./...")
	cmd.Dir = root
	if goos != "" {
		cmd.Env = append(os.Environ(), "GOOS="+goos)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestLayering checks the real import graph of the module, here and on
// Windows (whose files import other packages).
func TestLayering(t *testing.T) {
	for _, goos := range []string{"", "windows"} {
		pkgs := goList(t, goos)
		var paths []string
		for _, p := range pkgs {
			paths = append(paths, p.ImportPath)
		}
		// The test must not pass by seeing nothing.
		for _, must := range []string{module + "/engine", module + "/engine/contact", module + "/formats", module + "/cycle", "golang.org/x/text/transform"} {
			if !slices.Contains(paths, must) {
				t.Fatalf("go list (GOOS %q) did not report %s; got %q", goos, must, paths)
			}
		}
		for _, v := range layeringViolations(pkgs) {
			t.Errorf("GOOS %q: %s", goos, v)
		}
	}
}

// TestLayeringRulesCatchViolations feeds the rules a graph with one
// violation of each kind, so a rule that silently accepts everything fails
// here rather than letting a bad import through.
func TestLayeringRulesCatchViolations(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	good := []listedPackage{
		{ImportPath: m("engine/contact"), Imports: []string{"strings", "time"}},
		{ImportPath: m("engine"), Imports: []string{"fmt", m("engine/contact")}},
		{ImportPath: m("formats"), Imports: []string{"bytes", "golang.org/x/text/encoding", m("engine/contact")}},
		{ImportPath: m("formats/vcard"), Imports: []string{m("formats"), "github.com/emersion/go-vcard"}},
		{ImportPath: m("formats/crmcsv"), Imports: []string{m("formats"), "github.com/gocarina/gocsv"}},
		{ImportPath: m("journal"), Imports: []string{m("engine"), "github.com/mattn/go-sqlite3", "C"}},
		{ImportPath: m("journal/audit"), Imports: []string{m("journal"), m("engine"), m("engine/contact"), "github.com/sergi/go-diff/diffmatchpatch"}},
		{ImportPath: m("cycle"), Imports: []string{m("engine"), m("journal"), m("journal/audit"), m("formats"), m("formats/vcard")}},
		{ImportPath: m("cmd/contactsync"), Imports: []string{m("cycle"), m("engine"), m("journal"), m("journal/audit"), m("formats/vcard"), "github.com/urfave/cli/v2"}},
		{ImportPath: "github.com/urfave/cli/v2", Imports: []string{"github.com/xrash/smetrics"}},
	}
	if v := layeringViolations(good); len(v) != 0 {
		t.Fatalf("a graph that keeps every rule is reported: %q", v)
	}
	tests := []struct {
		name string
		pkgs []listedPackage // replace the packages of the same path in good, or add
		want []string        // a substring of each violation, in sorted order
	}{
		{"contact imports a project package",
			[]listedPackage{{ImportPath: m("engine/contact"), Imports: []string{m("formats")}}},
			[]string{"engine/contact imports contactsync/formats"}},
		{"contact imports a third-party library",
			[]listedPackage{{ImportPath: m("engine/contact"), Imports: []string{"golang.org/x/text/encoding"}}},
			[]string{"engine/contact imports golang.org/x/text/encoding (rule: engine/contact", "engine/contact imports golang.org/x/text/encoding (rule: golang.org/x/text belongs to"}},
		{"engine imports formats",
			[]listedPackage{{ImportPath: m("engine"), Imports: []string{m("formats")}}},
			[]string{"engine imports contactsync/formats"}},
		{"engine imports journal",
			[]listedPackage{{ImportPath: m("engine"), Imports: []string{m("journal")}}},
			[]string{"engine imports contactsync/journal"}},
		{"engine imports a third-party library",
			[]listedPackage{{ImportPath: m("engine"), Imports: []string{"example.com/lib/diff"}}},
			[]string{"engine imports example.com/lib"}},
		{"engine depends on a library through contact",
			[]listedPackage{
				{ImportPath: m("engine/contact"), Imports: []string{"example.com/lib/diff"}},
				{ImportPath: m("engine"), Imports: []string{m("engine/contact")}, Deps: []string{m("engine/contact"), "example.com/lib/diff"}},
			},
			[]string{"engine depends on example.com/lib/diff via contactsync/engine/contact", "engine/contact imports example.com/lib"}},
		{"a format imports engine",
			[]listedPackage{{ImportPath: m("formats/outlookcsv"), Imports: []string{m("engine")}}},
			[]string{"formats/outlookcsv imports contactsync/engine "}},
		{"a format imports journal",
			[]listedPackage{{ImportPath: m("formats/pst"), Imports: []string{m("journal")}}},
			[]string{"formats/pst imports contactsync/journal"}},
		{"a format imports cmd",
			[]listedPackage{{ImportPath: m("formats/vcard"), Imports: []string{m("cmd/contactsync")}}},
			[]string{"formats/vcard imports contactsync/cmd"}},
		{"formats imports fixtures",
			[]listedPackage{{ImportPath: m("formats"), Imports: []string{m("fixtures")}}},
			[]string{"formats imports contactsync/fixtures"}},
		{"a format reaches engine through formats",
			[]listedPackage{
				{ImportPath: m("formats"), Imports: []string{m("engine")}},
				{ImportPath: m("formats/crmcsv"), Imports: []string{m("formats")}, Deps: []string{m("formats"), m("engine"), m("engine/contact")}},
			},
			[]string{"formats imports contactsync/engine ", "formats/crmcsv depends on contactsync/engine via contactsync/formats"}},
		{"journal imports formats",
			[]listedPackage{{ImportPath: m("journal"), Imports: []string{m("formats/crmcsv")}}},
			[]string{"journal imports contactsync/formats/crmcsv"}},
		{"journal imports its audit rendering",
			[]listedPackage{{ImportPath: m("journal"), Imports: []string{m("journal/audit")}}},
			[]string{"journal imports contactsync/journal/audit"}},
		{"engine imports audit rendering",
			[]listedPackage{{ImportPath: m("engine"), Imports: []string{m("journal/audit")}}},
			[]string{"engine imports contactsync/journal/audit"}},
		{"the cycle imports cmd",
			[]listedPackage{{ImportPath: m("cycle"), Imports: []string{m("engine"), m("journal"), m("cmd/contactsync")}}},
			[]string{"cycle imports contactsync/cmd/contactsync (rule: cycle imports everything of the project but cmd)"}},
		{"the cycle reaches cmd through a package of its own",
			[]listedPackage{
				{ImportPath: m("cycle/internal/x"), Imports: []string{m("cmd/contactsync")}},
				{ImportPath: m("cycle"), Imports: []string{m("cycle/internal/x")}, Deps: []string{m("cycle/internal/x"), m("cmd/contactsync")}},
			},
			[]string{"cycle depends on contactsync/cmd/contactsync via contactsync/cycle/internal/x", "cycle/internal/x imports contactsync/cmd/contactsync"}},
		{"audit rendering imports cmd",
			[]listedPackage{{ImportPath: m("journal/audit"), Imports: []string{m("journal"), m("cmd/contactsync")}}},
			[]string{"journal/audit imports contactsync/cmd/contactsync"}},
		{"go-diff outside journal/audit",
			[]listedPackage{{ImportPath: m("journal"), Imports: []string{"github.com/sergi/go-diff/diffmatchpatch"}}},
			[]string{"go-diff belongs to"}},
		{"go-vcard outside formats/vcard",
			[]listedPackage{{ImportPath: m("formats/outlookcsv"), Imports: []string{"github.com/emersion/go-vcard"}}},
			[]string{"go-vcard belongs to"}},
		{"go-sqlite3 outside journal",
			[]listedPackage{{ImportPath: m("cmd/contactsync"), Imports: []string{"github.com/mattn/go-sqlite3"}}},
			[]string{"go-sqlite3 belongs to"}},
		{"urfave/cli outside cmd",
			[]listedPackage{{ImportPath: m("journal"), Imports: []string{"github.com/urfave/cli/v2"}}},
			[]string{"urfave/cli belongs to"}},
		{"gocsv outside crmcsv",
			[]listedPackage{{ImportPath: m("formats/outlookcsv"), Imports: []string{"github.com/gocarina/gocsv"}}},
			[]string{"gocsv belongs to"}},
		{"x/text in a second package",
			[]listedPackage{{ImportPath: m("formats/vcard"), Imports: []string{m("formats"), "github.com/emersion/go-vcard", "golang.org/x/text/transform"}}},
			[]string{"formats/vcard imports golang.org/x/text/transform (rule: golang.org/x/text belongs to contactsync/formats only)"}},
		{"a module not named in exclusiveLibs, in two packages",
			[]listedPackage{
				{ImportPath: m("formats/crmcsv"), Imports: []string{m("formats"), "github.com/gocarina/gocsv", "example.com/lib/text/width"}},
				{ImportPath: m("formats/vcard"), Imports: []string{m("formats"), "github.com/emersion/go-vcard", "example.com/lib/text"}},
			},
			[]string{"example.com/lib/text is imported by contactsync/formats/crmcsv and contactsync/formats/vcard (rule: each third-party module"}},
		{"two packages of one module, as go list names it",
			[]listedPackage{
				{ImportPath: m("journal"), Imports: []string{m("engine"), "github.com/mattn/go-sqlite3", "example.com/x/a"}},
				{ImportPath: m("formats/crmcsv"), Imports: []string{m("formats"), "github.com/gocarina/gocsv", "example.com/y/b"}},
				{ImportPath: "example.com/x/a", Module: &struct{ Path string }{"example.com"}},
				{ImportPath: "example.com/y/b", Module: &struct{ Path string }{"example.com"}},
			},
			[]string{"example.com is imported by contactsync/formats/crmcsv and contactsync/journal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			graph := slices.Clone(good)
			for _, p := range tt.pkgs {
				if i := slices.IndexFunc(graph, func(g listedPackage) bool { return g.ImportPath == p.ImportPath }); i >= 0 {
					graph[i] = p
				} else {
					graph = append(graph, p)
				}
			}
			got := layeringViolations(graph)
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.Contains(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("violations = %q\nwant one containing each of %q", got, tt.want)
			}
		})
	}
}
