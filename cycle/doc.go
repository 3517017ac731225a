// Package cycle runs one cycle of contactsync as a library call: Run reads
// both sides (the CRM dump and the Outlook export), loads the journal's
// base, reconciles them with engine.Reconcile, writes every output into a
// staging folder that is renamed into place, and only then commits the
// cycle to the journal. A crash at any point leaves either no outputs or
// complete ones, and a journal with either the old state or the new one;
// a rerun of the same inputs writes the same outputs.
//
// Undo, Rebuild and the Simulate functions are the other journaled or
// file-writing operations of the CLI. The package never prints: what the
// CLI shows comes back in a Result, notices through Options.Notify, phases
// through Options.Progress, and every error that decides an exit code is
// an *Error with its kind and a hint.
package cycle
