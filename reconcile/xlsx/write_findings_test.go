package xlsx

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
)

func findingsBook(lang string) WholesalerBook {
	d := reconcile.MustDate
	b := sampleBook(lang)
	b.Discrepancies = []reconcile.Discrepancy{
		{Wholesaler: "actebis", Kind: reconcile.UnderApplied, ResellerID: "C001", ExpectedCents: 340000, ActualCents: 100000,
			State: reconcile.FindingOpen, FirstSeen: d("2009-04-06"), Ref: "AAAA000001",
			Response: reconcile.AnswerDisputed, Comment: evilName, AnsweredOn: d("2009-04-27")},
		{Wholesaler: "actebis", Kind: reconcile.FinancingLate, ResellerID: "C002", Program: "mezzanine", OrderID: "O-9", Hours: 73,
			State: reconcile.FindingNew, FirstSeen: asOf, Ref: "BBBB000002"},
	}
	b.Resolved = []reconcile.ResolvedFinding{{Wholesaler: "actebis", Kind: reconcile.MissingAccount, ResellerID: "C007",
		Program: "mezzanine", FirstSeen: d("2009-04-20"), Response: reconcile.AnswerFixed, Comment: "réintégré"}}
	b.Marker = reconcile.Marker{Wholesaler: "actebis", RunID: "2009-05-04-1", AsOf: asOf}
	b.Signature = "5ea1ed"
	return b
}

