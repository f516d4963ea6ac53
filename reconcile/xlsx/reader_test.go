package xlsx

// The sheet reader (reconcile/sheet) imports no spreadsheet library, not
// even in its tests: its differential tests against excelize, and its tests
// on files written by excelize, LibreOffice and openpyxl, live here.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

type readRow struct {
	num   int
	cells []string
}

// readFixture writes a workbook with excelize and returns its bytes.
func readFixture(t testing.TB, build func(f *excelize.File), opts ...excelize.Options) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func accountsBook(f *excelize.File) {
	f.SetSheetName("Sheet1", "Encours")
	set := func(cell string, v any) {
		if err := f.SetCellValue("Encours", cell, v); err != nil {
			panic(err)
		}
	}
	set("A1", "Export des encours au 04/05/2009")
	set("A3", "Code client")
	set("B3", "Raison sociale")
	set("C3", "Statut")
	set("D3", "Limite assurée")
	set("E3", "Encours")
	set("F3", "Date")
	set("A4", "C001")
	set("B4", "Alpha SARL")
	set("C4", "Actif")
	set("D4", 9000)
	set("E4", 12340.5)
	set("F4", time.Date(2009, 6, 30, 8, 0, 0, 0, time.UTC))
	// Row 5 left empty on purpose.
	set("A6", "C002")
	set("B6", "Beta SA")
	set("C6", "résilié")
	set("D6", "5 000,00 €")
	set("E6", "1.234")
	f.NewSheet("Commandes")
}

// excelizeRows reads a sheet the way the reader used to: excelize's Rows
// and Columns(RawCellValue), a row number per Next.
func excelizeRows(t testing.TB, b []byte, name string) ([]readRow, error) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, TmpDir: t.TempDir()})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.Rows(name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []readRow
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return out, err
		}
		out = append(out, readRow{n, cells})
	}
	return out, rows.Error()
}

// ourRows reads every row of a sheet with the sheet reader.
func ourRows(b []byte, name string) ([]readRow, error) {
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	rows, err := wb.Rows(name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []readRow
	for rows.Next() {
		n, c := rows.Row()
		out = append(out, readRow{n, c})
	}
	return out, rows.Err()
}

// sameAsExcelize checks that every sheet of b reads as excelize reads it,
// with the same sheet names and 1904 flag.
func sameAsExcelize(t *testing.T, b []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, TmpDir: t.TempDir()})
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	names := f.GetSheetList()
	props, _ := f.GetWorkbookProps()
	f.Close()
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer wb.Close()
	if got := wb.SheetNames(); !reflect.DeepEqual(got, names) {
		t.Errorf("SheetNames = %q, excelize %q", got, names)
	}
	if want := props.Date1904 != nil && *props.Date1904; wb.Date1904() != want {
		t.Errorf("Date1904 = %v, excelize %v", wb.Date1904(), want)
	}
	for _, name := range names {
		want, err := excelizeRows(t, b, name)
		if err != nil {
			t.Fatalf("excelize, sheet %q: %v", name, err)
		}
		got, err := ourRows(b, name)
		if err != nil {
			t.Fatalf("sheet %q: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sheet %q differs:\n got %#v\nwant %#v", name, got, want)
		}
	}
}

// handmade builds a workbook from raw parts, as other tools than excelize
// write them: sheets listed in an order other than their parts', under
// names unrelated to the parts, shared strings with runs and escapes.
func handmade(date1904 string, sst string, sheets ...string) []byte {
	b := sheettest.Book{Date1904: date1904, SST: sst}
	for i := len(sheets) - 1; i >= 0; i-- {
		b.Sheets = append(b.Sheets, sheettest.Sheet{Name: fmt.Sprintf("Feuille & %d", i+1), Rows: sheets[i],
			Part: fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)})
	}
	return b.Bytes()
}

const handmadeSST = `<si><t>Code client</t></si>` +
	`<si><r><rPr><b/></rPr><t>Riche</t></r><r><t xml:space="preserve"> texte</t></r></si>` +
	`<si><t>ligne 1_x000D__x000A_ligne 2 _x005F_x0041_ _xD800_ _x00e9_ _xZZZZ_ _x12</t></si>` +
	`<si><t>a &amp; b &lt;c&gt; &#233;&#xE9; &quot;q&apos;</t><rPh sb="0" eb="1"><t>フリガナ</t></rPh><phoneticPr fontId="1"/></si>` +
	`<si><t/></si>` +
	"<si><t>  espaces\r\net retours\r</t></si>" +
	`<si><t><![CDATA[<cdata> & co]]></t></si>` +
	`<si><t>d'abord</t><r><t>puis</t></r></si>` +
	`<si><!-- note --><t>commenté</t></si>`

