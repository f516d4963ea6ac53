package sheet

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// otherTools are accountsBook as tools other than Excel lay it out: each
// must read exactly as accountsBook does.
func otherTools() map[string]sheettest.Book {
	with := func(change func(b *sheettest.Book)) sheettest.Book {
		b := accountsBook()
		b.Sheets = append([]sheettest.Sheet(nil), b.Sheets...)
		change(&b)
		return b
	}
	return map[string]sheettest.Book{
		"parts moved and renamed": with(func(b *sheettest.Book) {
			b.Workbook, b.SSTPart = "spreadsheet/main/book.xml", "spreadsheet/text/strings.xml"
			b.Sheets[0].Part, b.Sheets[1].Part = "spreadsheet/main/tables/comptes.xml", "spreadsheet/main/tables/commandes.xml"
		}),
		"workbook at the root": with(func(b *sheettest.Book) {
			b.Workbook = "workbook.xml"
			b.Sheets[0].Part = "sheets/a.xml"
		}),
		"absolute targets": with(func(b *sheettest.Book) {
			b.WorkbookTarget = "/xl/workbook.xml"
			b.Sheets[0].Target = "/xl/worksheets/sheet1.xml"
		}),
		"relative targets climbing": with(func(b *sheettest.Book) {
			b.Sheets[0].Part, b.Sheets[0].Target = "data/sheet1.xml", "../data/sheet1.xml"
			b.Sheets[1].Target = "./worksheets/../worksheets/sheet2.xml"
		}),
		"part names in other cases": with(func(b *sheettest.Book) {
			b.Rename = map[string]string{
				"xl/workbook.xml": "XL/Workbook.xml", "xl/_rels/workbook.xml.rels": "xl/_RELS/workbook.XML.rels",
				"xl/worksheets/sheet1.xml": "xl/Worksheets/Sheet1.xml", "xl/sharedStrings.xml": "xl/sharedstrings.xml",
				"_rels/.rels": "_Rels/.RELS", "[Content_Types].xml": "[content_types].xml",
			}
		}),
		"targets in other cases": with(func(b *sheettest.Book) {
			b.WorkbookTarget = "XL/WORKBOOK.XML"
			b.Sheets[0].Target = "WorkSheets/SHEET1.xml"
		}),
		"backslashes in zip names": with(func(b *sheettest.Book) {
			b.Rename = map[string]string{"xl/worksheets/sheet1.xml": `xl\worksheets\sheet1.xml`}
		}),
		"escaped target": with(func(b *sheettest.Book) {
			b.Sheets[0].Part, b.Sheets[0].Target = "xl/worksheets/feuille 1.xml", "worksheets/feuille%201.xml"
		}),
		"strict OOXML":             with(func(b *sheettest.Book) { b.Strict = true }),
		"no package relationships": with(func(b *sheettest.Book) { b.NoRootRels = true }),
		"chart sheet first": with(func(b *sheettest.Book) {
			b.Sheets = append([]sheettest.Sheet{{Name: "Graphique", Kind: "chartsheet", Part: "xl/chartsheets/sheet1.xml"}}, b.Sheets...)
		}),
		"macro and dialog sheets": with(func(b *sheettest.Book) {
			b.Sheets = append(b.Sheets,
				sheettest.Sheet{Name: "Macro1", Kind: "xlMacrosheet", Part: "xl/macrosheets/sheet1.xml", Rows: sheettest.Inline(1, "=HALT()")},
				sheettest.Sheet{Name: "Dialog1", Kind: "dialogsheet", Part: "xl/dialogsheets/sheet1.xml"})
		}),
		"a sheet's part missing":       with(func(b *sheettest.Book) { b.Sheets[1].Missing = true }),
		"a sheet without relationship": with(func(b *sheettest.Book) { b.Sheets[1].NoRel = true }),
		"an external target": with(func(b *sheettest.Book) {
			b.Sheets = append(b.Sheets, sheettest.Sheet{Name: "Lien", Target: "https://example.com/book.xlsx", Missing: true})
		}),
	}
}