func bookBytes(t *testing.T, b WholesalerBook) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWholesaler(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteWholesalerFindings(t *testing.T) {
	data := bookBytes(t, findingsBook("fr"))
	f := open(t, data)
	s := "Écarts"
	// New first, then open; the answer columns after the latest answer.
	wantCells(t, f, s, map[string]string{
		"J1": "État", "K1": "Dernière réponse", "L1": "Votre réponse", "M1": "Votre commentaire", "N1": "Réf. écart",
		"B2": "C002", "J2": "nouveau", "N2": "BBBB000002", "L2": "", "K2": "",
		"B3": "C001", "J3": "ouvert depuis le 06/04/2009, 4\u00a0semaines", "N3": "AAAA000001",
		"K3": "contesté le 27/04/2009 — " + evilName,
	})
	if fm, _ := f.GetCellFormula(s, "K3"); fm != "" {
		t.Errorf("the comment became a formula: %q", fm)
	}
	if got := fill(style(t, f, s, "J2")); got != newFill {
		t.Errorf("a new finding's state fill = %q", got)
	}
	for _, ref := range []string{"L2", "M3"} {
		st := style(t, f, s, ref)
		if fill(st) != answerFill || st.Protection == nil || st.Protection.Locked {
			t.Errorf("%s: fill %q protection %+v; want an unlocked yellow cell", ref, fill(st), st.Protection)
		}
	}
	if st := style(t, f, s, "N2"); st.Protection != nil && !st.Protection.Locked {
		t.Error("the reference is editable")
	}
	dvs, err := f.GetDataValidations(s)
	if err != nil || len(dvs) != 1 || dvs[0].Sqref != "L2:L3" || dvs[0].Formula1 != `"corrigé,contesté,en cours"` {
		t.Fatalf("data validations: %+v, %v", dvs, err)
	}
	comments, _ := f.GetComments(s)
	if len(comments) != 1 || comments[0].Cell != "L1" || !strings.Contains(comments[0].Text, "déposez-le dans votre dossier") {
		t.Errorf("header note: %+v", comments)
	}
	sheetXML := zipPart(t, data, "xl/worksheets/sheet3.xml")
	if !strings.Contains(sheetXML, `<sheetProtection`) || strings.Contains(sheetXML, `password`) ||
		// In OOXML a true attribute locks the action: false allows it.
		!strings.Contains(sheetXML, `autoFilter="false"`) || !strings.Contains(sheetXML, `sort="false"`) {
		t.Errorf("protection: want one without a password that allows filters and sorting:\n%s", sheetXML[strings.Index(sheetXML, "<sheetProtection"):][:300])
	}

	// The marker: a very hidden sheet with the signed run and wholesaler.
	if !regexp.MustCompile(`<sheet name="encours-responses" [^>]*state="veryHidden"`).MatchString(zipPart(t, data, "xl/workbook.xml")) {
		t.Errorf("the marker sheet is not very hidden:\n%s", zipPart(t, data, "xl/workbook.xml"))
	}
	wb, err := sheet.Open(bytes.NewReader(data), int64(len(data)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.Rows(layout.MarkerSheet)
	if err != nil {
		t.Fatal(err)
	}
	m, sig, err := layout.ReadMarker(rows)
	if err != nil || m != findingsBook("fr").Marker || sig != "5ea1ed" {
		t.Errorf("marker read back: %+v %q %v", m, sig, err)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d", f.GetActiveSheetIndex())
	}

	wantCells(t, f, "Écarts résolus", map[string]string{
		"A2": "compte absent de l'export", "B2": "C007", "F2": "39923", "G2": "39937", "H2": "2\u00a0semaines",
		"I2": "corrigé — réintégré",
	})

	// In English, the English list and headers.
	data = bookBytes(t, findingsBook("en"))
	f = open(t, data)
	wantCells(t, f, "Discrepancies", map[string]string{"L1": "Your response", "N1": "Finding ref", "J3": "open since 6 Apr 2009, 4\u00a0weeks",
		"K3": "disputed on 27 Apr 2009 — " + evilName})
	if dvs, _ := f.GetDataValidations("Discrepancies"); len(dvs) != 1 || dvs[0].Formula1 != `"fixed,disputed,in_progress"` {
		t.Errorf("English list: %+v", dvs)
	}
}

// Without a signature (no key) the book has no answer columns and no
// marker; a book refuses another wholesaler's findings.
func TestWriteWholesalerFindingsGuards(t *testing.T) {
	b := findingsBook("fr")
	b.Signature = ""
	f := open(t, bookBytes(t, b))
	if idx, _ := f.GetSheetIndex(layout.MarkerSheet); idx >= 0 {
		t.Error("a marker without a signature")
	}
	if got := get(t, f, "Écarts", "L1"); got != "" {
		t.Errorf("answer column without a marker: %q", got)
	}
	for name, mutate := range map[string]func(*WholesalerBook){
		"discrepancy": func(b *WholesalerBook) { b.Discrepancies[0].Wholesaler = "etc" },
		"resolved":    func(b *WholesalerBook) { b.Resolved[0].Wholesaler = "etc" },
		"marker":      func(b *WholesalerBook) { b.Marker.Wholesaler = "etc" },
	} {
		b := findingsBook("fr")
		mutate(&b)
		if err := WriteWholesaler(io.Discard, b); err == nil {
			t.Errorf("a book with another wholesaler's %s was written", name)
		}
	}
}

func TestWriteConsolidatedFindings(t *testing.T) {
	b := findingsBook("fr")
	cb := ConsolidatedBook{AsOf: asOf, Wholesalers: []Wholesaler{{ID: "actebis", Name: "Actebis"}}, Programs: b.Programs,
		Report: reconcile.Report{AsOf: asOf, Discrepancies: b.Discrepancies, Resolved: b.Resolved}}
	var buf bytes.Buffer
	if err := WriteConsolidated(&buf, cb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	wantCells(t, f, "Écarts", map[string]string{"A2": "Actebis", "K2": "nouveau", "K3": "ouvert depuis le 06/04/2009, 4\u00a0semaines",
		"L3": "contesté le 27/04/2009 — " + evilName, "M1": ""})
	if dvs, _ := f.GetDataValidations("Écarts"); len(dvs) != 0 {
		t.Errorf("the managers' book has answer lists: %+v", dvs)
	}
	wantCells(t, f, "Écarts résolus", map[string]string{"A2": "Actebis", "C2": "C007", "J2": "corrigé — réintégré"})
}
