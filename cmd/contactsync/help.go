package main

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/formats"
)

// The help topics are plain text in help/*.txt, except the import steps,
// which writeImportSteps writes for the help as for every cycle's
// IMPORT.txt: the terminal help ("contactsync help TOPIC") and the man page
// say the same thing as the files, from one place.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpTopics lists the topics in the order the help shows them.
var helpTopics = []struct{ name, title string }{
	{"crm-dump", "the CRM dump folder: its files and columns"},
	{"import", "importing a cycle's files into the CRM and Outlook, step by step"},
	{"exit-codes", "what each exit code means"},
}

// topicText returns the text of a help topic; it panics for a name that is
// not one, which only a programming error can cause (a test reads them all).
func topicText(name string) string {
	if name == "import" {
		var b strings.Builder
		if err := cycle.WriteImportSteps(&b, cycle.ImportSteps{}); err != nil {
			panic(fmt.Sprintf("help topic %q: %v", name, err))
		}
		return b.String()
	}
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic(fmt.Sprintf("help topic %q: %v", name, err))
	}
	return string(b)
}

// topicCommands makes each topic a hidden command whose help is its text:
// urfave/cli's help command then shows it for "contactsync help TOPIC".
func topicCommands() []*cli.Command {
	var cs []*cli.Command
	for _, t := range helpTopics {
		text := topicText(t.name)
		cs = append(cs, &cli.Command{
			Name: t.name, Usage: t.title, Hidden: true, HideHelp: true,
			Description: text, CustomHelpTemplate: "{{.Description}}",
			Action: func(ctx *cli.Context) error {
				_, err := fmt.Fprint(ctx.App.Writer, text)
				return err
			},
		})
	}
	return cs
}

// appHelpTemplate is urfave/cli's, followed by the list of help topics.
func appHelpTemplate() string {
	var b strings.Builder
	b.WriteString(cli.AppHelpTemplate)
	b.WriteString("\nHELP TOPICS (contactsync help TOPIC):\n")
	for _, t := range helpTopics {
		fmt.Fprintf(&b, "   %-12s%s\n", t.name, t.title)
	}
	return b.String()
}

// manCommand writes the man pages (make release puts them in dist/ and the
// .deb). It is hidden: users read the pages, they do not make them.
func manCommand() *cli.Command {
	return &cli.Command{
		Name: "man", Hidden: true, Usage: "write the man pages into DIR",
		UsageText: "contactsync man DIR",
		Action: func(ctx *cli.Context) error {
			if ctx.NArg() != 1 {
				return usagef("man needs the DIR to write the pages into")
			}
			pages, err := manPages(newApp(nil, nil))
			if err != nil {
				return classify(err)
			}
			dir := ctx.Args().First()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return classify(err)
			}
			for _, p := range pages {
				if err := formats.WriteFileAtomic(filepath.Join(dir, p.name), []byte(p.text), 0o644); err != nil {
					return classify(err)
				}
			}
			fmt.Fprintf(ctx.App.Writer, "%d man pages written to %s\n", len(pages), dir)
			return nil
		},
	}
}

type manPage struct{ name, text string }

// manPages renders section 1 pages with urfave/cli's ToMan: contactsync.1
// (the commands, then the help topics) and one page per command and
// journal subcommand, contactsync-sync.1, contactsync-journal-log.1, ...
func manPages(app *cli.App) ([]manPage, error) {
	main, err := app.ToManWithSection(1)
	if err != nil {
		return nil, err
	}
	for _, t := range helpTopics {
		main += roffSection(strings.ToUpper(strings.ReplaceAll(t.name, "-", " ")), topicText(t.name))
	}
	main += roffSection("SEE ALSO", seeAlso(app.Name, app.Commands))
	pages := []manPage{{app.Name + ".1", main}}
	var add func(prefix string, cs []*cli.Command) error
	add = func(prefix string, cs []*cli.Command) error {
		for _, c := range cs {
			if c.Hidden {
				continue
			}
			name := prefix + "-" + c.Name
			doc := &cli.App{Name: name, Usage: c.Usage, UsageText: c.UsageText, Description: c.Description,
				Flags: c.Flags, Commands: c.Subcommands}
			if doc.UsageText == "" {
				doc.UsageText = strings.ReplaceAll(name, "-", " ") + " [options]"
				if len(c.Subcommands) > 0 {
					doc.UsageText = strings.ReplaceAll(name, "-", " ") + " COMMAND [options]"
				}
			}
			text, err := doc.ToManWithSection(1)
			if err != nil {
				return fmt.Errorf("man page %s: %w", name, err)
			}
			// A command's flags are its own, not global ones.
			text = strings.Replace(text, ".SH GLOBAL OPTIONS", ".SH OPTIONS", 1)
			text += roffSection("SEE ALSO", app.Name+"(1)")
			pages = append(pages, manPage{name + ".1", text})
			if err := add(name, c.Subcommands); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add(app.Name, app.Commands); err != nil {
		return nil, err
	}
	return pages, nil
}

func seeAlso(name string, cs []*cli.Command) string {
	var refs []string
	for _, c := range cs {
		if !c.Hidden {
			refs = append(refs, name+"-"+c.Name+"(1)")
		}
	}
	return strings.Join(refs, ", ") + "\n"
}

// roffSection renders plain text as a man page section, its lines kept as
// written (the topics are laid out for a terminal already).
func roffSection(title, text string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n.SH %s\n.nf\n", title)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.ReplaceAll(line, `\`, `\e`)
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = `\&` + line
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(".fi\n")
	return b.String()
}