// TestReadOtherToolsPackages: however the package is laid out, the
// accounts read the same, and only the sheets that hold no table are
// unreadable — each with its own reason, never the file.
func TestReadOtherToolsPackages(t *testing.T) {
	for name, book := range otherTools() {
		t.Run(name, func(t *testing.T) {
			b := book.Bytes()
			wb := readOpen(t, b, Limits{})
			if got := readAll(t, wb, "Encours"); !reflect.DeepEqual(got, accountsRead) {
				t.Errorf("Encours:\n got %v\nwant %v", got, accountsRead)
			}
			if got := readAll(t, wb, ""); !reflect.DeepEqual(got, accountsRead) {
				t.Errorf("first worksheet:\n got %v\nwant %v", got, accountsRead)
			}
			acc, err := readThrough(b, Limits{})
			if err != nil || len(acc.Rows) != 2 {
				t.Errorf("accounts: %d, %v", len(acc.Rows), err)
			}
			var names []string
			for _, s := range book.Sheets {
				names = append(names, s.Name)
			}
			if got := wb.SheetNames(); !reflect.DeepEqual(got, names) {
				t.Errorf("SheetNames = %q, want %q", got, names)
			}
			var worksheets []string
			for _, s := range book.Sheets {
				rows, err := wb.Rows(s.Name)
				switch {
				case s.Kind == "chartsheet" || s.Kind == "xlMacrosheet" || s.Kind == "dialogsheet":
					if !errors.Is(err, ErrNotWorksheet) || !strings.Contains(err.Error(), s.Name) {
						t.Errorf("Rows(%q) = %v, want ErrNotWorksheet naming it", s.Name, err)
					}
				case s.Missing || s.NoRel:
					if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), s.Name) {
						t.Errorf("Rows(%q) = %v, want ErrTruncated naming it", s.Name, err)
					}
				case err != nil:
					t.Errorf("Rows(%q): %v", s.Name, err)
				default:
					rows.Close()
					worksheets = append(worksheets, s.Name)
				}
			}
			if got := wb.Worksheets(); !reflect.DeepEqual(got, worksheets) {
				t.Errorf("Worksheets = %q, want %q", got, worksheets)
			}
		})
	}
}

// The messages of a sheet that cannot be read name it and say what to do.
func TestReadUnreadableSheetMessages(t *testing.T) {
	b := sheettest.Book{Sheets: []sheettest.Sheet{
		{Name: "Graphique", Kind: "chartsheet", Part: "xl/chartsheets/sheet1.xml"},
		{Name: "Perdue", Part: "xl/worksheets/perdue.xml", Missing: true},
	}}.Bytes()
	wb := readOpen(t, b, Limits{})
	for sheet, want := range map[string]string{
		"Graphique": `not a sheet of cells: sheet "Graphique" is a chart sheet, which holds no table to read: set the name of the sheet holding the data in the layout of config.yaml`,
		"Perdue":    `damaged or incomplete workbook, perhaps cut short while being copied (sheet "Perdue": its part xl/worksheets/perdue.xml is missing from the file): export it again from Excel and copy it once more`,
		"":          `sheet not found: the workbook has no sheet of cells, only "Graphique", "Perdue": export the table itself`,
	} {
		if _, err := wb.Rows(sheet); err == nil || err.Error() != want {
			t.Errorf("Rows(%q):\n got %v\nwant %s", sheet, err, want)
		}
	}
}

// Where the zip holds two entries whose names differ only in case, a
// target naming one exactly gets that one; otherwise the later one counts.
func TestReadCaseDuplicates(t *testing.T) {
	b := accountsBook()
	b.Extra = []sheettest.Entry{{Name: "xl/worksheets/SHEET1.xml", Body: `<worksheet><sheetData>` + sheettest.Inline(1, "autre") + `</sheetData></worksheet>`}}
	wb := readOpen(t, b.Bytes(), Limits{})
	if got := readAll(t, wb, "Encours"); !reflect.DeepEqual(got, accountsRead) {
		t.Errorf("exact name: got %v", got)
	}
	b.Sheets = append([]sheettest.Sheet(nil), b.Sheets...)
	b.Sheets[0].Target = "worksheets/Sheet1.xml"
	wb = readOpen(t, b.Bytes(), Limits{})
	if got := readAll(t, wb, "Encours"); len(got) != 1 || got[0].cells[0] != "autre" {
		t.Errorf("case-insensitive name: got %v, want the later entry", got)
	}
}

func TestResolveTarget(t *testing.T) {
	for _, tt := range []struct{ source, target, want string }{
		{"", "xl/workbook.xml", "xl/workbook.xml"},
		{"", "/xl/workbook.xml", "xl/workbook.xml"},
		{"xl/workbook.xml", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"},
		{"xl/workbook.xml", "/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"},
		{"xl/workbook.xml", "../other/s.xml", "other/s.xml"},
		{"xl/workbook.xml", "../../../../s.xml", "s.xml"},
		{"xl/workbook.xml", `worksheets\sheet1.xml`, "xl/worksheets/sheet1.xml"},
		{"xl/workbook.xml", "worksheets/a%20b.xml", "xl/worksheets/a b.xml"},
		{"workbook.xml", "sheet.xml", "sheet.xml"},
		{"xl/workbook.xml", "worksheets/sheet1.xml#frag", "xl/worksheets/sheet1.xml"},
	} {
		if got := resolveTarget(tt.source, tt.target); got != tt.want {
			t.Errorf("resolveTarget(%q, %q) = %q, want %q", tt.source, tt.target, got, tt.want)
		}
	}
	if got := relsPart("xl/workbook.xml"); got != "xl/_rels/workbook.xml.rels" {
		t.Errorf("relsPart = %q", got)
	}
	if got := relsPart(""); got != "_rels/.rels" {
		t.Errorf("relsPart(\"\") = %q", got)
	}
}
