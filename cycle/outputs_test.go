package cycle

import (
	"context"
	"testing"
)

// The hashes a cycle journals for its outputs, taken as each file was
// committed, are those of the files in place.
func TestOutputHashesAreTheFiles(t *testing.T) {
	o := fixtureOptions(t)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outputs) < 6 {
		t.Fatalf("%d outputs hashed, want every file: %v", len(res.Outputs), res.Outputs)
	}
	for _, h := range res.Outputs {
		sum, n, err := hashFile(h.Path)
		if err != nil {
			t.Fatal(err)
		}
		if sum != h.SHA256 || n != h.Size || n == 0 {
			t.Errorf("%s: journaled sha256 %s (%d bytes), the file has %s (%d bytes)", h.Path, h.SHA256, h.Size, sum, n)
		}
	}
}
