package batch

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestRecoverLeftovers checks that a run's start removes the temp files and
// reader folders a killed run left, and nothing else.
func TestRecoverLeftovers(t *testing.T) {
	data, out := t.TempDir(), t.TempDir()
	gone := []string{
		filepath.Join(data, "runs", "2009-04-20-1", ".run.json-123.tmp"),
		filepath.Join(data, "archive", "actebis", "2009-04-20", ".export.xlsx-456.tmp"),
		filepath.Join(data, "quarantine", "etc", ".bad.xlsx.error.txt-7.tmp"),
		filepath.Join(data, "encours-xlsx-42", "sheet1.xml"),
		filepath.Join(out, ".consolidated.xlsx-99.tmp"),
	}
	kept := []string{
		filepath.Join(data, "ledger.db"),
		filepath.Join(data, "runs", "2009-04-20-1", "run.json"),
		filepath.Join(data, "archive", "actebis", "2009-04-20", "export.xlsx"),
		filepath.Join(data, "archive", "actebis", "2009-04-20", "notes.tmp"),
		filepath.Join(out, "consolidated.xlsx"),
	}
	for _, p := range append(append([]string(nil), gone...), kept...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := recoverLeftovers(data, out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	for _, p := range gone {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "encours-xlsx-42")); !os.IsNotExist(err) {
		t.Errorf("reader temp folder still there")
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	// A data_dir not created yet is not an error.
	if err := recoverLeftovers(filepath.Join(data, "none"), "", slog.New(slog.DiscardHandler)); err != nil {
		t.Error(err)
	}
}
