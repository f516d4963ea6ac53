package xlsx

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

func sampleSimulation(lang string) SimulationBook {
	cur := sampleLines()
	cand := append([]reconcile.ReportLine(nil), cur...)
	cand[0].AmountCents = 300000 // capped
	cand = append(cand, reconcile.ReportLine{Wholesaler: "techdata", Program: "oem-office", ResellerID: evilName, AmountCents: 500000,
		ValidFrom: asOf, ValidUntil: reconcile.MustDate("2009-11-03"), Status: reconcile.Granted, Reason: "order TD-1"})
	programs := []reconcile.Program{
		{ID: "mezzanine", Kind: reconcile.CreditTopUp, Wholesalers: []string{"actebis"}},
		{ID: "oem-office", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"etc", "techdata"}},
	}
	ws := []string{"actebis", "etc", "techdata"}
	totals, changes := reconcile.Compare(cur, cand, programs, ws)
	return SimulationBook{
		AsOf: asOf, Replay: "last", Lang: lang,
		Wholesalers: []Wholesaler{{ID: "actebis", Name: "Actebis"}, {ID: "etc", Name: "ETC"}, {ID: "techdata", Name: "Tech Data"}},
		Programs:    []Program{{ID: "mezzanine", Name: "Programme Mezzanine"}, {ID: "oem-office", Name: "Ligne OEM Office"}},
		Current:     cur, Candidate: cand, Totals: totals, Changes: changes,
		Names: map[string]map[string]string{"actebis": {"C001": "Informatique Durand SARL"}, "techdata": {evilName: evilName}},
	}
}

func TestWriteSimulation(t *testing.T) {
	for _, c := range []struct {
		lang, summary, changes, gains, total string
		money                                string
	}{
		{"fr", "Synthèse", "Changements", "obtient une ligne", "Total", `#,##0.00\ "€"`},
		{"en", "Summary", "Changes", "gains a line", "Total", `"€"#,##0.00`},
	} {
		var buf bytes.Buffer
		b := sampleSimulation(c.lang)
		if err := WriteSimulation(&buf, b); err != nil {
			t.Fatal(err)
		}
		f := open(t, buf.Bytes())
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{c.summary, c.changes}) {
			t.Fatalf("%s: sheets %v", c.lang, got)
		}
		rows, _ := f.GetRows(c.summary, excelize.Options{RawCellValue: true})
		// Title, note, blank, header, mezzanine×actebis, oem×etc, oem×techdata, total.
		if len(rows) < 8 || rows[4][0] != "Programme Mezzanine" || rows[4][1] != "Actebis" || rows[7][0] != c.total {
			t.Fatalf("%s: summary rows %q", c.lang, rows)
		}
		// Mezzanine at Actebis: the five lines in force on both sides, the
		// first capped from 3 400 € to 3 000 €.
		if got := rows[4][2:8]; !reflect.DeepEqual(got, []string{"5", "5", "0", "11400", "11000", "-400"}) {
			t.Errorf("%s: mezzanine row %q", c.lang, got)
		}
		if got := rows[6][2:5]; !reflect.DeepEqual(got, []string{"0", "1", "1"}) {
			t.Errorf("%s: Tech Data OEM row %q", c.lang, got)
		}
		if got := rows[7][8:11]; !reflect.DeepEqual(got, []string{"5", "6", "1"}) {
			t.Errorf("%s: total beneficiaries %q", c.lang, got)
		}
		if got := numFmt(style(t, f, c.summary, "F5")); got != c.money {
			t.Errorf("%s: amount format %q, want %q", c.lang, got, c.money)
		}
		ch, _ := f.GetRows(c.changes)
		if len(ch) != 3 {
			t.Fatalf("%s: changes rows %q", c.lang, ch)
		}
		if ch[1][2] != "Informatique Durand SARL" || ch[2][4] != c.gains || ch[2][2] != evilName {
			t.Errorf("%s: changes %q", c.lang, ch)
		}
		if fm, _ := f.GetCellFormula(c.changes, "C3"); fm != "" {
			t.Errorf("%s: a reseller name became a formula: %q", c.lang, fm)
		}
		if panes, err := f.GetPanes(c.changes); err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: changes header not frozen: %+v %v", c.lang, panes, err)
		}
	}

	// The same input gives the same bytes.
	var a, b bytes.Buffer
	WriteSimulation(&a, sampleSimulation("fr"))
	WriteSimulation(&b, sampleSimulation("fr"))
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of the same simulation differ")
	}

	// No change: the sheet says so.
	none := sampleSimulation("fr")
	none.Changes = nil
	a.Reset()
	if err := WriteSimulation(&a, none); err != nil {
		t.Fatal(err)
	}
	f := open(t, a.Bytes())
	if v, _ := f.GetCellValue("Changements", "A1"); v != simFrench.noChanges {
		t.Errorf("empty changes sheet says %q", v)
	}
}
