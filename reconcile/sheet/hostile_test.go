package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// hostileLayout reads accountsBook's sheet.
var hostileLayout = layout.Layout{
	Decimal: "comma", DateOrder: "dmy",
	Accounts: layout.Sheet{Name: "Encours", Columns: map[string][]string{
		"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
		"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
	}},
}

// readThrough opens b and reads its accounts as the batch does, closing
// everything on every path.
func readThrough(b []byte, lim Limits) (layout.Accounts, error) {
	wb, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		return layout.Accounts{}, err
	}
	defer wb.Close()
	rows, err := wb.Rows(hostileLayout.Accounts.Name)
	if err != nil {
		return layout.Accounts{}, err
	}
	defer rows.Close()
	return hostileLayout.ReadAccounts(rows, hostileLayout.Accounts.Name, layout.ReadOptions{File: "x.xlsx", Date1904: wb.Date1904()})
}

// rezip and hostilePart are sheettest's, for the tables below.
func rezip(_ testing.TB, b []byte, parts map[string][]byte) []byte { return sheettest.Rezip(b, parts) }

func hostilePart(t testing.TB, b []byte, name string) []byte {
	t.Helper()
	body := sheettest.Part(b, name)
	if body == nil {
		t.Fatalf("no part %s", name)
	}
	return body
}

const sheetPart = "xl/worksheets/sheet1.xml"

