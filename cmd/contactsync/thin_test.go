package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The CLI only translates (issue 10, point 5): no function of cmd over 60
// lines, and no file of cmd over 800; the cycle library it calls keeps to
// the same measure.
func TestThinCLI(t *testing.T) {
	const maxFunc, maxFile = 60, 800
	for _, dir := range []string{".", "../../cycle"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n := fset.Position(f.End()).Line; n > maxFile {
				t.Errorf("%s has %d lines, more than %d: split it by concern", path, n, maxFile)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if fn, ok := n.(*ast.FuncDecl); ok && fn.Body != nil {
					from, to := fset.Position(fn.Pos()).Line, fset.Position(fn.Body.End()).Line
					if to-from+1 > maxFunc {
						t.Errorf("%s:%d: %s has %d lines, more than %d: split it into steps", path, from, fn.Name.Name, to-from+1, maxFunc)
					}
				}
				return true
			})
		}
	}
}
