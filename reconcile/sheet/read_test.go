package sheet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// accountsSST and accountsRows are an accounts sheet as Excel writes it:
// text in the shared strings, numbers and dates as raw values.
const accountsSST = `<si><t>Export des encours au 04/05/2009</t></si><si><t>Code client</t></si><si><t>Raison sociale</t></si>` +
	`<si><t>Statut</t></si><si><t>Limite assurée</t></si><si><t>Encours</t></si><si><t>Date</t></si>` +
	`<si><t>C001</t></si><si><t>Alpha SARL</t></si><si><t>Actif</t></si>` +
	`<si><t>C002</t></si><si><t>Beta SA</t></si><si><t>résilié</t></si><si><t>5 000,00 €</t></si><si><t>1.234</t></si>`

const accountsRows = `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` +
	`<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" t="s"><v>2</v></c><c r="C3" t="s"><v>3</v></c><c r="D3" t="s"><v>4</v></c><c r="E3" t="s"><v>5</v></c><c r="F3" t="s"><v>6</v></c></row>` +
	`<row r="4"><c r="A4" t="s"><v>7</v></c><c r="B4" t="s"><v>8</v></c><c r="C4" t="s"><v>9</v></c><c r="D4"><v>9000</v></c><c r="E4"><v>12340.5</v></c><c r="F4" s="1"><v>39994.333333333336</v></c></row>` +
	`<row r="6"><c r="A6" t="s"><v>10</v></c><c r="B6" t="s"><v>11</v></c><c r="C6" t="s"><v>12</v></c><c r="D6" t="s"><v>13</v></c><c r="E6" t="s"><v>14</v></c></row>`

// accountsBook is a workbook with the accounts sheet "Encours" and an
// empty "Commandes".
func accountsBook() sheettest.Book {
	return sheettest.Book{SST: accountsSST, Sheets: []sheettest.Sheet{{Name: "Encours", Rows: accountsRows}, {Name: "Commandes"}}}
}

// accountsRead is what accountsBook's "Encours" reads as.
var accountsRead = []readRow{
	{1, []string{"Export des encours au 04/05/2009"}},
	{2, nil},
	{3, []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Date"}},
	{4, []string{"C001", "Alpha SARL", "Actif", "9000", "12340.5", "39994.333333333336"}},
	{5, nil},
	{6, []string{"C002", "Beta SA", "résilié", "5 000,00 €", "1.234"}},
}

// noTempFiles points TMPDIR at an empty folder and checks at the end of
// the test that nothing was written there: the reader reads from the zip.
func noTempFiles(t *testing.T) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Cleanup(func() {
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("temp files left behind: %v", left)
		}
	})
}