var handmadeSheet1 = `<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s" s="3"><v>1</v></c><c r="D1" t="s"><v> 2 </v></c></row>` +
	`<row r="3"><c r="A3" t="inlineStr"><is><t>en ligne</t></is></c><c r="B3" t="b"><v>1</v></c><c r="C3" t="b"><v>0</v></c><c r="D3" t="e"><v>#DIV/0!</v></c><c r="E3" t="str"><f>A3&amp;"x"</f><v>en lignex</v></c></row>` +
	`<row r="4"><c r="A4"><f>1+1</f><v>2</v></c><c r="B4"><f>B9</f></c><c r="C4" t="str"><f>""</f><v></v></c></row>` +
	`<row r="5"><c r="C5"><v>-1.5E-3</v></c><c r="Z5"/><c r="AA5" t="s"/></row>` +
	`<row><c><v>12</v></c><c><v>13</v></c><c r="E6"><v>14</v></c><c><v>15</v></c></row>` +
	`<row r="8" ht="20" customHeight="1"/>` +
	`<row r="9"><c t="d" r="A9"><v>2009-06-30T00:00:00Z</v></c><c r="B9" t="inlineStr"><is><r><t>in</t></r><r><t>_x0009_line</t></r></is></c><c r="C9" t="s"><v>3</v></c><c r="D9" t="s"><v>4</v></c><c r="E9" t="s"><v>5</v></c></row>` +
	`<row r="10"><c r="A10" t="s"><v>6</v></c><c r="B10" t="s"><v>7</v></c><c r="C10" t="s"><v>8</v></c><c r="D10" t="n"><v>1e3</v></c><c r="$F$10"><v>6</v></c></row>` +
	`<row r="12" spans="1:3"><c r="A12" s="1"/><c r="B12" s="1"/></row>`

var handmadeSheet2 = `<x:row r="2"><x:c r="B2"><x:v>7</x:v></x:c></x:row><row r="1048576"><c r="XFD1048576"><v>last</v></c></row>`

func TestReadSameAsExcelize(t *testing.T) {
	t.Run("handmade", func(t *testing.T) {
		sameAsExcelize(t, handmade("", handmadeSST, handmadeSheet1, `<row r="2"><c r="B2"><v>7</v></c></row>`))
	})
	t.Run("handmade 1904", func(t *testing.T) {
		sameAsExcelize(t, handmade("1", handmadeSST, `<row r="1"><c r="A1"><v>38532</v></c></row>`))
	})
	t.Run("handmade 1904 true", func(t *testing.T) {
		sameAsExcelize(t, handmade("true", "", `<row r="1"><c r="A1"><v>38532</v></c></row>`))
	})
	t.Run("handmade 1904 false", func(t *testing.T) {
		sameAsExcelize(t, handmade("0", "", `<row r="1"><c r="A1"><v>38532</v></c></row>`))
	})
	t.Run("handmade last cell", func(t *testing.T) {
		sameAsExcelize(t, handmade("", "", `<row r="1048576"><c r="C1048576"><v>1</v></c></row>`))
	})
	t.Run("excelize types", func(t *testing.T) {
		sameAsExcelize(t, readFixture(t, excelizeTypes))
	})
	t.Run("excelize accounts", func(t *testing.T) {
		sameAsExcelize(t, readFixture(t, accountsBook))
	})
	files, _ := filepath.Glob("../../samples/exports/*/*/*.xlsx")
	onboarding, _ := filepath.Glob("../../samples/onboarding/*.xlsx")
	hostile, _ := filepath.Glob("../sheet/testdata/hostile/good-*.xlsx")
	for _, p := range append(append(files, onboarding...), hostile...) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{}); err != nil {
				t.Skipf("not a workbook, a case for the batch: %v", err)
			}
			sameAsExcelize(t, b)
		})
	}
	if len(files) == 0 {
		t.Error("no sample exports")
	}
}

// excelizeTypes writes every kind of value excelize can.
func excelizeTypes(f *excelize.File) {
	yes := true
	f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes})
	f.SetSheetName("Sheet1", "Données")
	f.NewSheet("Zéro")
	f.NewSheet("Autre")
	f.SetSheetName("Autre", "Renommée")
	values := []any{"texte", 42, int64(-7), 3.14159, float32(2.5), true, false, time.Date(2009, 6, 30, 8, 0, 0, 0, time.UTC),
		"=pas une formule", "ligne\r\nsuivante", "tab\there", "_x000D_ littéral", "", nil, 1e20, 12345678901234567, "  espaces  ", "&<>\"'", uint8(3), time.Duration(90 * time.Minute)}
	for i, v := range values {
		cell, _ := excelize.CoordinatesToCellName(i%7+1, i/7*2+1)
		if err := f.SetCellValue("Données", cell, v); err != nil {
			panic(err)
		}
	}
	f.SetCellFormula("Données", "H1", "A1&B1")
	f.SetCellFormula("Données", "H3", "SUM(B1:B2)")
	f.SetCellRichText("Données", "J9", []excelize.RichTextRun{{Text: "gras", Font: &excelize.Font{Bold: true}}, {Text: " normal"}})
	f.SetCellStr("Renommée", "C4", "seul")
	f.SetCellInt("Renommée", "AB20", 1)
	f.SetCellBool("Zéro", "A2", true)
}

