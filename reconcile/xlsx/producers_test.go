package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

const (
	quirkMainNS   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	quirkRelNS    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	quirkPkgRelNS = "http://schemas.openxmlformats.org/package/2006/relationships"
	quirkDecl     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`
)

// dotNetBook is a workbook as the .NET OpenXML SDK writes it: every
// element under the "x:" prefix, no default namespace.
func dotNetBook() []byte {
	x := `xmlns:x="` + quirkMainNS + `"`
	return sheettest.Zip(
		"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="`+quirkPkgRelNS+`"><Relationship Type="`+quirkRelNS+`/officeDocument" Target="/xl/workbook.xml" Id="R4b1c"/></Relationships>`,
		"xl/workbook.xml", `<?xml version="1.0" encoding="utf-8"?><x:workbook xmlns:r="`+quirkRelNS+`" `+x+`><x:workbookPr date1904="1"/><x:sheets><x:sheet name="Encours" sheetId="1" r:id="R7a0e" /></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="`+quirkPkgRelNS+`"><Relationship Type="`+quirkRelNS+`/worksheet" Target="/xl/worksheets/sheet.xml" Id="R7a0e" /><Relationship Type="`+quirkRelNS+`/sharedStrings" Target="/xl/sharedStrings.xml" Id="R9f"/></Relationships>`,
		"xl/worksheets/sheet.xml", `<?xml version="1.0" encoding="utf-8"?><x:worksheet `+x+`><x:sheetData>`+
			`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>Encours</x:t></x:is></x:c></x:row>`+
			`<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="B2" t="str"><x:f>"ok"</x:f><x:v>ok</x:v></x:c><x:c r="C2"><x:v>1234.5</x:v></x:c></x:row>`+
			`</x:sheetData></x:worksheet>`,
		"xl/sharedStrings.xml", `<?xml version="1.0" encoding="utf-8"?><x:sst `+x+`><x:si><x:t>Code client</x:t></x:si><x:si><x:r><x:t>Stat</x:t></x:r><x:r><x:t>ut</x:t></x:r></x:si><x:si><x:t>C001</x:t></x:si></x:sst>`,
	)
}

