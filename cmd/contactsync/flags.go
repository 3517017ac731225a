package main

import (
	"strings"
	"time"
)

// parseTime reads a time flag: RFC 3339, or "2006-01-02 15:04:05" (UTC), or a date.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("cannot read time %q: use RFC 3339 such as 2026-11-25T10:00:00Z", s)
}
