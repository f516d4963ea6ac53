package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

// readFixture writes a workbook with excelize and returns its bytes.
func readFixture(t *testing.T, build func(f *excelize.File), opts ...excelize.Options) []byte {
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

func readOpen(t *testing.T, b []byte, lim Limits) *Workbook {
	t.Helper()
	if lim.TmpDir == "" {
		lim.TmpDir = t.TempDir()
	}
	wb, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { wb.Close() })
	return wb
}

type readRow struct {
	num   int
	cells []string
}

func readAll(t *testing.T, wb *Workbook, sheet string) []readRow {
	t.Helper()
	rows, err := wb.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []readRow
	for rows.Next() {
		n, c := rows.Row()
		out = append(out, readRow{n, c})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
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

func TestReadRawValues(t *testing.T) {
	wb := readOpen(t, readFixture(t, accountsBook), Limits{})
	if wb.Date1904() {
		t.Error("Date1904 = true, want false")
	}
	if got := wb.SheetNames(); !reflect.DeepEqual(got, []string{"Encours", "Commandes"}) {
		t.Errorf("SheetNames = %q", got)
	}
	got := readAll(t, wb, "")
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
	// Sheet names match like headers, and a missing one is named.
	if rows := readAll(t, wb, " ENCOURS "); len(rows) != 6 {
		t.Errorf("sheet \" ENCOURS \" gave %d rows", len(rows))
	}
	_, err := wb.Rows("Comptes")
	if !errors.Is(err, ErrSheetNotFound) || !strings.Contains(err.Error(), `"Encours", "Commandes"`) {
		t.Errorf("Rows(Comptes) = %v, want ErrSheetNotFound naming the sheets", err)
	}
}

func TestReadAccountsFromWorkbook(t *testing.T) {
	wb := readOpen(t, readFixture(t, accountsBook), Limits{})
	rows, err := wb.Rows("Encours")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	l := layout.Layout{Decimal: "comma", DateOrder: "dmy", Accounts: layout.Sheet{Name: "Encours", Columns: map[string][]string{
		"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
		"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
	}}}
	acc, err := l.ReadAccounts(rows, "Encours", layout.ReadOptions{File: "export.xlsx", Date1904: wb.Date1904()})
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.Account{
		{ResellerID: "C001", Name: "Alpha SARL", Status: reconcile.Active, InsuredLimit: 900000, Outstanding: 1234050, Row: 4},
		{ResellerID: "C002", Name: "Beta SA", Status: reconcile.Terminated, InsuredLimit: 500000, Outstanding: 123400, Row: 6},
	}
	if !reflect.DeepEqual(acc.Rows, want) || len(acc.Rejected) != 0 || acc.HeaderRow != 3 {
		t.Errorf("ReadAccounts = %+v", acc)
	}
}

func TestReadDate1904(t *testing.T) {
	yes := true
	b := readFixture(t, func(f *excelize.File) {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
		f.SetCellValue("Sheet1", "A1", 38532)
	})
	wb := readOpen(t, b, Limits{})
	if !wb.Date1904() {
		t.Fatal("Date1904 = false, want true")
	}
	d, err := layout.ParseDay(readAll(t, wb, "")[0].cells[0], "dmy", wb.Date1904())
	if err != nil || d.String() != "2009-06-30" {
		t.Errorf("1904 serial 38532 = %v, %v; want 2009-06-30", d, err)
	}
}

// readZip builds a zip with the given entries.
func readZip(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadOpenErrors(t *testing.T) {
	good := readFixture(t, accountsBook)
	encrypted := readFixture(t, accountsBook, excelize.Options{Password: "secret"})
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	oleEncrypted := append(append(append([]byte(nil), ole...), utf16le("EncryptionInfo")...), make([]byte, 100)...)
	// The stream name straddling two read windows is still found.
	oleEdge := append(append(append([]byte(nil), ole...), make([]byte, 64<<10-4096-8-5)...), utf16le("EncryptionInfo")...)
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
		text string // in the message
	}{
		{"text file", []byte("Code client;Encours\nC001;12\n"), Limits{}, ErrNotWorkbook, "save it as"},
		{"empty file", nil, Limits{}, ErrNotWorkbook, "empty"},
		{"truncated zip", good[:len(good)/2], Limits{}, ErrTruncated, "damaged or incomplete"},
		{"zip cut in the header", good[:10], Limits{}, ErrTruncated, "damaged"},
		{"legacy xls", ole, Limits{}, ErrLegacyXLS, "97-2003"},
		{"encrypted (fake)", oleEncrypted, Limits{}, ErrEncrypted, "password"},
		{"encrypted (edge)", oleEdge, Limits{}, ErrEncrypted, "password"},
		{"encrypted (excelize)", encrypted, Limits{}, ErrEncrypted, "password"},
		{"xlsb", readZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "x"}), Limits{}, ErrXLSB, ".xlsb"},
		{"docx", readZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}), Limits{}, ErrNotWorkbook, "zip"},
		{"file over the limit", good, Limits{MaxFileBytes: 1000}, ErrTooLarge, "max_file_bytes"},
		{"unzipped over the limit", good, Limits{MaxUnzippedBytes: 2000}, ErrTooLarge, "max_unzipped_bytes"},
		{"broken workbook xml", readZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook><sheets>"}), Limits{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			tt.lim.TmpDir = tmp
			wb, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), tt.lim)
			if tt.want == nil {
				// Any error will do, as long as it is one of ours.
				if err == nil {
					wb.Close()
					t.Fatal("Open succeeded")
				}
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrNotWorkbook) {
					t.Errorf("Open: %v, want ErrTruncated or ErrNotWorkbook", err)
				}
			} else if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				if wb != nil {
					wb.Close()
				}
				t.Fatalf("Open: %v, want %v mentioning %q", err, tt.want, tt.text)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temp files left behind: %v", left)
			}
		})
	}
}

