package formats

import "slices"

// WarningKind says what a Warning is about: callers and tests match
// warnings by kind, never by their text.
type WarningKind uint8

// The kinds of warnings the readers give.
const (
	// WarnSyntax: text the format's syntax does not allow, read past (a
	// line that is no property, text outside a card, a card not ended, a
	// card nested in another, cells beyond the header).
	WarnSyntax WarningKind = iota + 1
	// WarnEncoding: bytes read in another encoding than the one declared
	// or assumed (not UTF-8, bad quoted-printable or base64).
	WarnEncoding
	// WarnValue: a value that does not read as its field wants (a date,
	// a timestamp), kept as is.
	WarnValue
	// WarnColumn: a column the format does not know, kept as is or read
	// by its name.
	WarnColumn
	// WarnDateOrder: the order of an export's dates (day or month first)
	// was inferred from its values.
	WarnDateOrder
	// WarnNotContact: an item that is no contact (a mail, an
	// appointment) was skipped.
	WarnNotContact
	// WarnDistLists: distribution lists were seen and not read.
	WarnDistLists
	// WarnPassword: a PST has a password, which does not encrypt the
	// data; it was read anyway.
	WarnPassword
	// WarnFolderUnchosen: no folder was named and the PST does not say
	// which holds the contacts.
	WarnFolderUnchosen
	// WarnEmptyStore: no folder of the PST holds contact items.
	WarnEmptyStore
	// WarnMore: more warnings like a listed one, counted, not listed.
	WarnMore
)

var warningKindNames = [...]string{
	WarnSyntax: "syntax", WarnEncoding: "encoding", WarnValue: "value", WarnColumn: "column",
	WarnDateOrder: "date-order", WarnNotContact: "not-contact", WarnDistLists: "distribution-lists",
	WarnPassword: "password", WarnFolderUnchosen: "folder-unchosen", WarnEmptyStore: "empty-store", WarnMore: "more",
}

func (k WarningKind) String() string {
	if int(k) < len(warningKindNames) && warningKindNames[k] != "" {
		return warningKindNames[k]
	}
	return "warning"
}

// Warning is a note about an input that did not stop the read: its kind,
// and the text users see, positioned where it can be ("file:line:col:
// field: what").
type Warning struct {
	Kind WarningKind
	Text string
}

func (w Warning) String() string { return w.Text }

// Warn is a Warning of kind k with the text s.
func Warn(k WarningKind, s string) Warning { return Warning{Kind: k, Text: s} }

// WarningTexts returns the texts of ws, in order, for callers that list
// warnings to users.
func WarningTexts(ws []Warning) []string {
	if ws == nil {
		return nil
	}
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// HasWarning reports whether ws holds a warning of kind k.
func HasWarning(ws []Warning, k WarningKind) bool {
	return slices.ContainsFunc(ws, func(w Warning) bool { return w.Kind == k })
}