// quirkBooks are workbooks with what real producers write that Excel's
// own files do not show, built by hand.
func quirkBooks() map[string][]byte {
	book := func(sst, rows string) []byte {
		return sheettest.Book{SST: sst, Sheets: []sheettest.Sheet{{Name: "Feuil1", Rows: rows}}}.Bytes()
	}
	sheetXML := func(prolog, rows string) []byte {
		b := sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Feuil1"}}}.Bytes()
		return sheettest.Rezip(b, map[string][]byte{"xl/worksheets/sheet1.xml": []byte(prolog + `<worksheet xmlns="` + quirkMainNS + `"><sheetData>` + rows + `</sheetData></worksheet>`)})
	}
	latin1 := func(s string) string {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r))
		}
		return string(b)
	}
	return map[string][]byte{
		".NET OpenXML SDK prefixes": dotNetBook(),
		"no r on rows nor cells (Numbers)": book(`<si><t>Code</t></si><si><t>Nom</t></si>`,
			`<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>1</v></c><c t="inlineStr"><is><t>Alpha</t></is></c></row><row/><row><c><v>2</v></c></row>`),
		"sparse rows out of order": book("", `<row r="10"><c r="C10"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row><row r="40000"><c r="AA40000"><v>3</v></c></row>`),
		"inline rich runs":         book("", `<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>Gr</t></r><r><t xml:space="preserve">as </t></r><rPh sb="0" eb="1"><t>ふ</t></rPh></is></c></row>`),
		"shared rich and phonetic (Excel ja)": book(`<si><r><rPr><sz val="11"/></rPr><t>東京</t></r><r><t>都</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><rPh sb="2" eb="3"><t>ト</t></rPh><phoneticPr fontId="1" type="noConversion"/></si><si><t>株式会社</t><rPh sb="0" eb="4"><t>カブシキガイシャ</t></rPh></si>`,
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`),
		"typed cells":            book("", `<row r="1"><c r="A1" t="str"><v>texte</v></c><c r="B1" t="b"><v>1</v></c><c r="C1" t="e"><v>#N/A</v></c><c r="D1" t="d"><v>2009-06-30T08:00:00.000</v></c><c r="E1" t="n"><v>1.5E+2</v></c><c r="F1" t="n"><v>-3e-05</v></c><c r="G1"><v>39994.333333333336</v></c></row>`),
		"no shared strings part": book("", sheettest.Inline(1, "Code", "Montant")+sheettest.Inline(2, "C1", 12.5)),
		"shared strings declared, part missing": sheettest.Rezip(book(`<si><t>x</t></si>`, sheettest.Inline(1, "Code", 1)),
			map[string][]byte{"xl/sharedStrings.xml": nil}),
		"dimension that lies (Google Sheets, openpyxl)": sheetXML(quirkDecl, ``+
			`<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="H5"><v>2</v></c></row>`),
		"escapes and spaces": book(`<si><t xml:space="preserve">  deux espaces  </t></si><si><t>ligne_x000D__x000A_suite_x0009_tab _x005F_x0041_</t></si><si><t xml:space="preserve">
saut</t></si>`,
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr"><is><t>_x000D_</t></is></c></row>`),
		"BOM and standalone":            sheetXML("\uFEFF"+`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n", sheettest.Inline(1, "Côte-d’Or", "€ 5 000", "日本語", "🙂")),
		"latin-1 declared (ERP export)": sheetXML(`<?xml version="1.0" encoding="ISO-8859-1"?>`, latin1(sheettest.Inline(1, "Société", "Résilié", "Encours dû"))),
		"windows-1252 declared":         sheetXML(`<?xml version="1.0" encoding="windows-1252"?>`, "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>5 000 \x80 d\xe9j\xe0</t></is></c></row>"),
		"pretty-printed XML":            sheetXML(quirkDecl+"\n", "\n  <row r=\"1\">\n    <c r=\"A1\" t=\"inlineStr\">\n      <is>\n        <t>Code</t>\n      </is>\n    </c>\n    <c r=\"B1\">\n      <v>12</v>\n    </c>\n  </row>\n"),
		"strict OOXML":                  sheettest.Book{Strict: true, SST: `<si><t>Code</t></si>`, Sheets: []sheettest.Sheet{{Name: "Feuil1", Rows: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>3</v></c></row>`}}}.Bytes(),
		"absolute targets":              sheettest.Book{WorkbookTarget: "/xl/workbook.xml", Sheets: []sheettest.Sheet{{Name: "Feuil1", Target: "/xl/worksheets/sheet1.xml", Rows: sheettest.Inline(1, "a", 1)}}}.Bytes(),
		"backslash target":              sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Feuil1", Target: `worksheets\sheet1.xml`, Rows: sheettest.Inline(1, "a", 1)}}}.Bytes(),
		"lower-case references":         book("", `<row r="1"><c r="a1"><v>1</v></c><c r="c1"><v>3</v></c></row><row r="2"><c r="$b$2"><v>2</v></c></row>`),
		"empty and odd items": book(`<si/><si><t> </t></si><si><t>x</t></si>`,
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is/></c><c r="D1" t="inlineStr"><is><t/></is></c><c r="E1" t="s"><v>2</v></c></row>`),
		"empty sheet data":           sheetXML(quirkDecl, ``),
		"no sheet data":              sheettest.Rezip(book("", ""), map[string][]byte{"xl/worksheets/sheet1.xml": []byte(quirkDecl + `<worksheet xmlns="` + quirkMainNS + `"><dimension ref="A1"/></worksheet>`)}),
		"stored entries and folders": storedZip(book(`<si><t>Code</t></si>`, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>4</v></c></row>`)),
		"formulas without values":    book("", `<row r="1"><c r="A1"><f>1+1</f></c><c r="B1" t="str"><f>A1&amp;""</f></c><c r="C1"><f t="shared" ref="C1:C2" si="0">A1</f><v>2</v></c></row><row r="2"><c r="C2"><f t="shared" si="0"/><v>0</v></c></row>`),
	}
}

