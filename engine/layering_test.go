package engine

// The layering of DESIGN §2, read from the real import graph with `go list`
// (non-test imports only). Packages that do not exist yet are not checked;
// every package that exists is.

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
			return isStd(p) || isThirdParty(p) || p == module+"/formats" || p == module+"/engine/contact"
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
}

// exclusiveLibs maps each third-party library to the one project package
// allowed to import it (STYLE §1).
var exclusiveLibs = map[string]string{
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
	sort.Strings(bad)
	return slices.Compact(bad)
}

// goList lists every package of the module with its non-test imports.
func goList(t *testing.T) []listedPackage {
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
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = root
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

// TestLayering checks the real import graph of the module.
func TestLayering(t *testing.T) {
	pkgs := goList(t)
	var paths []string
	for _, p := range pkgs {
		paths = append(paths, p.ImportPath)
	}
	// The test must not pass by seeing nothing.
	for _, must := range []string{module + "/engine", module + "/engine/contact", module + "/formats"} {
		if !slices.Contains(paths, must) {
			t.Fatalf("go list did not report %s; got %q", must, paths)
		}
	}
	for _, v := range layeringViolations(pkgs) {
		t.Error(v)
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
		{ImportPath: m("cmd/contactsync"), Imports: []string{m("engine"), m("journal"), m("journal/audit"), m("formats/vcard"), "github.com/urfave/cli/v2"}},
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
			[]string{"engine/contact imports golang.org"}},
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
