// Package vcard reads vCard 2.1, 3.0 and 4.0 files (one file with many
// cards, or a vdir folder with one .vcf per contact) into contact.Contact
// values and writes them back as vCard 3.0 (default) or 4.0.
//
// # Reading
//
// The reader is this package's own lexer; github.com/emersion/go-vcard is
// not used to read. go-vcard loses values on what real clients write: vCard
// 2.1 nameless parameters ("TEL;WORK;VOICE:" comes back with an empty
// value, "ADR;WORK;PREF:" lines vanish), quoted-printable continuation
// lines are dropped, CHARSET is ignored, and "\;" inside N or ADR is not
// unescaped. Normalising the input before go-vcard would have meant writing
// this lexer anyway, so go-vcard is used only in the tests and benchmarks,
// as the yardstick for reading speed (BenchmarkGoVcardDecode). It is not
// used to write either: its encoder does not fold lines, escapes commas in
// every value (CATEGORIES) and does not escape ';' inside N and ADR parts.
//
// What the lexer accepts:
//   - BEGIN/END in any case; cards nested in a card (vCard 2.1 AGENT) are
//     read as contacts of their own, with a warning; no VERSION line means
//     vCard 2.1 rules;
//   - line ends LF, CRLF, CR, and CR CR LF (iOS 6), mixed in one file;
//     folded lines (a leading blank is removed), also inside parameters;
//   - vCard 2.1 nameless parameters ("TEL;WORK;VOICE"), read as TYPE values;
//   - ENCODING=QUOTED-PRINTABLE with soft line breaks, whatever the next line
//     starts with; base64 continued by unindented lines up to a blank line;
//   - a value whose line ends in a backslash continued on a line without ':'
//     (Android's multi-line ADR), read as a line break, with a warning;
//   - files in UTF-16 with a BOM, and UTF-16 without BOM when the first
//     character is ASCII (recognised by its NUL byte; roundcube's Apple
//     sample); a UTF-8 BOM.
//
// Character sets, value by value: a CHARSET parameter (UTF-8, Windows-125x,
// ISO-8859-x, Shift_JIS, any WHATWG name) is honoured. Without one, bytes
// that are valid UTF-8 are UTF-8, anything else is Windows-1252 — also after
// quoted-printable decoding. Outlook writes quoted-printable Windows-1252
// without CHARSET; a byte sequence that is valid UTF-8 is almost never
// meant as Windows-1252 text, so UTF-8 is tried first. (The Bat! writes
// ISO-8859-2 without CHARSET; it reads as Windows-1252 and cannot be told
// apart.) A CHARSET=UTF-8 value with invalid bytes keeps its valid text and
// gets U+FFFD for the bad bytes, with a warning.
//
// Leniencies, each a warning "file:line:col: field: ..." (Check and
// `validate` list them), never silent, as Evolution, python-vobject,
// ez-vcard and sabre/vobject read such files: text outside BEGIN…END (an
// "ENCODING:UTF-8" line before the first card) is skipped; an empty
// parameter ("NOTE;:x", "TEL;TYPE=WORK;;X=1:") is ignored; a ',' right
// after the property name ("LABEL,TYPE=HOME:") is read as ';'; other
// visible punctuation in a name ("X-messaging/twitter-All") is read as
// written (such a name is written back inside X-CONTACTSYNC-EXTRA); a line
// with no ':' (a bare "FN", a "# comment") is skipped; a blank between
// the name and ':' is ignored; a quote inside an unquoted parameter value
// (Apple's X-ADDRESS=...\"Name\"...) is text; bytes that are not
// UTF-8 in a 3.0/4.0 value without CHARSET are Windows-1252; a file that
// ends inside a card closes it.
//
// Errors: what cannot be delimited or read (END:VCARD without BEGIN, a file
// with no card at all, a header with ':' that still cannot be parsed: a
// blank in a name, an unterminated quote) is a *formats.ParseError with
// file:line:col. Read stops at the first; Validate lists all. Oddities that
// lose nothing (a BDAY that is no date, invalid base64, a nested card) are
// Warnings, "file:line: ...".
//
// # Mapping
//
// The first N, FN, ORG (company;department), TITLE, NOTE, URL, BDAY,
// CATEGORIES, REV (Modified, ModifiedFrom "REV"), UID (Key) fill the
// fields; the first three non-empty EMAILs in preference order (TYPE=pref,
// then PREF=n, then file order) are email1..3; each TEL takes the first
// free phone field its types allow (fax+work, fax+home, fax; pager; an
// X-…ASSISTANT type; main/X-…COMPANY…; cell; work, then work 2; home, then
// home 2; anything else phone_other); each ADR fills the business, home or
// other address by its work/home type. Multi-valued components keep their
// commas; street lines are joined by "\n".
//
// Everything else is kept in Contact.Extra, in file order, and written
// back: the property as Extra{Name: "[group.]NAME;PARAM=v,...", Value: the
// value exactly as in a vCard 3.0 line, Format: contact.FormatVCard}. Name and parameters are as in the
// file except that vCard 2.1 nameless parameters become one TYPE=,
// CHARSET and ENCODING=QUOTED-PRINTABLE/8BIT are dropped (the value is kept
// decoded, in UTF-8) and ENCODING=BASE64 becomes ENCODING=b (base64 kept
// without line breaks). Values of vCard 2.1 cards are re-escaped for 3.0
// (a line break becomes \n, a comma \,). Empty properties of mapped kinds
// are kept the same way. So are properties beyond the slots (a fourth
// EMAIL, a second NOTE, a BDAY that is no date).
//
// Own Extra names starting with "=" are carriers: what a mapped property had
// that the fields cannot hold. "=email1" (and =N, =FN, =TEL slots such as
// =phone_mobile, =address_home, =URL, ...) holds the group, name and
// parameters of the property that filled the slot when they differ from
// what the writer would write ("EMAIL;TYPE=PREF,INTERNET",
// "item1.EMAIL;type=INTERNET", "N;LANGUAGE=en-us"); the writer uses them
// for that slot. "=address_home.pobox" and ".extended" keep the ADR post
// office box and extended address, "=ORG.rest", "=N.rest" and
// "=address_home.rest" the components after the mapped ones. "=FN.text"
// keeps an FN that differs from the name the writer would derive, and
// "=FN.from" that derived name: the kept FN is written only while the name
// fields still give the same derived name, so a renamed contact does not
// keep a stale FN. Carriers come after the kept properties, in slot order.
// "PROFILE:VCARD" (3.0) is structure, like VERSION, and is not kept.
//
// # Writing
//
// Write gives BEGIN, VERSION, FN, N (always), then ORG, TITLE, EMAILs,
// TELs, ADRs, URL, NOTE, BDAY, CATEGORIES, UID (from Key, when set) and
// REV (from Modified, basic UTC format), then the kept properties, END.
// Lines end CRLF and are folded at 75 octets, never inside a UTF-8
// character. Text is escaped (\\ \n \, \;) in every component of N, ADR and
// ORG and in each category. For 4.0, BDAY uses the basic format, TYPE=pref
// becomes PREF=1 and base64 values become data: URIs. Reading what Write
// wrote gives the same contacts (tests check this for every real-world
// sample).
//
// # Extras of other formats
//
// Extra.Format says which format read a value. Extras of this package
// (Format vcard, or empty: Extras made before Format existed were always
// the writer's own) are written as the properties they were. Every other
// Extra — an Outlook CSV column such as "Gender", a PST property such as
// "PidTagNickname", another format's "="-prefixed shadow — is not a vCard
// property even when its name looks like one, and goes into one carrier
// property, from which the reader restores Name, Value and Format exactly:
//
//	X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="Gender":Unspecified
//	X-CONTACTSYNC-EXTRA;X-FORMAT=pst;X-NAME="a^'b^nc^x0D":x\, y
//	X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="Notes 2";ENCODING=b:YQ1i
//
// The same carrier, without X-FORMAT, keeps an own Extra whose name is not
// a property ("Business PO Box" from an older version, "VERSION", an
// unknown "=" name); it reads back with Format vcard.
//
//   - X-NAME is always quoted. Its text is encoded as RFC 6868 says (^^ for
//     '^', ^' for '"', ^n for a line feed) and, for what RFC 6868 cannot
//     carry, ^xHH with two hex digits for each byte: the other ASCII
//     control characters (tab and CR too), DEL, and bytes that are not
//     valid UTF-8. ';', ':' and ',' stay as they are inside the quotes. A
//     '^' followed by anything else reads as itself, so carriers written
//     before ^x (which left a lone '^' raw) read the same.
//   - X-FORMAT is the Format, bare when it is letters, digits, '-' and '_',
//     else quoted and encoded like X-NAME; absent for own Extras.
//   - The value is vCard text (\\ \n \, \; escaped) when that gives it back
//     exactly: valid UTF-8 with no control character but tab and line
//     feed. Anything else (a CR, a NUL, Windows-1252 bytes) is base64 with
//     ENCODING=b, in 4.0 too (an X- property may have any parameter).
//   - Only an ungrouped X-CONTACTSYNC-EXTRA with an X-NAME is a carrier;
//     anything else of that name is kept like any unknown property. An own
//     Extra that would read back as a carrier is itself carried.
//
// vobject reads carriers as ordinary X- properties (tested). Nothing of
// another format is mapped to a vCard field: PST's PidTagNickname is
// carried, not written as NICKNAME, so that reading the vCard back gives
// the PST's Extra again.
package vcard
