package batch

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// Retention removes the run folders whose as-of is more than the retention
// before the run's, by the date in their name, and nothing else.
func TestRemoveOldRuns(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs")
	asOf := reconcile.MustDate("2009-07-20")
	dirs := []string{
		"2009-01-18-1",     // 183 days before: removed
		"2009-01-19-1",     // 182 days = 26 weeks: kept
		"2009-01-05-2-dry", // a dry run's: removed
		"2008-12-01-1",     // removed
		"2009-07-20-1",     // the run itself
		".2008-01-01-1.partial", "notes", "2008-01-01", "2008-1-1-1",
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(runs, d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(runs, "2008-02-02-1"), []byte("a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder as old as they come, but modified just now: its name says.
	removed, warnings := removeOldRuns(runs, asOf, 26*7*24*time.Hour, filepath.Join(runs, "2009-07-20-1"), slog.New(slog.DiscardHandler))
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	var names []string
	for _, p := range removed {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	if want := []string{"2008-12-01-1", "2009-01-05-2-dry", "2009-01-18-1"}; !slices.Equal(names, want) {
		t.Errorf("removed %q, want %q", names, want)
	}
	left, _ := os.ReadDir(runs)
	var kept []string
	for _, e := range left {
		kept = append(kept, e.Name())
	}
	if want := []string{".2008-01-01-1.partial", "2008-01-01", "2008-02-02-1", "2008-1-1-1", "2009-01-19-1", "2009-07-20-1", "notes"}; !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	// 0 keeps everything; a missing runs folder is no warning.
	if removed, _ := removeOldRuns(runs, asOf, 0, "", slog.New(slog.DiscardHandler)); len(removed) != 0 {
		t.Errorf("retention 0 removed %q", removed)
	}
	if _, w := removeOldRuns(filepath.Join(runs, "none"), asOf, time.Hour, "", slog.New(slog.DiscardHandler)); len(w) != 0 {
		t.Errorf("missing folder: %q", w)
	}
}
