package sheet

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// withSheetPart is a one-sheet workbook whose sheet part is body as is.
func withSheetPart(body string) []byte {
	b := sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Feuil1"}}}.Bytes()
	return sheettest.Rezip(b, map[string][]byte{sheetPart: []byte(body)})
}

const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// TestReadDeclaredEncodings: parts declared in another encoding than
// UTF-8, as ERP exports and old libraries write them, are decoded from it.
// The differential test against excelize is in reconcile/xlsx.
func TestReadDeclaredEncodings(t *testing.T) {
	row := "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Soci\xe9t\xe9 \x80 d\xfb</t></is></c><c r=\"B1\"><v>5</v></c></row>"
	tests := []struct {
		name, decl string
		want       []string
		row        string // row by default
	}{
		// ISO-8859-1 is read as windows-1252, as browsers and excelize read it.
		{"ISO-8859-1", `<?xml version="1.0" encoding="ISO-8859-1"?>`, []string{"Société € dû", "5"}, ""},
		{"latin1, single quotes, spaces", `<?xml version='1.0' encoding = 'latin1' standalone='yes'?>`, []string{"Société € dû", "5"}, ""},
		{"windows-1252", `<?xml version="1.0" encoding="windows-1252"?>`, []string{"Société € dû", "5"}, ""},
		{"iso-8859-15 after a blank line", "\r\n" + `<?xml version="1.0" encoding="iso-8859-15"?>`, []string{"5 €"},
			"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>5 \xa4</t></is></c></row>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := row
			if tt.row != "" {
				r = tt.row
			}
			wb := readOpen(t, withSheetPart(tt.decl+`<worksheet xmlns="`+mainNS+`"><sheetData>`+r+`</sheetData></worksheet>`), Limits{})
			if got := readAll(t, wb, ""); !reflect.DeepEqual(got, []readRow{{1, tt.want}}) {
				t.Errorf("got %v, want %q", got, tt.want)
			}
		})
	}
	// The same bytes declared UTF-8, or not declared, are UTF-8: left as they are.
	for _, decl := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0"?>`, ``} {
		wb := readOpen(t, withSheetPart(decl+`<worksheet><sheetData>`+row+`</sheetData></worksheet>`), Limits{})
		if got := readAll(t, wb, ""); got[0].cells[0] != "Soci\xe9t\xe9 \x80 d\xfb" {
			t.Errorf("%q: got %q, want the bytes untouched", decl, got[0].cells[0])
		}
	}
	// A declaration after the first tag is not the part's.
	wb := readOpen(t, withSheetPart(`<worksheet><?xml version="1.0" encoding="ISO-8859-1"?><sheetData>`+sheettest.Inline(1, "é")+`</sheetData></worksheet>`), Limits{})
	if got := readAll(t, wb, ""); got[0].cells[0] != "é" {
		t.Errorf("late declaration: got %q", got[0].cells[0])
	}
	// A workbook and shared strings in Latin-1 too.
	b := sheettest.Book{SST: "<si><t>R\xe9sili\xe9</t></si>", Sheets: []sheettest.Sheet{{Name: "Feuil1", Rows: `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`}}}.Bytes()
	b = sheettest.Rezip(b, map[string][]byte{
		"xl/sharedStrings.xml": []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><sst xmlns="` + mainNS + `"><si><t>R` + "\xe9" + `sili` + "\xe9" + `</t></si></sst>`),
		"xl/workbook.xml": []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><workbook xmlns="` + mainNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Donn` + "\xe9" + `es" sheetId="1" r:id="rId11"/></sheets></workbook>`),
	})
	wb = readOpen(t, b, Limits{})
	if got := wb.SheetNames(); !reflect.DeepEqual(got, []string{"Données"}) {
		t.Errorf("SheetNames = %q", got)
	}
	if got := readAll(t, wb, "Données"); got[0].cells[0] != "Résilié" {
		t.Errorf("shared string = %q, want Résilié", got[0].cells[0])
	}
}

// An encoding nobody knows is refused with its name, not read as garbage.
func TestReadUnknownEncoding(t *testing.T) {
	b := withSheetPart(`<?xml version="1.0" encoding="x-klingon"?><worksheet><sheetData>` + sheettest.Inline(1, "a") + `</sheetData></worksheet>`)
	wb := readOpen(t, b, Limits{})
	rows, err := wb.Rows("")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); !errors.Is(err, ErrNotWorkbook) || !strings.Contains(err.Error(), `"x-klingon"`) || !strings.Contains(err.Error(), sheetPart) {
		t.Errorf("Err = %v, want ErrNotWorkbook naming the part and the encoding", err)
	}
	b = sheettest.Rezip(accountsBook().Bytes(), map[string][]byte{"xl/workbook.xml": []byte(`<?xml version="1.0" encoding="x-klingon"?><workbook/>`)})
	if _, err := Open(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, ErrNotWorkbook) || !strings.Contains(err.Error(), "x-klingon") {
		t.Errorf("Open = %v, want ErrNotWorkbook naming the encoding", err)
	}
}
