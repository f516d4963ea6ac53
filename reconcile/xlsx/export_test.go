package xlsx

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func sampleExport(stream bool) Export {
	rows := [][]any{
		{"C001", "=HYPERLINK(\"http://x\",\"clic\")", Money(1234050), Day(time.Date(2009, 6, 30, 0, 0, 0, 0, time.UTC)), Stamp(time.Date(2009, 4, 14, 8, 0, 0, 0, time.UTC)), 42, 1.5, true, nil, "fin"},
		nil,
		{"C002", "Beta SA", Money(-50)},
	}
	return Export{Creator: "test", Title: "t", Created: time.Date(2009, 4, 1, 6, 0, 0, 0, time.UTC), Sheets: []ExportSheet{{
		Name: "Encours", Title: [][]any{{Bold("Export des encours")}, nil}, Header: []string{"Code client", "Raison sociale", "Encours", "Date", "Accord", "N", "X", "B", "Vide", "Fin"},
		Rows: slices.Values(rows), Widths: []float64{12, 30}, Stream: stream,
	}, {Name: "Vide", Header: []string{"Rien"}, Stream: stream}}}
}

// WriteExport writes each kind of cell as what it says, in both modes:
// text as text (never a formula), amounts and dates as numbers with
// formats, and the same cells whether the sheet is streamed or not.
func TestWriteExport(t *testing.T) {
	var cells [2][][]string
	for i, stream := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteExport(&buf, sampleExport(stream)); err != nil {
			t.Fatal(err)
		}
		rows, err := ourRows(buf.Bytes(), "Encours")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			cells[i] = append(cells[i], r.cells)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for ref, want := range map[string]string{
			"A1": "Export des encours", "A3": "Code client", "B4": `=HYPERLINK("http://x","clic")`,
			"C4": "12 340,50 €", "D4": "06-30-09", "E4": "14/04/2009 08:00", "F4": "42", "C6": "-0,50 €",
		} {
			got, err := f.GetCellValue("Encours", ref)
			if ref == "C4" || ref == "C6" {
				got, err = f.GetCellValue("Encours", ref, excelize.Options{RawCellValue: true})
				want = map[string]string{"C4": "12340.5", "C6": "-0.5"}[ref]
			}
			if err != nil || got != want {
				t.Errorf("stream=%v: %s = %q, %v; want %q", stream, ref, got, err, want)
			}
		}
		if fm, _ := f.GetCellFormula("Encours", "B4"); fm != "" {
			t.Errorf("stream=%v: B4 holds the formula %q, want text", stream, fm)
		}
		for ref, fmtCode := range map[string]string{"C4": `#,##0.00\ "€"`, "E4": "dd/mm/yyyy hh:mm"} {
			id, _ := f.GetCellStyle("Encours", ref)
			st, _ := f.GetStyle(id)
			if st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != fmtCode {
				t.Errorf("stream=%v: %s style %+v, want format %s", stream, ref, st, fmtCode)
			}
		}
		if id, _ := f.GetCellStyle("Encours", "D4"); id == 0 {
			t.Errorf("stream=%v: D4 has no date format", stream)
		}
		if id, _ := f.GetCellStyle("Encours", "A3"); id == 0 {
			t.Errorf("stream=%v: the header has no style", stream)
		}
		if w, _ := f.GetColWidth("Encours", "B"); w != 30 {
			t.Errorf("stream=%v: column B is %v wide, want 30", stream, w)
		}
		f.Close()
	}
	if !reflect.DeepEqual(cells[0], cells[1]) {
		t.Errorf("streamed cells differ:\n%q\n%q", cells[0], cells[1])
	}
}

// With Created set, the same Export gives the same bytes; Date1904 sets
// the workbook's date system.
func TestWriteExportDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	e := sampleExport(false)
	e.Date1904 = true
	if err := WriteExport(&a, e); err != nil {
		t.Fatal(err)
	}
	e.Sheets[0].Rows = sampleExport(false).Sheets[0].Rows
	if err := WriteExport(&b, e); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of one Export differ")
	}
	f, err := excelize.OpenReader(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p, _ := f.GetWorkbookProps(); p.Date1904 == nil || !*p.Date1904 {
		t.Error("Date1904 not set")
	}
}