func readOpen(t *testing.T, b []byte, lim Limits) *Workbook {
	t.Helper()
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

func TestReadRawValues(t *testing.T) {
	noTempFiles(t)
	wb := readOpen(t, accountsBook().Bytes(), Limits{})
	if wb.Date1904() {
		t.Error("Date1904 = true, want false")
	}
	if got := wb.SheetNames(); !reflect.DeepEqual(got, []string{"Encours", "Commandes"}) {
		t.Errorf("SheetNames = %q", got)
	}
	if got := readAll(t, wb, ""); !reflect.DeepEqual(got, accountsRead) {
		t.Errorf("rows:\n got %v\nwant %v", got, accountsRead)
	}
	// Sheet names match like headers, and a missing one is named.
	rows, err := wb.Rows(" ENCOURS ")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Sheet() != "Encours" {
		t.Errorf("Sheet() = %q, want the name as the workbook writes it", rows.Sheet())
	}
	rows.Close()
	_, err = wb.Rows("Comptes")
	if !errors.Is(err, ErrSheetNotFound) || !strings.Contains(err.Error(), `"Encours", "Commandes"`) {
		t.Errorf("Rows(Comptes) = %v, want ErrSheetNotFound naming the sheets", err)
	}
}

func TestReadAccountsFromWorkbook(t *testing.T) {
	wb := readOpen(t, accountsBook().Bytes(), Limits{})
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
	for _, v := range []string{"1", "true", " true "} {
		b := sheettest.Book{Date1904: v, Sheets: []sheettest.Sheet{{Name: "Sheet1", Rows: `<row r="1"><c r="A1"><v>38532</v></c></row>`}}}.Bytes()
		wb := readOpen(t, b, Limits{})
		if !wb.Date1904() {
			t.Fatalf("date1904=%q: Date1904 = false, want true", v)
		}
		d, err := layout.ParseDay(readAll(t, wb, "")[0].cells[0], "dmy", wb.Date1904())
		if err != nil || d.String() != "2009-06-30" {
			t.Errorf("1904 serial 38532 = %v, %v; want 2009-06-30", d, err)
		}
	}
	b := sheettest.Book{Date1904: "0", Sheets: []sheettest.Sheet{{Name: "Sheet1"}}}.Bytes()
	if readOpen(t, b, Limits{}).Date1904() {
		t.Error(`date1904="0": Date1904 = true`)
	}
}

func TestReadOpenErrors(t *testing.T) {
	good := accountsBook().Bytes()
	encrypted, err := os.ReadFile(filepath.Join("testdata", "hostile", "encrypted.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
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
		{"encrypted (Excel's agile encryption)", encrypted, Limits{}, ErrEncrypted, "password"},
		{"xlsb", sheettest.Zip("[Content_Types].xml", "<Types/>", "xl/workbook.bin", "x"), Limits{}, ErrXLSB, ".xlsb"},
		{"xlsb through the relationships", sheettest.Zip(
			"[Content_Types].xml", "<Types/>",
			"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/book.bin"/></Relationships>`,
			"xl/book.bin", "x"), Limits{}, ErrXLSB, ".xlsb"},
		{"docx", sheettest.Zip("[Content_Types].xml", "<Types/>", "word/document.xml", "<w/>"), Limits{}, ErrNotWorkbook, "zip"},
		{"docx with its relationships", sheettest.Zip(
			"[Content_Types].xml", "<Types/>",
			"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
			"word/document.xml", `<w:document xmlns:w="x"><w:body/></w:document>`), Limits{}, ErrNotWorkbook, "Word document"},
		{"ods renamed", sheettest.Zip("mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<office:document-content/>", "META-INF/manifest.xml", "<m/>"),
			Limits{}, ErrNotWorkbook, "OpenDocument spreadsheet (.ods), even if its name ends in .xlsx: open it in LibreOffice"},
		{"odt renamed", sheettest.Zip("mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<office:document-content/>"),
			Limits{}, ErrNotWorkbook, "another zip archive"},
		{"numbers renamed", sheettest.Zip("Index/Document.iwa", "x", "Metadata/Properties.plist", "x"), Limits{}, ErrNotWorkbook, "Apple Numbers document"},
		{"file over the limit", good, Limits{MaxFileBytes: 1000}, ErrTooLarge, "max_file_bytes"},
		{"unzipped over the limit", good, Limits{MaxUnzippedBytes: 2000}, ErrTooLarge, "max_unzipped_bytes"},
		{"broken workbook xml", sheettest.Zip("[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook><sheets>"), Limits{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noTempFiles(t)
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
		})
	}
}

func TestReadMaxRows(t *testing.T) {
	var rs strings.Builder
	for i := 1; i <= 5; i++ {
		rs.WriteString(sheettest.Inline(i, i))
	}
	wb := readOpen(t, sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Sheet1", Rows: rs.String()}}}.Bytes(), Limits{MaxRows: 3})
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

// Each message says what is wrong once, then what to do: the reason's own
// words (the sentinel) are not repeated by the explanation.
func TestOpenMessagesReadOnce(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	oleEncrypted := append(append(append([]byte(nil), ole...), utf16le("EncryptionInfo")...), make([]byte, 100)...)
	good := accountsBook().Bytes()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"legacy xls", ole, `legacy Excel 97-2003 workbook (.xls), even if its name ends in .xlsx: open it in Excel and save it as "Excel Workbook (.xlsx)"`},
		{"encrypted", oleEncrypted, `password-protected workbook: Excel asks for a password to open it: remove the password (File > Info > Protect Workbook) and send it again`},
		{"text file", []byte("Code client;Encours\n"), `not an Excel workbook (perhaps a CSV, PDF or web page renamed .xlsx): open it in Excel and save it as "Excel Workbook (.xlsx)"`},
		{"docx", sheettest.Zip("[Content_Types].xml", "<Types/>", "word/document.xml", "<w/>"),
			`not an Excel workbook but another zip archive (perhaps a Word document or a zipped folder): send the .xlsx export itself`},
		{"xlsb", sheettest.Zip("[Content_Types].xml", "<Types/>", "xl/workbook.bin", "x"),
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
