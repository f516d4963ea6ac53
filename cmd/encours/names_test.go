package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetRow returns the first row of a workbook's sheet whose cells hold
// every one of want, or nil.
func sheetRow(t *testing.T, path, sheet string, want ...string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("%s: sheet %s: %v", filepath.Base(path), sheet, err)
	}
	for _, r := range rows {
		all := true
		for _, w := range want {
			all = all && slices.Contains(r, w)
		}
		if all {
			return r
		}
	}
	return nil
}

// TestResellerNamesCLI: the resellers' names (Raison sociale) are shown
// in the consolidated Écarts sheet, and, for a wholesaler that did not
// deliver this run, its lines and carried findings still show the names
// the ledger knows, in its workbook and its mail.
func TestResellerNamesCLI(t *testing.T) {
	dir, cfg := copySamples(t)
	// C1 holds a line of 3 400 € but Actebis applies 1 000 €.
	drop(t, dir, "actebis", "w1.xlsx", actebisBook(t, acc("C1", 9000, 12340, 1000), acc("C2", 5000, 1000, 0)))
	runWeek(t, dir, cfg, "2009-04-20")
	out1 := filepath.Join(dir, "out", "2009-04-20")
	if r := sheetRow(t, filepath.Join(out1, "consolidated-2009-04-20.xlsx"), "Écarts", "Actebis", "C1"); !slices.Contains(r, "Revendeur C1") {
		t.Errorf("week 1: consolidated Écarts row of C1 = %q, want its name Revendeur C1", r)
	}

	// Week 2: Actebis sends nothing; Tech Data does, so the run has news.
	emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	for _, p := range emls {
		os.Remove(p)
	}
	dropSample(t, dir, "2009-04-20", "techdata", "TD_FR_credit_2009-04-20.xlsx")
	runWeek(t, dir, cfg, "2009-04-27")
	out2 := filepath.Join(dir, "out", "2009-04-27")
	for _, c := range []struct{ book, sheet string }{
		{"consolidated-2009-04-27.xlsx", "Écarts"},
		{"actebis-2009-04-27.xlsx", "Écarts"},
		{"actebis-2009-04-27.xlsx", "Lignes"},
	} {
		if r := sheetRow(t, filepath.Join(out2, c.book), c.sheet, "C1"); !slices.Contains(r, "Revendeur C1") {
			t.Errorf("week 2, Actebis without an export: %s, sheet %s, row of C1 = %q, want its name Revendeur C1", c.book, c.sheet, r)
		}
	}
	emls, _ = filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	var mailed bool
	for _, p := range emls {
		to, parts := mailParts(t, p)
		if to != "credit@actebis.example" {
			continue
		}
		mailed = true
		for i, body := range parts {
			if !strings.Contains(body, "C1 · Revendeur C1") {
				t.Errorf("week 2: Actebis' mail, part %d, does not name C1:\n%s", i+1, body)
			}
		}
	}
	if !mailed {
		t.Fatal("week 2: no mail to Actebis")
	}
}
