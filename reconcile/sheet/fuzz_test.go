package sheet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/encours/encours/reconcile/layout"
)

// FuzzOpenWorkbook reads whole workbooks as the batch does — Open, every
// sheet's rows, the accounts layout — seeded with the sample exports and
// the hostile files, other producers' workbooks and packages as other
// tools write them. Nothing
// panics, every refusal is one of the named reasons, and nothing is
// written to the temp folder.
func FuzzOpenWorkbook(f *testing.F) {
	for _, pattern := range []string{"../../samples/exports/*/*/*.xlsx", "testdata/hostile/*", "testdata/producers/*.xlsx"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	named := []error{ErrNotWorkbook, ErrTruncated, ErrLegacyXLS, ErrEncrypted, ErrXLSB, ErrTooLarge,
		ErrSheetNotFound, ErrNotWorksheet, ErrZipBomb, ErrTooManyParts, ErrSharedStrings, ErrDoctype, ErrBadSharedString, ErrCellRef,
		layout.ErrMissingHeader, layout.ErrNoRows}
	f.Add(accountsBook().Bytes())
	for _, b := range otherTools() {
		f.Add(b.Bytes())
	}
	f.Add(withSheetPart(`<?xml version="1.0" encoding="windows-1252"?><worksheet><sheetData>` + "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>d\xe9j\xe0 \x80</t></is></c></row>" + `</sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		lim := Limits{MaxUnzippedBytes: 32 << 20, MaxRows: 10000}
		err := fuzzRead(b, lim)
		if err != nil {
			ok := false
			for _, e := range named {
				ok = ok || errors.Is(err, e)
			}
			if !ok {
				t.Fatalf("unnamed error: %v", err)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("temp files left: %v", left)
		}
	})
}

func fuzzRead(b []byte, lim Limits) error {
	wb, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		return err
	}
	defer wb.Close()
	for _, name := range wb.SheetNames() {
		rows, err := wb.Rows(name)
		if errors.Is(err, ErrNotWorksheet) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = hostileLayout.ReadAccounts(rows, name, layout.ReadOptions{File: "f.xlsx", Date1904: wb.Date1904()})
		rows.Close()
		if err != nil && !errors.Is(err, layout.ErrMissingHeader) && !errors.Is(err, layout.ErrNoRows) {
			return err
		}
	}
	return nil
}
