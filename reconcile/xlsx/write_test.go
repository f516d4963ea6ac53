package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

var asOf = reconcile.MustDate("2009-05-04")

const evilName = `=HYPERLINK("http://evil.example","clic")`

func sampleLines() []reconcile.ReportLine {
	d := reconcile.MustDate
	mk := func(id string, status reconcile.LineStatus, expiring bool, cents reconcile.Cents, reason string) reconcile.ReportLine {
		return reconcile.ReportLine{Wholesaler: "actebis", Program: "mezzanine", ResellerID: id, AmountCents: cents,
			ValidFrom: d("2009-03-02"), ValidUntil: d("2009-06-30"), Status: status, Expiring: expiring, Reason: reason}
	}
	return []reconcile.ReportLine{
		mk("C001", reconcile.Granted, false, 340000, "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"),
		mk("C002", reconcile.Increased, false, 500000, "raised from 2 000,00 € to 5 000,00 €"),
		mk("C003", reconcile.Extended, false, 100000, "extended by order 42"),
		mk("C004", reconcile.Unchanged, false, 120000, "unchanged"),
		mk("C005", reconcile.Unchanged, true, 80000, "ends on 30/06/2009"),
		mk("C006", reconcile.Ended, false, 70000, "ended on 30/04/2009"),
		mk("C007", reconcile.Withdrawn, false, 60000, "reseller terminated"),
	}
}

func sampleBook(language string) WholesalerBook {
	return WholesalerBook{
		Wholesaler: Wholesaler{ID: "actebis", Name: "Actebis", Language: language},
		AsOf:       asOf,
		Programs:   []Program{{ID: "mezzanine", Name: "Programme Mezzanine"}},
		Lines:      sampleLines(),
		Discrepancies: []reconcile.Discrepancy{
			{Wholesaler: "actebis", Kind: reconcile.UnderApplied, ResellerID: "C001", ExpectedCents: 340000, ActualCents: 100000},
			{Wholesaler: "actebis", Kind: reconcile.FinancingLate, ResellerID: "C002", Program: "mezzanine", OrderID: "O-9", Hours: 73},
		},
		Rejected: []reconcile.RejectedRow{
			{Wholesaler: "actebis", File: "export.xlsx", Sheet: "Encours", Row: 6, Column: "Encours", Reason: `Encours "abc" is not an amount`},
			{Wholesaler: "actebis", File: "export.xlsx", Sheet: "Commandes", Row: 4, Column: "Date", Reason: "order dated after as-of"},
		},
		Accounts: []AccountsSheet{{
			File: "export.xlsx", Sheet: "Encours", HeaderRow: 3, AmountCols: []int{3, 4},
			Header: []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
			Rows: []SourceRow{
				{Num: 4, Cells: []string{"C001", evilName, "actif", "9 000,00", "12 340,00"}, ResellerID: "C001", ResellerName: evilName},
				{Num: 5, Cells: []string{"C007", "+Omega", "résilié", "1000", "0"}, ResellerID: "C007", ResellerName: "+Omega"},
				{Num: 6, Cells: []string{"C099", "@Delta", "actif", "1000", "abc"}, ResellerID: "C099", ResellerName: "@Delta"},
				{Num: 8, Cells: []string{"C100", "-Minus", "actif"}, ResellerID: "C100", ResellerName: "-Minus"},
			},
		}},
		Files: []reconcile.FileResult{
			{Wholesaler: "actebis", Name: "export.xlsx", SHA256: "ab12", Status: reconcile.Processed},
			{Wholesaler: "actebis", Name: "old.xls", Status: reconcile.Quarantined, Error: "legacy .xls: save it as .xlsx"},
		},
	}
}

func writeBook(t testing.TB, b WholesalerBook) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWholesaler(&buf, b); err != nil {
		t.Fatal(err)
	}
	return open(t, buf.Bytes())
}