// storedZip copies the zip b with its entries stored (not compressed),
// with data descriptors, and with an entry for each folder, as some zip
// libraries and hand-zipped folders write them.
func storedZip(b []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, zf := range zr.File {
		for d := path.Dir(zf.Name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			if _, err := zw.Create(d + "/"); err != nil {
				panic(err)
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
		if err != nil {
			panic(err)
		}
		rc, _ := zf.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TestReadQuirksSameAsExcelize: each workbook excelize opens reads with
// the sheet reader as excelize reads it.
func TestReadQuirksSameAsExcelize(t *testing.T) {
	for name, b := range quirkBooks() {
		t.Run(name, func(t *testing.T) {
			f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, TmpDir: t.TempDir()})
			if err != nil {
				t.Fatalf("excelize refuses it, so it shows nothing here: %v", err)
			}
			f.Close()
			if _, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{}); err != nil {
				t.Fatalf("excelize opens it, Open: %v", err)
			}
			sameAsExcelize(t, b)
		})
	}
}

// producerFiles are the workbooks other libraries wrote, committed with
// the scripts that made them (../sheet/testdata/producers/make-*).
var producerFiles = []string{
	"sheetjs-sst.xlsx", "sheetjs-nosst.xlsx", "sheetjs-celldates.xlsx",
	"exceljs.xlsx", "exceljs-stream.xlsx", "openpyxl-writeonly.xlsx", "openpyxl.xlsx",
	"xlsxwriter.xlsx", "xlsxwriter-constant-memory.xlsx", "gnumeric.xlsx", "gnumeric-2010.xlsx",
}

// TestReadProducersSameAsExcelize: workbooks written by SheetJS, ExcelJS,
// openpyxl, XlsxWriter and Gnumeric (shared and inline strings, str cells,
// ISO date cells, booleans, formulas with cached values, rich text, merged
// cells, pretty-printed XML, an empty sheet) read as excelize reads them,
// and their accounts and orders read through a layout without a rejected
// row.
func TestReadProducersSameAsExcelize(t *testing.T) {
	on, _ := filepath.Glob(filepath.Join("..", "sheet", "testdata", "producers", "*.xlsx"))
	if len(on) != len(producerFiles) {
		t.Errorf("%d workbooks in testdata/producers, %d in producerFiles: list them all", len(on), len(producerFiles))
	}
	for _, name := range producerFiles {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "sheet", "testdata", "producers", name))
			if err != nil {
				t.Fatal(err)
			}
			sameAsExcelize(t, b)
			wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer wb.Close()
			if got := wb.SheetNames(); !reflect.DeepEqual(got, []string{"Encours", "Commandes", "Vide"}) {
				t.Errorf("SheetNames = %q", got)
			}
			acc := readProducerAccounts(t, wb)
			if len(acc.Rows) != 6 || len(acc.Rejected) != 0 || acc.HeaderRow != 3 {
				t.Fatalf("accounts: %d read, rejected %v, header row %d; want 6, none, 3", len(acc.Rows), acc.Rejected, acc.HeaderRow)
			}
			want := map[string]reconcile.Cents{"C001": 1234050, "C002": 125, "C003": -25075, "C004": 30, "C005": 0, "C006": 4200}
			for _, a := range acc.Rows {
				if a.Outstanding != want[a.ResellerID] {
					t.Errorf("%s: outstanding %d, want %d", a.ResellerID, a.Outstanding, want[a.ResellerID])
				}
			}
			if acc.Rows[1].InsuredLimit != 500000 || acc.Rows[1].Name != "Bêta & Fils" || acc.Rows[5].Status != reconcile.Terminated {
				t.Errorf("C002, C006: %+v, %+v", acc.Rows[1], acc.Rows[5])
			}
			ord := readProducerOrders(t, wb)
			// sheetjs-celldates' dates are t="d" cells, ISO 8601 text with
			// milliseconds and a Z, raw as excelize gives them: read too.
			if len(ord.Rows) != 2 || len(ord.Rejected) != 0 || ord.Rows[0].Date.String() != "2009-06-02" || ord.Rows[1].Amount != 123456 {
				t.Errorf("orders: %+v", ord)
			}
		})
	}
}

// producerLayout reads the producers' accounts and orders sheets.
var producerLayout = layout.Layout{Decimal: "comma", DateOrder: "dmy",
	Accounts: layout.Sheet{Name: "Encours", Columns: map[string][]string{
		"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
		"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
	}},
	Orders: &layout.Sheet{Name: "Commandes", Columns: map[string][]string{
		"order_id": {"N° commande"}, "reseller_id": {"Code client"}, "order_date": {"Date"},
		"product": {"Produit"}, "category": {"Catégorie"}, "amount": {"Montant"},
	}},
}

func readProducerAccounts(t *testing.T, wb *sheet.Workbook) layout.Accounts {
	t.Helper()
	rows, err := wb.Rows("Encours")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	acc, err := producerLayout.ReadAccounts(rows, "Encours", layout.ReadOptions{File: "producer.xlsx", Date1904: wb.Date1904()})
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func readProducerOrders(t *testing.T, wb *sheet.Workbook) layout.Orders {
	t.Helper()
	rows, err := wb.Rows("Commandes")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ord, err := producerLayout.ReadOrders(rows, "Commandes", layout.ReadOptions{File: "producer.xlsx", Date1904: wb.Date1904()})
	if err != nil {
		t.Fatal(err)
	}
	return ord
}