func TestReadMaxRows(t *testing.T) {
	b := readFixture(t, func(f *excelize.File) {
		for i := 1; i <= 5; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i)
			f.SetCellValue("Sheet1", cell, i)
		}
	})
	wb := readOpen(t, b, Limits{MaxRows: 3})
	rows, err := wb.Rows("")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if n != 3 || !errors.Is(rows.Err(), ErrTooLarge) {
		t.Errorf("read %d rows, Err = %v; want 3 rows and ErrTooLarge", n, rows.Err())
	}
}

// The reader reads from the zip and writes nothing to disk.
func TestReadWritesNoTempFiles(t *testing.T) {
	tmp := t.TempDir()
	b := readFixture(t, accountsBook)
	wb, err := Open(bytes.NewReader(b), int64(len(b)), Limits{TmpDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, wb, "")
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp files while open: %v", left)
	}
	if err := wb.Close(); err != nil {
		t.Fatal(err)
	}
}

// Each message says what is wrong once, then what to do: the reason's own
// words (the sentinel) are not repeated by the explanation.
func TestOpenMessagesReadOnce(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	oleEncrypted := append(append(append([]byte(nil), ole...), utf16le("EncryptionInfo")...), make([]byte, 100)...)
	good := readFixture(t, accountsBook)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"legacy xls", ole, `legacy Excel 97-2003 workbook (.xls), even if its name ends in .xlsx: open it in Excel and save it as "Excel Workbook (.xlsx)"`},
		{"encrypted", oleEncrypted, `password-protected workbook: Excel asks for a password to open it: remove the password (File > Info > Protect Workbook) and send it again`},
		{"text file", []byte("Code client;Encours\n"), `not an Excel workbook (perhaps a CSV, PDF or web page renamed .xlsx): open it in Excel and save it as "Excel Workbook (.xlsx)"`},
		{"docx", readZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
			`not an Excel workbook but another zip archive (perhaps a Word document or a zipped folder): send the .xlsx export itself`},
		{"xlsb", readZip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "x"}),
			`Excel binary workbook (.xlsb), which encours cannot read: open it in Excel and save it as "Excel Workbook (.xlsx)"`},
		{"truncated", good[:len(good)/2],
			`damaged or incomplete workbook, perhaps cut short while being copied (the zip structure is broken): export it again from Excel and copy it once more`},
	}
	for _, tt := range tests {
		wb, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), Limits{})
		if wb != nil {
			wb.Close()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.name, err, tt.want)
		}
	}
}
