// Package cycle runs one cycle of contactsync as a library call: Run reads
// both sides (the CRM dump and the Outlook export), loads the journal's
// base, reconciles them with engine.Reconcile, writes every output into a
// staging folder that is renamed into place, and only then commits the
// cycle to the journal. A crash at any point leaves either no outputs or
// complete ones, and a journal with either the old state or the new one;
// a rerun of the same inputs writes the same outputs.
//
// The plan Run returns is complete when the engine has made it: what the
// cycle adds to the engine's notices (input warnings, fields the dump has
// no column for, records set aside, the Outlook output mode) is added
// right after Reconcile, the same for a dry run and a sync, so that plan
// prints what sync writes to plan.txt. What is known only once a file is
// written (the code page of outlook/contacts.csv) goes to IMPORT.txt and
// the Result instead.
//
// Undo, Rebuild, the Simulate functions, Convert, Validate, Duplicates and
// Verify are the CLI's other commands as calls. The package never prints:
// what the CLI shows comes back in a result, notices through
// Options.Notify, phases through Options.Progress, and Classify gives every
// error its kind (usage, guard, interrupted, failure) and a hint, which is
// all the CLI needs to choose an exit code.
package cycle
