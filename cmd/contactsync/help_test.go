package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"contactsync/fixtures"
)

// TestHelpTopics: each topic is shown by "contactsync help TOPIC" and
// listed by "contactsync help".
func TestHelpTopics(t *testing.T) {
	list := mustCLI(t, "help")
	for _, tp := range helpTopics {
		out := mustCLI(t, "help", tp.name)
		if out != topicText(tp.name) {
			t.Errorf("help %s printed\n%s\nwant the topic's text\n%s", tp.name, out, topicText(tp.name))
		}
		if !strings.Contains(list, "   "+tp.name+" ") {
			t.Errorf("contactsync help does not list the topic %s:\n%s", tp.name, list)
		}
	}
}

// TestImportTopicNamesEveryOutput: every file a cycle writes for a side to
// import is explained by the import topic.
func TestImportTopicNamesEveryOutput(t *testing.T) {
	dir := t.TempDir()
	text := topicText("import")
	for _, c := range []struct{ outlook, out string }{
		{filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"), "csv"},
		{filepath.Join(realWorld(t), "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst"), "pst"},
	} {
		out := filepath.Join(dir, c.out)
		mustCLI(t, "sync", "--journal", filepath.Join(dir, c.out+".db"), "--crm", filepath.Join(fixtures.Dir(), "crm"),
			"--outlook", c.outlook, "--user", "U6UJ9A00000D", "--outlook-exported-at", "2026-11-20T09:00:00Z", "--out", out)
		for _, side := range []string{"crm", "outlook"} {
			files, err := os.ReadDir(filepath.Join(out, side))
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 {
				t.Errorf("%s cycle wrote no %s files", c.out, side)
			}
			for _, f := range files {
				if !strings.Contains(text, side+"/"+f.Name()) {
					t.Errorf("the import topic does not say what to do with %s/%s", side, f.Name())
				}
			}
		}
	}
}

// TestManPages: one page per command and journal subcommand, each naming
// every flag of its command; the main page carries the help topics; groff
// reads every page without a warning.
func TestManPages(t *testing.T) {
	app := newApp(nil, nil)
	pages, err := manPages(app)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, p := range pages {
		byName[p.name] = p.text
	}
	var want []string
	var check func(prefix string, cs []*cli.Command)
	check = func(prefix string, cs []*cli.Command) {
		for _, c := range cs {
			if c.Hidden {
				continue
			}
			name := prefix + "-" + c.Name + ".1"
			want = append(want, name)
			page, ok := byName[name]
			if !ok {
				t.Errorf("no man page %s", name)
				continue
			}
			for _, f := range c.Flags {
				if !strings.Contains(page, "--"+f.Names()[0]) {
					t.Errorf("%s does not document --%s", name, f.Names()[0])
				}
			}
			if !strings.Contains(page, ".SH OPTIONS") && len(c.Flags) > 0 {
				t.Errorf("%s has no OPTIONS section", name)
			}
			check(prefix+"-"+c.Name, c.Subcommands)
		}
	}
	check("contactsync", app.Commands)
	want = append(want, "contactsync.1")
	var got []string
	for n := range byName {
		got = append(got, n)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("man pages %v, want %v", got, want)
	}
	for _, s := range []string{".SH CRM DUMP", ".SH IMPORT", ".SH EXIT CODES", "secrights.csv", "contactsync-journal(1)"} {
		if !strings.Contains(byName["contactsync.1"], s) {
			t.Errorf("contactsync.1 lacks %q", s)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Fatalf("groff (Debian groff-base, installed by make deps) is needed to check the man pages: %v", err)
	}
	for _, p := range pages {
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = strings.NewReader(p.text)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("groff %s: %v\n%s", p.name, err, stderr.String())
		}
	}
}

func TestManCommandWritesPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	mustCLI(t, "man", dir)
	for _, n := range []string{"contactsync.1", "contactsync-sync.1", "contactsync-journal-verify.1"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Error(err)
		}
	}
	if code, _, _ := runCLI(t, "man"); code != exitUsage {
		t.Errorf("man without DIR: exit %d, want %d", code, exitUsage)
	}
}
