package engine

import "testing"

// TestPrefaultKeepsWhatIsWritten: the pages of a new slice populated
// beside the writes that fill it (prefault) hold what was written, however
// the two meet; a slice that is not new and empty is left alone.
func TestPrefaultKeepsWhatIsWritten(t *testing.T) {
	for round := range 8 {
		const n = 1 << 19 // 4 MB of int64
		s := make([]int64, 0, n)
		prefault(s, n)
		for i := range n {
			s = append(s, int64(i)*7+int64(round))
		}
		for i, v := range s {
			if v != int64(i)*7+int64(round) {
				t.Fatalf("round %d: s[%d] = %d after prefault", round, i, v)
			}
		}
	}
	s := []int64{1, 2, 3}
	prefault(s, 3) // not empty: nothing to do
	if s[0] != 1 || s[2] != 3 {
		t.Fatal("prefault changed a slice that was not empty")
	}
}