// Rows that go backwards and cells out of order are read as excelize
// reads them.
func TestReadOddOrderSameAsExcelize(t *testing.T) {
	for _, s := range []string{
		`<row r="3"><c r="B3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row><row><c r="D4"><v>3</v></c></row><row r="7"><c><v>4</v></c></row>`,
		`<row r="1"><c r="C1"><v>1</v></c><c r="A1"><v>2</v></c><c r="C1"><v>3</v></c></row>`,
		`<row><c><v>1</v><v>2</v></c><c><extLst><v>9</v></extLst></c></row>`,
		`<c r="A1"><v>outside</v></c><row r="2"><c r="A2"><v>in</v></c></row>`,
		handmadeSheet2,
	} {
		sameAsExcelize(t, handmade("", "", s))
	}
}

// wellFormed reports whether every XML part of b decodes with encoding/xml,
// which excelize uses and which stops silently at the first error.
func wellFormed(b []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".xml") && !strings.HasSuffix(zf.Name, ".rels") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return false
		}
		d := xml.NewDecoder(rc)
		for {
			_, err := d.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return false
			}
		}
		rc.Close()
	}
	return true
}

// FuzzReadSameAsExcelize: whenever excelize and the sheet reader both read
// a well-formed workbook, they read the same rows.
func FuzzReadSameAsExcelize(f *testing.F) {
	for _, pattern := range []string{"../../samples/exports/*/*/*.xlsx", "../sheet/testdata/hostile/*", "../sheet/testdata/producers/*.xlsx"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	f.Add(handmade("", handmadeSST, handmadeSheet1))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !wellFormed(b) {
			return
		}
		ef, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, TmpDir: t.TempDir(), UnzipSizeLimit: 32 << 20})
		if err != nil {
			return
		}
		names := ef.GetSheetList()
		ef.Close()
		for _, name := range names {
			want, err := excelizeRows(t, b, name)
			if err != nil {
				continue
			}
			got, err := ourRows(b, name)
			if err != nil {
				continue // refused, with a named reason (FuzzOpenWorkbook)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("sheet %q differs:\n got %#v\nwant %#v", name, got, want)
			}
		}
	})
}

// The reader on what excelize writes: raw values, the 1904 flag, and a
// workbook excelize encrypts (Excel's agile encryption).
func TestReadExcelizeWritten(t *testing.T) {
	b := readFixture(t, accountsBook)
	got, err := ourRows(b, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []readRow{
		{1, []string{"Export des encours au 04/05/2009"}},
		{2, nil},
		{3, []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Date"}},
		{4, []string{"C001", "Alpha SARL", "Actif", "9000", "12340.5", "39994.333333333336"}},
		{5, nil},
		{6, []string{"C002", "Beta SA", "résilié", "5 000,00 €", "1.234"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %v\nwant %v", got, want)
	}
	yes := true
	b = readFixture(t, func(f *excelize.File) {
		f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes})
		f.SetCellValue("Sheet1", "A1", 38532)
	})
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil || !wb.Date1904() {
		t.Errorf("1904 workbook: Date1904 false, %v", err)
	}
	enc := readFixture(t, accountsBook, excelize.Options{Password: "secret"})
	if _, err := sheet.Open(bytes.NewReader(enc), int64(len(enc)), sheet.Limits{}); !errors.Is(err, sheet.ErrEncrypted) {
		t.Errorf("encrypted: %v, want ErrEncrypted", err)
	}
}

var updateHostile = flag.Bool("update-hostile", false, "rewrite ../sheet/testdata/hostile")

// TestHostileFixtures writes, with -update-hostile, the small hostile
// files the sheet reader's tests read (one of them encrypted by excelize).
func TestHostileFixtures(t *testing.T) {
	if !*updateHostile {
		t.Skip("run with -update-hostile to rewrite ../sheet/testdata/hostile")
	}
	good := readFixture(t, accountsBook)
	const part = "xl/worksheets/sheet1.xml"
	const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`
	withSheet := func(cells string) []byte {
		return sheettest.Rezip(good, map[string][]byte{part: []byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + cells + `</sheetData></worksheet>`)})
	}
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Code client</t></is></c></row>`
	files := map[string][]byte{
		"good-accounts.xlsx":          good,
		"doctype-sheet.xlsx":          sheettest.Rezip(good, map[string][]byte{part: []byte(laughs + `<worksheet><sheetData/></worksheet>`)}),
		"sst-index-out-of-range.xlsx": withSheet(header + `<row r="2"><c r="A2" t="s"><v>99</v></c></row>`),
		"ref-beyond-xfd.xlsx":         withSheet(header + `<row r="2"><c r="XFE2"><v>1</v></c></row>`),
		"xls-renamed.xlsx":            append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...),
		"encrypted.xlsx":              readFixture(t, accountsBook, excelize.Options{Password: "secret"}),
		"notzip-csv.xlsx":             []byte("Code client;Encours\nC001;12\n"),
		"truncated.xlsx":              good[:len(good)/2],
	}
	dir := filepath.Join("..", "sheet", "testdata", "hostile")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
