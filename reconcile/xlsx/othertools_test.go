package xlsx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/xlsx/tooltest"
)

// sheetCells reads every worksheet of the workbook at p with the sheet
// reader: sheet → cell reference → raw value, empty cells left out.
func sheetCells(t *testing.T, p string) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := sheet.Open(strings.NewReader(string(b)), int64(len(b)), sheet.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(p), err)
	}
	defer wb.Close()
	out := map[string]map[string]string{}
	for _, name := range wb.Worksheets() {
		rows, err := ourRows(b, name)
		if err != nil {
			t.Fatalf("%s, sheet %q: %v", filepath.Base(p), name, err)
		}
		cells := map[string]string{}
		for _, r := range rows {
			for i, v := range r.cells {
				if v != "" {
					cells[cellRef(i+1, r.num)] = v
				}
			}
		}
		out[name] = cells
	}
	return out
}

func cellRef(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sameValue compares raw values as a spreadsheet does: numbers to 15
// significant digits (what LibreOffice writes), text exactly.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && math.Abs(x-y) <= 1e-14*math.Max(math.Abs(x), math.Abs(y))
}

// sameCells reports the cells of want that got lacks or reads otherwise,
// and the cells got has beyond want.
func sameCells(t *testing.T, what string, got, want map[string]map[string]string) {
	t.Helper()
	n := 0
	for _, cells := range want {
		n += len(cells)
	}
	if n < 10 {
		t.Fatalf("%s: only %d cells to compare", what, n)
	}
	if len(got) != len(want) {
		t.Errorf("%s: sheets %v, want %v", what, keys(got), keys(want))
	}
	for name, cells := range want {
		g := got[name]
		n := 0
		for ref, v := range cells {
			if !sameValue(g[ref], v) && n < 5 {
				t.Errorf("%s, sheet %q, %s: %q, want %q", what, name, ref, g[ref], v)
				n++
			}
		}
		for ref, v := range g {
			if _, ok := cells[ref]; !ok && n < 5 {
				t.Errorf("%s, sheet %q, %s: %q, want nothing", what, name, ref, v)
				n++
			}
		}
	}
}

func keys(m map[string]map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// soffice converts each file into dir with LibreOffice, to the format
// given ("xlsx", "ods"), with a private profile so that it runs beside
// other LibreOffice processes.
func soffice(t *testing.T, format, dir string, files ...string) {
	t.Helper()
	profile := "file://" + filepath.ToSlash(t.TempDir())
	args := append([]string{"-env:UserInstallation=" + profile, "--headless", "--convert-to", format, "--outdir", dir}, files...)
	out, err := exec.Command(tooltest.Soffice(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
}

// otherToolFixtures writes the workbooks the conversions start from: the
// accounts as excelize writes them, and the week-one sample exports (text
// amounts with NBSP, real dates, a 1904 workbook, an orders sheet).
func otherToolFixtures(t *testing.T, dir string) []string {
	t.Helper()
	files := []string{filepath.Join(dir, "accounts.xlsx")}
	if err := os.WriteFile(files[0], readFixture(t, accountsBook), 0o644); err != nil {
		t.Fatal(err)
	}
	samples, _ := filepath.Glob("../../samples/exports/2009-04-20/*/*.xlsx")
	if len(samples) != 4 {
		t.Fatalf("%d week-one sample exports, want 4", len(samples))
	}
	for i, p := range samples {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, fmt.Sprintf("sample%d.xlsx", i))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, dst)
	}
	return files
}

// TestReadLibreOfficeWritten: workbooks saved again by LibreOffice Calc,
// as .xlsx and through .ods, read as the same cells as the originals
// (LibreOffice rewrites the whole package: its own shared strings, styles
// and parts).
func TestReadLibreOfficeWritten(t *testing.T) {
	tooltest.Soffice(t) // skips here, before the fixtures, when missing
	dir := t.TempDir()
	originals := otherToolFixtures(t, dir)
	xlsxDir, odsDir, backDir := filepath.Join(dir, "xlsx"), filepath.Join(dir, "ods"), filepath.Join(dir, "back")
	soffice(t, "xlsx", xlsxDir, originals...)
	soffice(t, "ods", odsDir, originals...)
	var ods []string
	for _, p := range originals {
		ods = append(ods, filepath.Join(odsDir, strings.TrimSuffix(filepath.Base(p), ".xlsx")+".ods"))
	}
	soffice(t, "xlsx", backDir, ods...)
	// An .ods renamed .xlsx is named for what it is.
	b, err := os.ReadFile(ods[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sheet.Open(strings.NewReader(string(b)), int64(len(b)), sheet.Limits{}); !errors.Is(err, sheet.ErrNotWorkbook) || !strings.Contains(err.Error(), "OpenDocument spreadsheet (.ods)") {
		t.Errorf("LibreOffice's .ods: %v, want ErrNotWorkbook naming an OpenDocument spreadsheet", err)
	}
	for _, p := range originals {
		want := sheetCells(t, p)
		base := filepath.Base(p)
		sameCells(t, "LibreOffice "+base, sheetCells(t, filepath.Join(xlsxDir, base)), want)
		sameCells(t, "LibreOffice via .ods "+base, sheetCells(t, filepath.Join(backDir, base)), want)
	}
}

// TestReadOpenpyxlWritten: workbooks written by openpyxl (another
// library, with its own package layout) read as the same cells.
func TestReadOpenpyxlWritten(t *testing.T) {
	python := tooltest.Python(t)
	dir := t.TempDir()
	originals := otherToolFixtures(t, dir)
	const script = `
import sys, openpyxl
for src in sys.argv[1:]:
    wb = openpyxl.load_workbook(src)
    wb.save(src[:-5] + ".openpyxl.xlsx")
`
	if out, err := exec.Command(python, append([]string{"-c", script}, originals...)...).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	for _, p := range originals {
		got := sheetCells(t, strings.TrimSuffix(p, ".xlsx")+".openpyxl.xlsx")
		sameCells(t, "openpyxl "+filepath.Base(p), got, sheetCells(t, p))
	}
}
