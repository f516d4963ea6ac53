package xlsx

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/xlsx/tooltest"
)

var readerCorpus = flag.String("reader-corpus", "", "a folder of workbooks (searched recursively) that TestReadCorpusSameAsExcelize compares with excelize, instead of the repository's own")

// refusedOnPurpose are the reasons the sheet reader refuses a file that
// excelize opens: each is a file excelize would misread without a word
// (cells dropped, texts blank) or one that can exhaust a reader.
var refusedOnPurpose = []error{sheet.ErrCellRef, sheet.ErrBadSharedString, sheet.ErrDoctype, sheet.ErrZipBomb, sheet.ErrTooManyParts, sheet.ErrTooLarge, sheet.ErrSharedStrings}

// diffExcelize compares the sheet reader with excelize on one workbook:
// whether excelize opens it, and what differs (nil when every sheet reads
// alike, or when excelize cannot open it).
func diffExcelize(t *testing.T, b []byte) (opened bool, err error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, TmpDir: t.TempDir()})
	if err != nil {
		return false, nil
	}
	names := f.GetSheetList()
	props, _ := f.GetWorkbookProps()
	f.Close()
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		return true, fmt.Errorf("excelize opens it, the reader refuses it: %w", err)
	}
	defer wb.Close()
	if got := wb.SheetNames(); !reflect.DeepEqual(got, names) {
		return true, fmt.Errorf("sheets %q, excelize %q", got, names)
	}
	if want := props.Date1904 != nil && *props.Date1904; wb.Date1904() != want {
		return true, fmt.Errorf("Date1904 %v, excelize %v", wb.Date1904(), want)
	}
	for _, name := range names {
		want, werr := excelizeRows(t, b, name)
		got, gerr := ourRows(b, name)
		switch {
		case werr != nil && gerr != nil:
			continue // both refuse the sheet
		case gerr != nil && (errors.Is(gerr, sheet.ErrNotWorksheet) || errors.Is(gerr, sheet.ErrTruncated)) && len(want) == 0:
			continue // a chart sheet or a missing part: excelize reads nothing
		case gerr != nil:
			return true, fmt.Errorf("sheet %q: %w", name, gerr)
		case werr != nil:
			return true, fmt.Errorf("sheet %q: excelize: %v, the reader reads %d rows", name, werr, len(got))
		}
		if !reflect.DeepEqual(got, want) {
			return true, fmt.Errorf("sheet %q differs:\n got %v\nwant %v", name, clip(got), clip(want))
		}
	}
	return true, nil
}

func clip(rows []readRow) []readRow {
	if len(rows) > 20 {
		return rows[:20]
	}
	return rows
}

// corpusFiles lists the workbooks under the folders, recursively.
func corpusFiles(t *testing.T, dirs ...string) []string {
	t.Helper()
	var files []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(p))
			if !d.IsDir() && (ext == ".xlsx" || ext == ".xlsm") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestReadCorpusSameAsExcelize: over a corpus of workbooks, every file
// excelize opens is read by the sheet reader, every sheet with the same
// rows and cells — or refused for one of the reasons excelize would
// misread it. The corpus is -reader-corpus DIR when given (real exports,
// kept out of the repository); otherwise the repository's own workbooks:
// the samples, the reader's test files, the other producers' workbooks,
// and these saved again by LibreOffice when it is installed.
func TestReadCorpusSameAsExcelize(t *testing.T) {
	var files []string
	if *readerCorpus != "" {
		files = corpusFiles(t, *readerCorpus)
	} else {
		files = corpusFiles(t, "../../samples", "../sheet/testdata")
		if _, err := os.Stat("/usr/bin/soffice"); err == nil || os.Getenv(tooltest.EnvRequire) != "" {
			dir := t.TempDir()
			producers, _ := filepath.Glob("../sheet/testdata/producers/*.xlsx")
			if len(producers) == 0 {
				t.Fatal("no producers' workbooks")
			}
			soffice(t, "xlsx", dir, producers...)
			saved := corpusFiles(t, dir)
			if len(saved) != len(producers) {
				t.Fatalf("LibreOffice saved %d of %d workbooks", len(saved), len(producers))
			}
			files = append(files, saved...)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d workbooks in the corpus", len(files))
	}
	var opened, same, refused int
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := diffExcelize(t, b)
		if ok {
			opened++
		}
		switch {
		case err == nil && ok:
			same++
		case err == nil:
		case isRefusedOnPurpose(err):
			refused++
			t.Logf("%s: refused on purpose: %v", p, err)
		default:
			t.Errorf("%s: %v", p, err)
		}
	}
	t.Logf("%d workbooks, %d opened by excelize: %d read alike, %d refused on purpose", len(files), opened, same, refused)
	if opened == 0 {
		t.Error("excelize opened none of the corpus")
	}
}

func isRefusedOnPurpose(err error) bool {
	for _, e := range refusedOnPurpose {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