func open(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func get(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

func style(t *testing.T, f *excelize.File, sheet, ref string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func numFmt(s *excelize.Style) string {
	if s.CustomNumFmt != nil {
		return *s.CustomNumFmt
	}
	return "builtin:" + strconv.Itoa(s.NumFmt)
}

func fill(s *excelize.Style) string {
	if len(s.Fill.Color) == 0 {
		return ""
	}
	return strings.TrimPrefix(strings.ToUpper(s.Fill.Color[0]), "#")
}

func TestWriteWholesalerSheetNames(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"fr", []string{"Lignes", "Comptes", "Écarts", "Écarts résolus", "Lignes rejetées", "Fichiers"}},
		{"en", []string{"Lines", "Accounts", "Discrepancies", "Resolved", "Rejected rows", "Files"}},
		{"", []string{"Lignes", "Comptes", "Écarts", "Écarts résolus", "Lignes rejetées", "Fichiers"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f := writeBook(t, sampleBook(tc.lang))
			if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("sheets = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriteWholesalerLines(t *testing.T) {
	for _, tc := range []struct {
		lang, amountFmt, dateFmt string
		statuses                 []string
		header                   string
	}{
		{"fr", `#,##0.00\ "€"`, "dd/mm/yyyy",
			[]string{"accordée", "relevée", "prolongée", "active", "à échéance", "expirée", "révoquée"}, "Code revendeur"},
		{"en", `"€"#,##0.00`, "d mmm yyyy",
			[]string{"granted", "increased", "extended", "active", "expiring", "expired", "revoked"}, "Reseller ID"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f := writeBook(t, sampleBook(tc.lang))
			s := language(tc.lang).lines
			if got := get(t, f, s, "A1"); got != tc.header {
				t.Errorf("A1 = %q, want %q", got, tc.header)
			}
			if got := get(t, f, s, "A2"); got != "C001" {
				t.Errorf("A2 = %q", got)
			}
			if got := get(t, f, s, "B2"); got != evilName {
				t.Errorf("reseller name B2 = %q, want it from the accounts sheet", got)
			}
			if got := get(t, f, s, "C2"); got != "Programme Mezzanine" {
				t.Errorf("program C2 = %q", got)
			}
			if got := get(t, f, s, "D2"); got != "3400" {
				t.Errorf("amount D2 = %q, want the number 3400", got)
			}
			if got := numFmt(style(t, f, s, "D2")); got != tc.amountFmt {
				t.Errorf("amount format = %q, want %q", got, tc.amountFmt)
			}
			// 2009-03-02 and 2009-06-30 as Excel serials.
			if got := get(t, f, s, "E2"); got != "39874" {
				t.Errorf("valid from E2 = %q, want serial 39874", got)
			}
			if got := get(t, f, s, "F2"); got != "39994" {
				t.Errorf("valid until F2 = %q, want serial 39994", got)
			}
			if got := numFmt(style(t, f, s, "F2")); got != tc.dateFmt {
				t.Errorf("date format = %q, want %q", got, tc.dateFmt)
			}
			for i, want := range tc.statuses {
				if got := get(t, f, s, fmt.Sprintf("G%d", i+2)); got != want {
					t.Errorf("status G%d = %q, want %q", i+2, got, want)
				}
			}
			wantFill := map[int]string{2: "A9D08E", 5: "FFFFFF", 6: "FFD966", 7: "D9D9D9", 8: "F4A6A6"}
			for row, want := range wantFill {
				for _, col := range []string{"A", "D", "G"} {
					ref := fmt.Sprintf("%s%d", col, row)
					if got := fill(style(t, f, s, ref)); got != want {
						t.Errorf("fill of %s = %q, want %q", ref, got, want)
					}
				}
			}
			panes, err := f.GetPanes(s)
			if err != nil || !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("panes = %+v, %v; want the header frozen", panes, err)
			}
			comments, err := f.GetComments(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(comments) != len(sampleLines()) {
				t.Fatalf("%d notes, want one per line", len(comments))
			}
			var found bool
			for _, c := range comments {
				if c.Cell == "G2" && strings.Contains(c.Text, "3 340,00 €") && strings.Contains(c.Text, tc.statuses[0]) {
					found = true
				}
			}
			if !found {
				t.Errorf("no note on G2 explaining the grant: %+v", comments)
			}
		})
	}
}

func TestWriteWholesalerAutoFilter(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWholesaler(&buf, sampleBook("fr")); err != nil {
		t.Fatal(err)
	}
	sheet1 := zipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	if !strings.Contains(sheet1, `<dimension ref="A1:H8"`) {
		t.Errorf("lines sheet dimension is not A1:H8")
	}
	if !strings.Contains(sheet1, `<autoFilter ref="$A$1:$H$8"`) {
		t.Errorf("lines sheet has no autofilter over A1:H8")
	}
	if !strings.Contains(sheet1, `<legacyDrawing`) {
		t.Errorf("lines sheet does not reference its notes")
	}
	if !strings.Contains(sheet1, `<cols><col min="1" max="1" width="16" customWidth="1"/><col min="2" max="2" width="32"`) ||
		!strings.Contains(sheet1, `<col min="8" max="8" width="90" customWidth="1"/></cols>`) {
		t.Errorf("lines sheet column widths missing or out of order")
	}
	// Printed or exported to PDF, every sheet is landscape and one page
	// wide (checked in LibreOffice: a line no longer spreads over pages).
	for _, part := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
		x := zipPart(t, buf.Bytes(), part)
		if !strings.Contains(x, `<pageSetUpPr fitToPage="true">`) ||
			!strings.Contains(x, `<pageSetup fitToHeight="0" fitToWidth="1" orientation="landscape"`) {
			t.Errorf("%s is not set to print landscape, one page wide", part)
		}
	}
}

func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no part %s in the archive", name)
	return ""
}

func zipNames(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestWriteWholesalerAccounts(t *testing.T) {
	f := writeBook(t, sampleBook("fr"))
	s := "Comptes"
	if got := get(t, f, s, "A1"); !strings.Contains(got, "export.xlsx") {
		t.Errorf("A1 = %q, want the source file above the header", got)
	}
	// Header and rows keep their Excel row numbers.
	for ref, want := range map[string]string{
		"A3": "Code client", "E3": "Encours", "F3": "Programme", "G3": "Décision", "H3": "Montant de la ligne",
		"I3": "Valable jusqu'au", "J3": "Motif",
		"A4": "C001", "D4": "9 000,00", "F4": "Programme Mezzanine", "G4": "accordée", "H4": "3400", "I4": "39994",
		"G5": "révoquée", "J5": "reseller terminated",
		"A6": "C099", "G6": "rejetée", "J6": `Encours "abc" is not an amount`,
		"A8": "C100", "F8": "", "G8": "",
	} {
		if got := get(t, f, s, ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	if got := fill(style(t, f, s, "B6")); got != rejectedFill {
		t.Errorf("rejected row fill = %q, want %q", got, rejectedFill)
	}
	if got := fill(style(t, f, s, "A5")); got != "F4A6A6" {
		t.Errorf("revoked account fill = %q", got)
	}
	if got := fill(style(t, f, s, "A8")); got != "" {
		t.Errorf("account without line fill = %q, want none", got)
	}
	if got := numFmt(style(t, f, s, "H4")); got != `#,##0.00\ "€"` {
		t.Errorf("line amount format = %q", got)
	}
	// The wholesaler's own amounts: numbers in the euro format, text
	// ("9 000,00") left as typed.
	if got := numFmt(style(t, f, s, "D5")); got != `#,##0.00\ "€"` {
		t.Errorf("source amount D5 (the number 1000) format = %q, want the euro format", got)
	}
	if got := numFmt(style(t, f, s, "C5")); strings.Contains(got, "€") {
		t.Errorf("source text C5 format = %q, want no euro format", got)
	}
	// Widths follow the content: the long (hostile) name is wider than
	// the status column, within bounds.
	wb, _ := f.GetColWidth(s, "B")
	wc, _ := f.GetColWidth(s, "C")
	if wb <= wc || wb > 48 || wc < 10 {
		t.Errorf("widths B %.1f, C %.1f: want B (names) wider than C (status), both within 10..48", wb, wc)
	}
	panes, err := f.GetPanes(s)
	if err != nil || !panes.Freeze || panes.YSplit != 3 {
		t.Errorf("panes = %+v, %v; want rows 1-3 frozen", panes, err)
	}
}

func TestWriteWholesalerUntrustedTextStaysText(t *testing.T) {
	b := sampleBook("fr")
	b.Lines[0].Reason = "=1+2"
	b.Rejected[0].Reason = "@SUM(A1)"
	f := writeBook(t, b)
	for _, c := range []struct{ sheet, ref, want string }{
		{"Lignes", "B2", evilName},
		{"Lignes", "H2", "=1+2"},
		{"Comptes", "B4", evilName},
		{"Comptes", "B5", "+Omega"},
		{"Comptes", "B6", "@Delta"},
		{"Comptes", "B8", "-Minus"},
		{"Lignes rejetées", "E2", "@SUM(A1)"},
	} {
		if got := get(t, f, c.sheet, c.ref); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.ref, got, c.want)
		}
		if fm, err := f.GetCellFormula(c.sheet, c.ref); err != nil || fm != "" {
			t.Errorf("%s!%s has formula %q (%v), want none", c.sheet, c.ref, fm, err)
		}
		if typ, err := f.GetCellType(c.sheet, c.ref); err != nil || typ == excelize.CellTypeFormula {
			t.Errorf("%s!%s type %v, want text", c.sheet, c.ref, typ)
		}
	}
}

func TestWriteWholesalerOtherSheets(t *testing.T) {
	f := writeBook(t, sampleBook("fr"))
	for ref, want := range map[string]string{
		"A2": "ligne appliquée inférieure à la ligne accordée", "B2": "C001", "C2": evilName,
		"F2": "3400", "G2": "1000", "H2": "-2400",
		"A3": "financement payé hors délai", "D3": "Programme Mezzanine", "E3": "O-9", "I3": "73",
	} {
		if got := get(t, f, "Écarts", ref); got != want {
			t.Errorf("Écarts!%s = %q, want %q", ref, got, want)
		}
	}
	for ref, want := range map[string]string{
		"A1": "Fichier", "A2": "export.xlsx", "B2": "Encours", "C2": "6", "D2": "Encours", "B3": "Commandes",
	} {
		if got := get(t, f, "Lignes rejetées", ref); got != want {
			t.Errorf("Lignes rejetées!%s = %q, want %q", ref, got, want)
		}
	}
	if got := get(t, f, "Fichiers", "C3"); got != "mis en quarantaine" {
		t.Errorf("Fichiers!C3 = %q", got)
	}
}

func TestWriteWholesalerEmptySheetsSayNone(t *testing.T) {
	for _, tc := range []struct{ lang, word string }{{"fr", "aucun"}, {"en", "none"}} {
		t.Run(tc.lang, func(t *testing.T) {
			b := WholesalerBook{Wholesaler: Wholesaler{ID: "etc", Name: "ETC", Language: tc.lang}, AsOf: asOf}
			f := writeBook(t, b)
			for _, s := range f.GetSheetList() {
				got := get(t, f, s, "A1")
				if !strings.Contains(strings.ToLower(got), tc.word) {
					t.Errorf("empty sheet %s says %q, want %q", s, got, tc.word)
				}
			}
		})
	}
}

func TestWriteWholesalerLargeSheetNotesOnlyOnNews(t *testing.T) {
	if testing.Short() {
		t.Skip("large workbook")
	}
	b := sampleBook("fr")
	b.Lines = manyLines(largeSheet + 1)
	f := writeBook(t, b)
	comments, err := f.GetComments("Lignes")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, ln := range b.Lines {
		if displayStatus(ln) != reconcile.Unchanged {
			want++
		}
	}
	if len(comments) != want {
		t.Errorf("%d notes on %d lines, want %d (not on active lines)", len(comments), len(b.Lines), want)
	}
	for _, c := range comments {
		if got := get(t, f, "Lignes", c.Cell); got == "active" {
			t.Errorf("note on active line %s", c.Cell)
		}
	}
	if got := get(t, f, "Lignes", fmt.Sprintf("A%d", len(b.Lines)+1)); got == "" {
		t.Errorf("last line missing")
	}
}

func TestWriteNoteRowsCap(t *testing.T) {
	lines := manyLines(3 * maxNotes * 2)
	rows := noteRows(lines)
	if len(rows) != maxNotes {
		t.Fatalf("%d notes, want the cap %d", len(rows), maxNotes)
	}
	if !slices.IsSorted(rows) {
		t.Errorf("note rows not in ascending order")
	}
	// The most urgent lines get the notes: no line left without a note
	// ranks before one that has one.
	noted := map[int]bool{}
	worst := -1
	for _, i := range rows {
		noted[i] = true
		p, ok := notePriority[displayStatus(lines[i])]
		if !ok {
			t.Fatalf("note on an active line %d", i)
		}
		worst = max(worst, p)
	}
	for i, ln := range lines {
		if p, ok := notePriority[displayStatus(ln)]; ok && !noted[i] && p < worst {
			t.Errorf("line %d (%s, priority %d) has no note though a line of priority %d has one", i, displayStatus(ln), p, worst)
			break
		}
	}
	if got := len(noteRows(lines[:largeSheet])); got != largeSheet {
		t.Errorf("%d notes on %d lines, want one per line", got, largeSheet)
	}
}

func manyLines(n int) []reconcile.ReportLine {
	statuses := []reconcile.LineStatus{reconcile.Unchanged, reconcile.Unchanged, reconcile.Unchanged, reconcile.Unchanged,
		reconcile.Unchanged, reconcile.Unchanged, reconcile.Unchanged, reconcile.Granted, reconcile.Withdrawn, reconcile.Increased}
	out := make([]reconcile.ReportLine, n)
	for i := range out {
		out[i] = reconcile.ReportLine{
			Wholesaler: "actebis", Program: "mezzanine", ResellerID: fmt.Sprintf("R%07d", i),
			AmountCents: reconcile.Cents(100000 + i), ValidFrom: asOf, ValidUntil: asOf.AddDays(57),
			Status: statuses[i%len(statuses)], Expiring: i%13 == 0,
			Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €",
		}
	}
	return out
}

func TestWriteIsDeterministic(t *testing.T) {
	write := func() ([]byte, []byte) {
		var a, c bytes.Buffer
		if err := WriteWholesaler(&a, sampleBook("fr")); err != nil {
			t.Fatal(err)
		}
		if err := WriteConsolidated(&c, sampleConsolidated()); err != nil {
			t.Fatal(err)
		}
		return a.Bytes(), c.Bytes()
	}
	a1, c1 := write()
	for range 5 {
		a2, c2 := write()
		if !bytes.Equal(a1, a2) {
			t.Fatalf("wholesaler workbook differs between two writes of the same input")
		}
		if !bytes.Equal(c1, c2) {
			t.Fatalf("consolidated workbook differs between two writes of the same input")
		}
	}
	f := open(t, a1)
	props, err := f.GetDocProps()
	if err != nil || props.Created != "2009-05-04T00:00:00Z" || props.Modified != props.Created {
		t.Errorf("doc props = %+v, %v; want created and modified at as-of", props, err)
	}
}

func sampleConsolidated() ConsolidatedBook {
	lines := sampleLines()
	lines = append(lines,
		reconcile.ReportLine{Wholesaler: "etc", Program: "oem-office", ResellerID: "E1", AmountCents: 500000,
			ValidFrom: reconcile.MustDate("2009-04-10"), ValidUntil: reconcile.MustDate("2009-10-09"), Status: reconcile.Granted, Reason: "order 7"},
		reconcile.ReportLine{Wholesaler: "etc", Program: "oem-office", ResellerID: evilName, AmountCents: 500000,
			ValidFrom: reconcile.MustDate("2009-01-10"), ValidUntil: reconcile.MustDate("2009-07-09"), Status: reconcile.Unchanged, Reason: "order 3"},
	)
	b := sampleBook("fr")
	return ConsolidatedBook{
		AsOf: asOf,
		Wholesalers: []Wholesaler{{ID: "actebis", Name: "Actebis", Language: "fr"}, {ID: "etc", Name: "ETC", Language: "fr"},
			{ID: "techdata", Name: "Tech Data", Language: "en"}},
		Programs: []Program{{ID: "mezzanine", Name: "Programme Mezzanine"}, {ID: "oem-office", Name: "Ligne OEM Office"}},
		Report: reconcile.Report{
			AsOf: asOf, Lines: lines, Discrepancies: b.Discrepancies, RejectedRows: b.Rejected,
			Files: append(b.Files, reconcile.FileResult{Wholesaler: "techdata", Name: "td.xlsx", Status: reconcile.Deferred}),
		},
	}
}

func TestWriteConsolidated(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteConsolidated(&buf, sampleConsolidated()); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	want := []string{"Synthèse", "Toutes les lignes", "Écarts", "Écarts résolus", "Fichiers"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	s := "Synthèse"
	// Actebis × Mezzanine: 7 lines, 1 new (3 400 €), in force: all but expired
	// and revoked = 3400+5000+1000+1200+800 = 11 400 €; 1 expiring (800 €);
	// 1 revoked, 1 expired, 5 beneficiaries.
	rows := map[string][]string{
		"4": {"Actebis", "Programme Mezzanine", "7", "1", "3400", "11400", "1", "800", "1", "1", "5"},
		"5": {"ETC", "Ligne OEM Office", "2", "1", "5000", "10000", "0", "0", "0", "0", "2"},
		"6": {"Tech Data", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0"},
		"7": {"Total", "", "9", "2", "8400", "21400", "1", "800", "1", "1", "7"},
	}
	for r, vals := range rows {
		for i, want := range vals {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if got := get(t, f, s, col+r); got != want {
				t.Errorf("%s!%s%s = %q, want %q", s, col, r, got, want)
			}
		}
	}
	if got := numFmt(style(t, f, s, "F4")); got != `#,##0.00\ "€"` {
		t.Errorf("exposure format = %q", got)
	}
	// The chart's table: wholesalers down, programs across.
	for ref, want := range map[string]string{"A10": "Grossiste", "B10": "Programme Mezzanine", "C10": "Ligne OEM Office",
		"A11": "Actebis", "B11": "11400", "C11": "0", "A12": "ETC", "C12": "10000", "A13": "Tech Data"} {
		if got := get(t, f, s, ref); got != want {
			t.Errorf("%s!%s = %q, want %q", s, ref, got, want)
		}
	}
	names := strings.Join(zipNames(t, buf.Bytes()), " ")
	for _, part := range []string{"xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} {
		if !strings.Contains(names, part) {
			t.Errorf("no %s in the workbook: %s", part, names)
		}
	}
	chart := zipPart(t, buf.Bytes(), "xl/charts/chart1.xml")
	if !strings.Contains(chart, `barDir val="bar"`) || !strings.Contains(chart, `grouping val="clustered"`) {
		t.Errorf("chart is not a clustered bar chart")
	}

	al := "Toutes les lignes"
	for ref, want := range map[string]string{"A1": "Grossiste", "A2": "Actebis", "D2": "3400", "E2": "39874", "G6": "à échéance",
		"A9": "ETC", "B10": evilName} {
		if got := get(t, f, al, ref); got != want {
			t.Errorf("%s!%s = %q, want %q", al, ref, got, want)
		}
	}
	if fm, _ := f.GetCellFormula(al, "B10"); fm != "" {
		t.Errorf("reseller id became formula %q", fm)
	}
	if got := fill(style(t, f, al, "A8")); got != "F4A6A6" {
		t.Errorf("revoked line fill = %q", got)
	}
	if got := numFmt(style(t, f, al, "F2")); got != "dd/mm/yyyy" {
		t.Errorf("date format = %q", got)
	}
	if got := get(t, f, "Écarts", "A2"); got != "Actebis" {
		t.Errorf("Écarts!A2 = %q, want the wholesaler's name", got)
	}
	for ref, want := range map[string]string{"A2": "Actebis", "C3": "mis en quarantaine", "E3": "legacy .xls: save it as .xlsx",
		"A4": "Tech Data", "C4": "reporté à la prochaine exécution"} {
		if got := get(t, f, "Fichiers", ref); got != want {
			t.Errorf("Fichiers!%s = %q, want %q", ref, got, want)
		}
	}
}

func TestWriteConsolidatedEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteConsolidated(&buf, ConsolidatedBook{AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	for _, s := range []string{"Toutes les lignes", "Écarts", "Fichiers"} {
		if got := get(t, f, s, "A1"); !strings.Contains(strings.ToLower(got), "aucun") {
			t.Errorf("%s!A1 = %q, want it to say aucun", s, got)
		}
	}
}

// TestWriteSample writes the sample workbooks for people to look at:
// ENCOURS_XLSX_SAMPLE=/tmp/encours-sample.xlsx go test -run WriteSample ./reconcile/xlsx/
func TestWriteSample(t *testing.T) {
	path := os.Getenv("ENCOURS_XLSX_SAMPLE")
	if path == "" {
		t.Skip("ENCOURS_XLSX_SAMPLE not set")
	}
	var a, c bytes.Buffer
	if err := WriteWholesaler(&a, sampleBook("fr")); err != nil {
		t.Fatal(err)
	}
	if err := WriteConsolidated(&c, sampleConsolidated()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(strings.TrimSuffix(path, ".xlsx")+"-consolidated.xlsx", c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkWriteWholesaler(b *testing.B) {
	book := sampleBook("fr")
	book.Lines = manyLines(100000)
	rows := make([]SourceRow, len(book.Lines))
	for i, ln := range book.Lines {
		rows[i] = SourceRow{Num: i + 4, Cells: []string{ln.ResellerID, "Revendeur " + ln.ResellerID, "actif", "9 000,00", "12 340,00"},
			ResellerID: ln.ResellerID, ResellerName: "Revendeur " + ln.ResellerID}
	}
	book.Accounts[0].Rows = rows
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteWholesaler(&buf, book); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}

// TestWriteSpillsToTmpDir writes a workbook whose compressed parts go past
// the spool's memory: the bytes are those of an in-memory write, and the
// private temp folder is gone afterwards.
func TestWriteSpillsToTmpDir(t *testing.T) {
	var inMem bytes.Buffer
	b := sampleBook("fr")
	if err := WriteWholesaler(&inMem, b); err != nil {
		t.Fatal(err)
	}
	old := spoolMem
	spoolMem = 64
	defer func() { spoolMem = old }()
	b.TmpDir = t.TempDir()
	var spilled bytes.Buffer
	if err := WriteWholesaler(&spilled, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(inMem.Bytes(), spilled.Bytes()) {
		t.Errorf("a workbook spooled through a temp file differs from one written in memory")
	}
	left, err := os.ReadDir(b.TmpDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temp files left in TmpDir: %v", left)
	}
	open(t, spilled.Bytes())
}

// TestDeflaterChunksMakeOneStream: a part compressed in several chunks on
// several goroutines inflates back to the same bytes, and compresses to
// the same bytes every time.
func TestDeflaterChunksMakeOneStream(t *testing.T) {
	var raw bytes.Buffer
	for i := 0; raw.Len() < 3*deflateChunk+12345; i++ {
		fmt.Fprintf(&raw, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>R%07d</t></is></c></row>`, i, i, i*7919%1000003)
	}
	compress := func() []byte {
		var out bytes.Buffer
		d := &deflater{out: &out}
		for p := raw.Bytes(); len(p) > 0; {
			k := min(len(p), 70000)
			if _, err := d.Write(p[:k]); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	c := compress()
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(c)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw.Bytes()) {
		t.Fatalf("inflated %d bytes, want the %d written", len(got), raw.Len())
	}
	if !bytes.Equal(c, compress()) {
		t.Errorf("two compressions of the same part differ")
	}
}

// TestSourceValue: the wholesaler's own cells come back as numbers when
// they read as plain numbers, and as text otherwise — never a formula.
func TestSourceValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want any
	}{
		{"9000", 9000.0}, {"1000.5", 1000.5}, {"-12", -12.0}, {"0", 0.0}, {"39994.333333333336", 39994.333333333336},
		{"00123", "00123"}, {"1000.50", "1000.50"}, {"1.2E+3", "1.2E+3"}, {"12 340,00 €", "12 340,00 €"},
		{"=SUM(A1)", "=SUM(A1)"}, {"", ""}, {"1234567890123456", "1234567890123456"},
	} {
		if got := sourceValue(c.in); got != c.want {
			t.Errorf("sourceValue(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

// FuzzPlainNumber checks plainNumber against the pattern it stands for.
func FuzzPlainNumber(f *testing.F) {
	re := regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,14})?$`)
	for _, s := range []string{"0", "-0", "9000", "1000.5", "00123", "1.", ".5", "-", "", "123456789012345", "1234567890123456",
		"1.12345678901234", "1.123456789012345", "1e5", "12 340", "-1.0", "0.0", "01", "1\n", "\u0661"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := plainNumber(s), re.MatchString(s); got != want {
			t.Fatalf("plainNumber(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