// bombSheet is a sheet part that inflates to n bytes of repeated rows.
func bombSheet(w io.Writer, n int) {
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	row := []byte(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`)
	chunk := bytes.Repeat(row, 1<<20/len(row))
	for written := 0; written < n; written += len(chunk) {
		w.Write(chunk)
	}
	io.WriteString(w, `</sheetData></worksheet>`)
}

var (
	bombOnce  sync.Once
	bombBytes []byte
)

// zipBomb is a workbook of about 300 KB whose sheet inflates to about
// 300 MB, its header honest; built once per test binary.
func zipBomb(t testing.TB) []byte {
	bombOnce.Do(func() {
		good := accountsBook().Bytes()
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestCompression)
		})
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			if zf.Name == sheetPart {
				bombSheet(w, 300<<20)
				continue
			}
			rc, _ := zf.Open()
			io.Copy(w, rc)
			rc.Close()
		}
		zw.Close()
		bombBytes = buf.Bytes()
	})
	return bombBytes
}

// lyingBomb is a workbook whose sheet's header claims 1 KB while the part
// inflates to 50 MB: only counting the bytes catches it.
func lyingBomb(t *testing.T) []byte {
	good := accountsBook().Bytes()
	var body bytes.Buffer
	fw, _ := flate.NewWriter(&body, flate.BestSpeed)
	bombSheet(fw, 50<<20)
	fw.Close()
	zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		if zf.Name == sheetPart {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: sheetPart, Method: zip.Deflate,
				CompressedSize64: uint64(body.Len()), UncompressedSize64: 1000, CRC32: crc32.ChecksumIEEE(nil)})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(body.Bytes())
			continue
		}
		w, _ := zw.Create(zf.Name)
		rc, _ := zf.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return buf.Bytes()
}

// manyParts is a workbook of n zip entries.
func manyParts(t *testing.T, n int) []byte {
	good := accountsBook().Bytes()
	parts := map[string][]byte{}
	for i := 0; i < n; i++ {
		parts[fmt.Sprintf("xl/media/p%05d.bin", i)] = []byte{'x'}
	}
	return rezip(t, good, parts)
}

// withSST replaces the workbook's shared strings by n strings.
func withSST(t *testing.T, n int) []byte {
	good := accountsBook().Bytes()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "<si><t>s%d</t></si>", i)
	}
	b.WriteString("</sst>")
	return rezip(t, good, map[string][]byte{"xl/sharedStrings.xml": []byte(b.String())})
}

// withSheet replaces the accounts sheet's cells.
func withSheet(t *testing.T, cells string) []byte {
	good := accountsBook().Bytes()
	sheet := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + cells + `</sheetData></worksheet>`
	return rezip(t, good, map[string][]byte{sheetPart: []byte(sheet)})
}

const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`

func utf16Part(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return out
}

// TestHostileWorkbooks feeds each kind of hostile or broken file through
// Open and the layout, as the batch does, and checks the named reason, that
// the message says what to do, that no temp file is left, and the time.
func TestHostileWorkbooks(t *testing.T) {
	good := accountsBook().Bytes()
	encrypted, err := os.ReadFile(filepath.Join("testdata", "hostile", "encrypted.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	sst := hostilePart(t, good, "xl/sharedStrings.xml")
	sheet := hostilePart(t, good, sheetPart)
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Code client</t></is></c><c r="B1" t="inlineStr"><is><t>Raison sociale</t></is></c><c r="C1" t="inlineStr"><is><t>Statut</t></is></c><c r="D1" t="inlineStr"><is><t>Limite assurée</t></is></c><c r="E1" t="inlineStr"><is><t>Encours</t></is></c></row>`

	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
		text []string // all in the message
	}{
		{"zip bomb, honest header", zipBomb(t), Limits{}, ErrZipBomb, []string{"zip bomb", "sheet1.xml", "fresh export"}},
		{"zip bomb, lying header", lyingBomb(t), Limits{}, ErrZipBomb, []string{"zip bomb", "more than its header says"}},
		{"file over max_file_bytes", good, Limits{MaxFileBytes: 1000}, ErrTooLarge, []string{"over the", "max_file_bytes"}},
		{"unzipped over max_unzipped_bytes", good, Limits{MaxUnzippedBytes: 2000}, ErrTooLarge, []string{"max_unzipped_bytes"}},
		{"50,000 zip entries", manyParts(t, 50000), Limits{}, ErrTooManyParts, []string{"50", "parts", "not an export"}},
		{"huge shared-string table (count)", withSST(t, 2000), Limits{MaxRows: 10}, ErrSharedStrings, []string{"texts", "max_rows"}},
		{"huge shared-string table (bytes)", withSST(t, 20000), Limits{MaxUnzippedBytes: 1 << 20}, ErrSharedStrings, []string{"text table", "max_unzipped_bytes"}},
		{"DOCTYPE in the sheet", rezip(t, good, map[string][]byte{sheetPart: append([]byte(laughs), bytes.TrimPrefix(sheet, []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`))...)}), Limits{}, ErrDoctype, []string{"DOCTYPE", "sheet1.xml", "fresh export"}},
		{"entity in the shared strings", rezip(t, good, map[string][]byte{"xl/sharedStrings.xml": append([]byte(`<?xml version="1.0"?><!ENTITY x "y">`), sst...)}), Limits{}, ErrDoctype, []string{"sharedStrings.xml"}},
		{"DOCTYPE in the content types", rezip(t, good, map[string][]byte{"[Content_Types].xml": append([]byte(laughs), hostilePart(t, good, "[Content_Types].xml")...)}), Limits{}, ErrDoctype, []string{"Content_Types"}},
		{"DOCTYPE in a UTF-16 part", rezip(t, good, map[string][]byte{"docProps/custom.xml": utf16Part(laughs + "<Properties/>")}), Limits{}, ErrDoctype, []string{"custom.xml"}},
		{"bad shared-string index", withSheet(t, header+`<row r="2"><c r="A2" t="s"><v>99</v></c></row>`), Limits{}, ErrBadSharedString, []string{"A2", "99", "blank", "export it again"}},
		{"negative shared-string index", withSheet(t, header+`<row r="2"><c r="A2" t="s"><v>-1</v></c></row>`), Limits{}, ErrBadSharedString, []string{"A2"}},
		{"cell beyond column XFD", withSheet(t, header+`<row r="2"><c r="XFE2"><v>1</v></c></row>`), Limits{}, ErrCellRef, []string{"XFE2", "XFD1048576"}},
		{"cell beyond row 1048576", withSheet(t, header+`<row r="2"><c r="A1048577"><v>1</v></c></row>`), Limits{}, ErrCellRef, []string{"A1048577"}},
		{"row beyond 1048576", withSheet(t, header+`<row r="1048577"><c><v>1</v></c></row>`), Limits{}, ErrCellRef, []string{"row 1048577"}},
		{"required header missing", withSheet(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>Code client</t></is></c><c r="B1" t="inlineStr"><is><t>Nom</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c></row>`), Limits{}, layout.ErrMissingHeader, []string{"Encours", "Nom"}},
		{"header and zero data rows", withSheet(t, header), Limits{}, layout.ErrNoRows, []string{"Encours"}},
		{"not a zip", []byte("Code client;Encours\nC001;12\n"), Limits{}, ErrNotWorkbook, []string{"not an Excel workbook", "save it as"}},
		{"truncated zip", good[:len(good)*2/3], Limits{}, ErrTruncated, []string{"damaged or incomplete", "export it again"}},
		{"legacy xls renamed xlsx", ole, Limits{}, ErrLegacyXLS, []string{".xls", "even if its name ends in .xlsx"}},
		{"password-protected", encrypted, Limits{}, ErrEncrypted, []string{"password", "remove the password"}},
		{"xlsb", rezip(t, good, map[string][]byte{"xl/workbook.bin": []byte("x"), "xl/workbook.xml": nil}), Limits{}, ErrXLSB, []string{".xlsb", "save it as"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noTempFiles(t)
			start := time.Now()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readThrough(tt.data, tt.lim)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, s := range tt.text {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not mention %q", err, s)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			// Allocations, not the heap: the file itself is in memory.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			t.Logf("%s: %v", tt.name, err)
		})
	}
}

// Each reason is distinct from every other, so a quarantine note can only
// say one thing.
func TestHostileReasonsDistinct(t *testing.T) {
	all := []error{ErrNotWorkbook, ErrTruncated, ErrLegacyXLS, ErrEncrypted, ErrXLSB, ErrTooLarge,
		ErrZipBomb, ErrTooManyParts, ErrSharedStrings, ErrDoctype, ErrBadSharedString, ErrCellRef, ErrSheetNotFound, ErrNotWorksheet}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v is %v", a, b)
			}
		}
	}
}

// A macro-enabled workbook (.xlsm) is read as data: its vbaProject.bin is
// only counted, never read.
func TestHostileXLSMReadAsData(t *testing.T) {
	good := accountsBook().Bytes()
	ct := strings.Replace(string(hostilePart(t, good, "[Content_Types].xml")),
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
		"application/vnd.ms-excel.sheet.macroEnabled.main+xml", 1)
	ct = strings.Replace(ct, "</Types>", `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>`, 1)
	xlsm := rezip(t, good, map[string][]byte{
		"[Content_Types].xml": []byte(ct),
		"xl/vbaProject.bin":   append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, []byte("Attribute VB_Name = \"Auto_Open\" Shell(\"calc\")")...),
	})
	acc, err := readThrough(xlsm, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Rows) != 2 || acc.Rows[0].ResellerID != "C001" {
		t.Errorf("read %+v", acc.Rows)
	}
}

// Well-formed oddities that are not hostile, read to the end: refs with $, lowercase and
// empty cells, a shared-string cell with no value.
func TestInspectAcceptsOddButValid(t *testing.T) {
	for _, cells := range []string{
		`<row r="1"><c r="$A$1" t="s"><v>0</v></c></row>`,
		`<row r="1"><c r="XFD1048576"><v>1</v></c></row>`,
		`<row><c t="s"/><c t="s"></c></row>`,
		`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>`,
	} {
		b := withSheet(t, cells)
		wb, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
		if err != nil {
			t.Errorf("%s: %v", cells, err)
			continue
		}
		rows, err := wb.Rows("")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", cells, err)
		}
		rows.Close()
		wb.Close()
	}
}

// TestHostileFixtures reads every committed file of testdata/hostile and
// checks that it is refused with the reason its name starts with. The
// files are written by the tests of reconcile/xlsx (go test
// ./reconcile/xlsx -run HostileFixtures -update-hostile), which may use
// excelize to encrypt one.
func TestHostileFixtures(t *testing.T) {
	reasons := map[string]error{
		"bomb": ErrZipBomb, "doctype": ErrDoctype, "sst": ErrBadSharedString, "ref": ErrCellRef,
		"xls": ErrLegacyXLS, "encrypted": ErrEncrypted, "notzip": ErrNotWorkbook, "truncated": ErrTruncated,
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*"))
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/hostile")
	}
	for _, p := range files {
		name := filepath.Base(p)
		want, ok := reasons[strings.SplitN(name, "-", 2)[0]]
		if !ok {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readThrough(b, Limits{}); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
}
