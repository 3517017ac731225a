package cycle

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A dry run returns the plan a sync of the same inputs writes to plan.txt,
// and writes nothing: no journal, no output folder.
func TestRunDryRunIsTheSyncPlan(t *testing.T) {
	o := fixtureOptions(t)
	dir := filepath.Dir(o.Journal)
	o.DryRun = true
	dry, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Committed || dry.Outputs != nil {
		t.Errorf("dry run: committed %v, %d outputs", dry.Committed, len(dry.Outputs))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 { // the Outlook export
		t.Fatalf("the dry run wrote %d files", len(ents)-1)
	}
	var text bytes.Buffer
	if err := dry.Plan.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	o.DryRun = false
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || res.Head == "" || res.HeadErr != nil || !res.FirstCycle {
		t.Errorf("sync: committed %v, head %q (%v), first cycle %v", res.Committed, res.Head, res.HeadErr, res.FirstCycle)
	}
	written, err := os.ReadFile(filepath.Join(o.Out, "plan.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(text.Bytes(), written) {
		t.Errorf("the dry run's plan differs from plan.txt:\n%s\n---\n%s", text.Bytes(), written)
	}
	if !strings.Contains(res.OutlookCSV, "Outlook CSV in ") {
		t.Errorf("OutlookCSV = %q, want how contacts.csv was written", res.OutlookCSV)
	}
	imp, _ := os.ReadFile(filepath.Join(o.Out, ImportFileName))
	if !strings.Contains(string(imp), "outlook/contacts.csv is Outlook CSV in ") {
		t.Errorf("%s does not say how outlook/contacts.csv was written:\n%s", ImportFileName, imp)
	}
}

// The library never prints: what a run did before the plan (housekeeping)
// comes through Notify, and a cancelled context stops it with an
// Interrupted error before anything is committed.
func TestRunNotifiesAndStops(t *testing.T) {
	o := fixtureOptions(t)
	dir := filepath.Dir(o.Journal)
	left := filepath.Join(dir, ".c0.partial-4242") // left by a run that was killed
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	var told []string
	o.Notify = func(m string) { told = append(told, m) }
	ctx, cancel := context.WithCancel(context.Background())
	o.AfterPlan = cancel // Ctrl-C once the plan is made
	_, err := Run(ctx, o)
	var e *Error
	if !errors.As(err, &e) || e.Kind != Interrupted {
		t.Fatalf("Run after cancel = %v, want an Interrupted error", err)
	}
	if len(told) != 1 || !strings.Contains(told[0], "removed "+left) {
		t.Errorf("notices %q, want the removal of %s", told, left)
	}
	for _, p := range []string{o.Journal, o.Out} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is there after an interrupted first cycle: %v", p, err)
		}
	}
	// Nor the staging folder made before the plan.
	if ents, _ := os.ReadDir(dir); len(ents) != 1 { // the Outlook export
		t.Errorf("left after an interrupted first cycle: %v", ents)
	}
}
