package xlsx

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

func ptr[T any](v T) *T { return &v }

// sampleWaitlist is a program-wide waitlist shared by two wholesalers:
// ranks interleave, so a wholesaler's own entries do not start at 1.
func sampleWaitlist() []reconcile.WaitEntry {
	d := reconcile.MustDate
	return []reconcile.WaitEntry{
		{Wholesaler: "etc", Program: "mezzanine", ResellerID: "ETC-SECRET-1", AmountCents: 990000, ValidUntil: d("2009-06-30"),
			Rank: 1, Since: d("2009-04-20"), Reason: "ETC-ONLY budget exhausted"},
		{Wholesaler: "actebis", Program: "mezzanine", ResellerID: "C101", AmountCents: 250000, ValidUntil: d("2009-06-30"),
			Rank: 2, Since: d("2009-04-27"), Reason: "budget exhausted"},
		{Wholesaler: "actebis", Program: "oem-office", ResellerID: "C103", AmountCents: 500000, ValidUntil: d("2009-10-31"),
			Rank: 1, Since: d("2009-05-04"), Reason: "order 77"},
		{Wholesaler: "actebis", Program: "mezzanine", ResellerID: "C001", AmountCents: 120000, ValidUntil: d("2009-06-30"),
			Rank: 3, Since: d("2009-05-04"), Reason: evilName},
	}
}

func budgetBook() ConsolidatedBook {
	b := sampleConsolidated()
	b.Report.Budgets = []reconcile.BudgetUse{
		// Out of configured order on purpose: the block follows the config.
		{Program: "oem-office", UsedCents: 1000000, MaxBeneficiaries: ptr(2), Beneficiaries: 2, Waitlisted: 1, WaitlistedCents: 500000},
		{Program: "mezzanine", MaxTotalCents: ptr(reconcile.Cents(3000000)), UsedCents: 2850000, Beneficiaries: 11,
			Waitlisted: 3, WaitlistedCents: 1360000},
	}
	b.Report.Waitlist = sampleWaitlist()
	b.Report.Resellers = []reconcile.ResellerExposure{
		{SIREN: "012345674", Name: "Zéro SA", Wholesalers: []string{"actebis"}, Lines: 1, AmountCents: 120000},
		{SIREN: "552100554", Name: "Dupont SARL", Wholesalers: []string{"etc", "actebis"}, Lines: 2, AmountCents: 840000},
		{SIREN: "443061841", Name: evilName, Wholesalers: []string{"etc"}, Lines: 1, AmountCents: 500000},
		{SIREN: "356000000", Name: "Égal SAS", Wholesalers: []string{"actebis"}, Lines: 1, AmountCents: 500000},
	}
	d := reconcile.MustDate
	b.History = []reconcile.ProgramRun{
		{RunID: "2009-04-20-1", AsOf: d("2009-04-20"), Program: "mezzanine", Lines: 8, Exposure: 2400000, Beneficiaries: 8, Granted: 8},
		{RunID: "2009-04-27-1", AsOf: d("2009-04-27"), Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1, Granted: 1},
		{RunID: "2009-04-27-1", AsOf: d("2009-04-27"), Program: "mezzanine", Lines: 10, Exposure: 2900000, Beneficiaries: 10, Granted: 3, Expired: 1},
		{RunID: "2009-05-04-1", AsOf: d("2009-05-04"), Program: "mezzanine", Lines: 11, Exposure: 2850000, Beneficiaries: 11, Granted: 2, Revoked: 1},
		{RunID: "2009-05-04-1", AsOf: d("2009-05-04"), Program: "oem-office", Lines: 2, Exposure: 1000000, Beneficiaries: 2, Granted: 1},
	}
	return b
}

func writeConsolidatedBook(t *testing.T, b ConsolidatedBook) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteConsolidated(&buf, b); err != nil {
		t.Fatal(err)
	}
	return open(t, buf.Bytes()), buf.Bytes()
}

func wantCells(t *testing.T, f *excelize.File, sheet string, want map[string]string) {
	t.Helper()
	for ref, w := range want {
		if got := get(t, f, sheet, ref); got != w {
			t.Errorf("%s!%s = %q, want %q", sheet, ref, got, w)
		}
	}
}

func TestWriteConsolidatedBudgetSheets(t *testing.T) {
	f, _ := writeConsolidatedBook(t, budgetBook())
	want := []string{"Synthèse", "Historique", "Revendeurs", "Toutes les lignes", "Liste d'attente", "Écarts", "Écarts résolus", "Fichiers"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	// Only budgets (no waitlist yet, no SIREN, no history): the waitlist
	// sheet says it is empty, the others are not there.
	b := sampleConsolidated()
	b.Report.Budgets = budgetBook().Report.Budgets
	f, _ = writeConsolidatedBook(t, b)
	want = []string{"Synthèse", "Toutes les lignes", "Liste d'attente", "Écarts", "Écarts résolus", "Fichiers"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	wantCells(t, f, "Liste d'attente", map[string]string{"A1": "Aucun revendeur en liste d'attente."})
}

func TestWriteConsolidatedBudgetsBlock(t *testing.T) {
	f, _ := writeConsolidatedBook(t, budgetBook())
	s := "Synthèse"
	// The summary table is where it was: rows 4-6, total on 7.
	wantCells(t, f, s, map[string]string{"A7": "Total", "F7": "21400"})
	// Budgets block: title on 9, header on 10, programs in the configured
	// order; an absent limit reads "sans limite" and what follows from it "—".
	wantCells(t, f, s, map[string]string{
		"A9":  "Budgets des programmes après l'exécution (tous grossistes confondus)",
		"A10": "Programme", "C10": "Plafond du budget", "E10": "Disponible", "G10": "Plafond de bénéficiaires (comptes)", "H10": "Bénéficiaires (comptes)",
		"A11": "Programme Mezzanine", "C11": "30000", "D11": "28500", "E11": "1500", "F11": "13600",
		"G11": "sans limite", "H11": "11", "I11": "3",
		"A12": "Ligne OEM Office", "C12": "sans limite", "D12": "10000", "E12": "—", "F12": "5000",
		"G12": "2", "H12": "2", "I12": "1",
	})
	// The beneficiaries are counted as max_beneficiaries counts them, and
	// the header's note says so.
	if c, err := f.GetComments(s); err != nil || len(c) != 1 || c[0].Cell != "H10" || !strings.Contains(c[0].Text, "max_beneficiaries") {
		t.Errorf("Synthèse notes = %+v, %v; want one on H10 saying what is counted", c, err)
	}
	for _, ref := range []string{"C11", "D11", "E11", "F11", "D12", "F12"} {
		if got := numFmt(style(t, f, s, ref)); got != `#,##0.00\ "€"` {
			t.Errorf("%s format = %q, want euros", ref, got)
		}
	}
	if got := fill(style(t, f, s, "H12")); got != statusFill[reconcile.Expiring] {
		t.Errorf("beneficiaries at their limit: fill %q, want amber", got)
	}
	if got := fill(style(t, f, s, "E11")); got != "" {
		t.Errorf("room left: fill %q, want none", got)
	}
	if st := style(t, f, s, "C12"); st.Alignment == nil || st.Alignment.Horizontal != "right" {
		t.Errorf("sans limite is not aligned with the figures: %+v", st.Alignment)
	}
	merged, err := f.GetMergeCells(s)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, m := range merged {
		refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	if strings.Join(refs, " ") != "A10:B10 A11:B11 A12:B12" {
		t.Errorf("merged cells %v, want the program names over A:B", refs)
	}
	// The chart's table moves below the block.
	wantCells(t, f, s, map[string]string{"A14": "Encours garanti par grossiste et programme (lignes en vigueur, €)",
		"A15": "Grossiste", "A16": "Actebis", "B16": "11400"})

	// A budget already overspent (introduced below the lines in force)
	// shows what is left as a negative figure, in amber.
	b := budgetBook()
	b.Report.Budgets = []reconcile.BudgetUse{{Program: "mezzanine", MaxTotalCents: ptr(reconcile.Cents(3000000)), UsedCents: 4200000,
		MaxBeneficiaries: ptr(12), Beneficiaries: 14}}
	f, _ = writeConsolidatedBook(t, b)
	wantCells(t, f, s, map[string]string{"E11": "-12000", "G11": "12", "H11": "14", "I11": "0"})
	for _, ref := range []string{"E11", "H11"} {
		if got := fill(style(t, f, s, ref)); got != statusFill[reconcile.Expiring] {
			t.Errorf("%s of an exhausted budget: fill %q, want amber", ref, got)
		}
	}
}

func TestWriteConsolidatedResellers(t *testing.T) {
	f, data := writeConsolidatedBook(t, budgetBook())
	s := "Revendeurs"
	// Largest exposure first; equal ones by SIREN; wholesalers by name in
	// the configured order; the SIREN a text, leading zero kept.
	wantCells(t, f, s, map[string]string{
		"A1": "SIREN", "B1": "Raison sociale", "C1": "Grossistes", "F1": "Encours garanti",
		"A2": "552100554", "B2": "Dupont SARL", "C2": "Actebis, ETC", "D2": "2", "E2": "2", "F2": "8400",
		"A3": "356000000", "A4": "443061841", "B4": evilName, "C4": "ETC",
		"A5": "012345674", "F5": "1200",
	})
	if fm, _ := f.GetCellFormula(s, "B4"); fm != "" {
		t.Errorf("a name became formula %q", fm)
	}
	if typ, _ := f.GetCellType(s, "A5"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("SIREN cell type %v, want text", typ)
	}
	if got := numFmt(style(t, f, s, "F2")); got != `#,##0.00\ "€"` {
		t.Errorf("exposure format = %q", got)
	}
	if panes, err := f.GetPanes(s); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the header frozen", panes, err)
	}
	if sheet := zipPart(t, data, sheetPath(t, f, s)); !strings.Contains(sheet, `<autoFilter ref="$A$1:$F$5"`) {
		t.Errorf("no autofilter over the resellers table")
	}
}

// sheetPath is the zip part of a sheet, from its position in the workbook.
func sheetPath(t *testing.T, f *excelize.File, sheet string) string {
	t.Helper()
	i, err := f.GetSheetIndex(sheet)
	if err != nil || i < 0 {
		t.Fatalf("no sheet %s", sheet)
	}
	return fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
}

func TestWriteConsolidatedHistory(t *testing.T) {
	f, data := writeConsolidatedBook(t, budgetBook())
	s := "Historique"
	rows, err := f.GetRows(s, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	// One row per run × program, runs oldest first, programs in the
	// configured order within a run; the as-of a real date.
	want := [][]string{
		{"Date", "Exécution", "Programme", "Lignes en vigueur", "Encours garanti", "Entreprises bénéficiaires (SIREN)", "Accordées", "Expirées", "Révoquées"},
		{"39923", "2009-04-20-1", "Programme Mezzanine", "8", "24000", "8", "8", "0", "0"},
		{"39930", "2009-04-27-1", "Programme Mezzanine", "10", "29000", "10", "3", "1", "0"},
		{"39930", "2009-04-27-1", "Ligne OEM Office", "1", "5000", "1", "1", "0", "0"},
		{"39937", "2009-05-04-1", "Programme Mezzanine", "11", "28500", "11", "2", "0", "1"},
		{"39937", "2009-05-04-1", "Ligne OEM Office", "2", "10000", "2", "1", "0", "0"},
	}
	for i, w := range want {
		if len(rows) <= i || strings.Join(rows[i][:min(len(rows[i]), 9)], "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q, want %q", i+1, rows[i], w)
		}
	}
	if got := numFmt(style(t, f, s, "A2")); got != "dd/mm/yyyy" {
		t.Errorf("as-of format = %q, want a date", got)
	}
	if got := numFmt(style(t, f, s, "E2")); got != `#,##0.00\ "€"` {
		t.Errorf("exposure format = %q", got)
	}
	if panes, err := f.GetPanes(s); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the header frozen", panes, err)
	}
	// The chart's table, below the chart and outside the filter: one run
	// a row, one program a column; OEM Office, not in the first run, is a
	// gap there.
	wantCells(t, f, s, map[string]string{
		"K28": "Date de l'exécution", "L28": "Programme Mezzanine", "M28": "Ligne OEM Office",
		"K29": "20/04/2009", "L29": "24000", "M29": "",
		"K30": "27/04/2009", "L30": "29000", "M30": "5000",
		"K31": "04/05/2009", "L31": "28500", "M31": "10000",
	})
	// The beneficiaries column says what it counts, unlike the budget's.
	if c, err := f.GetComments(s); err != nil || len(c) != 1 || c[0].Cell != "F1" || !strings.Contains(c[0].Text, "SIREN") {
		t.Errorf("History notes = %+v, %v; want one on F1 saying companies (SIREN) are counted", c, err)
	}
	sheet := zipPart(t, data, sheetPath(t, f, s))
	if !strings.Contains(sheet, `<autoFilter ref="$A$1:$I$6"`) {
		t.Errorf("the filter does not cover exactly the run × program table")
	}
	if !strings.Contains(sheet, "<drawing ") {
		t.Fatalf("the History sheet has no drawing: its chart is lost")
	}
	// The History chart is the workbook's second (the Summary's is first):
	// a line chart, one series per program, drawn from the table above.
	chart := zipPart(t, data, "xl/charts/chart2.xml")
	if !strings.Contains(chart, "<lineChart>") {
		t.Fatalf("chart2 is not a line chart:\n%s", chart)
	}
	if n := strings.Count(chart, "<ser>"); n != 2 {
		t.Errorf("%d series, want one per program (2)", n)
	}
	for _, ref := range []string{"'Historique'!$L$28", "'Historique'!$M$28", "'Historique'!$K$29:$K$31",
		"'Historique'!$L$29:$L$31", "'Historique'!$M$29:$M$31"} {
		if !strings.Contains(chart, "<f>"+strings.ReplaceAll(ref, "'", "&#39;")+"</f>") {
			t.Errorf("chart does not refer to %s", ref)
		}
	}
	drawing := zipPart(t, data, drawingOf(t, data, sheetPath(t, f, s)))
	if !strings.Contains(drawing, `editAs="absolute"`) {
		t.Errorf("chart moves with the cells: a filter would squash it")
	}
}

// drawingOf returns the drawing part a sheet refers to.
func drawingOf(t *testing.T, data []byte, sheet string) string {
	t.Helper()
	rels := zipPart(t, data, strings.Replace(sheet, "worksheets/", "worksheets/_rels/", 1)+".rels")
	m := regexp.MustCompile(`Target="\.\./drawings/(drawing\d+\.xml)"`).FindStringSubmatch(rels)
	if m == nil {
		t.Fatalf("%s refers to no drawing: %s", sheet, rels)
	}
	return "xl/drawings/" + m[1]
}

func TestWriteConsolidatedWaitlist(t *testing.T) {
	f, _ := writeConsolidatedBook(t, budgetBook())
	s := "Liste d'attente"
	// Every wholesaler's entries (program managers see everything), by
	// program in the configured order, then rank.
	wantCells(t, f, s, map[string]string{
		"A1": "Programme", "B1": "Rang", "C1": "Grossiste",
		"A2": "Programme Mezzanine", "B2": "1", "C2": "ETC", "D2": "ETC-SECRET-1", "E2": "9900", "F2": "39994", "G2": "39923",
		"H2": "ETC-ONLY budget exhausted",
		"B3": "2", "C3": "Actebis", "D3": "C101",
		"B4": "3", "D4": "C001", "H4": evilName,
		"A5": "Ligne OEM Office", "B5": "1", "D5": "C103",
	})
	if fm, _ := f.GetCellFormula(s, "H4"); fm != "" {
		t.Errorf("a reason became formula %q", fm)
	}
	if got := numFmt(style(t, f, s, "E2")); got != `#,##0.00\ "€"` {
		t.Errorf("amount format = %q", got)
	}
	if got := numFmt(style(t, f, s, "G2")); got != "dd/mm/yyyy" {
		t.Errorf("since format = %q", got)
	}
}

func TestWriteConsolidatedInvalidSIREN(t *testing.T) {
	b := sampleConsolidated()
	b.Report.Discrepancies = []reconcile.Discrepancy{{Wholesaler: "actebis", Kind: reconcile.InvalidSIREN, ResellerID: "C001"}}
	f, _ := writeConsolidatedBook(t, b)
	wantCells(t, f, "Écarts", map[string]string{"B2": "SIREN invalide : à corriger dans le système du grossiste", "C2": "C001"})
}

// ownWaitlist is the sample's waitlist as the batch gives it to Actebis:
// only its own entries.
func ownWaitlist() []reconcile.WaitEntry {
	var out []reconcile.WaitEntry
	for _, e := range sampleWaitlist() {
		if e.Wholesaler == "actebis" {
			out = append(out, e)
		}
	}
	return out
}

func TestWriteWholesalerWaitlist(t *testing.T) {
	for _, tc := range []struct {
		lang, word, rank, since, note string
		header                        []string
	}{
		{"fr", "en liste d'attente", "Rang d'attente", "En attente depuis", "en liste d'attente — rang 2, depuis le 27/04/2009 — budget exhausted",
			[]string{"Code revendeur", "Raison sociale", "Programme", "Montant", "Valable du", "Valable jusqu'au", "Statut", "Rang d'attente", "En attente depuis", "Motif"}},
		{"en", "waitlisted", "Waitlist rank", "Waitlisted since", "waitlisted — rank 2, since 27 Apr 2009 — budget exhausted",
			[]string{"Reseller ID", "Reseller name", "Program", "Amount", "Valid from", "Valid until", "Status", "Waitlist rank", "Waitlisted since", "Reason"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := sampleBook(tc.lang)
			b.Programs = append(b.Programs, Program{ID: "oem-office", Name: "Ligne OEM Office"})
			b.Waitlist = ownWaitlist()
			var buf bytes.Buffer
			if err := WriteWholesaler(&buf, b); err != nil {
				t.Fatal(err)
			}
			f := open(t, buf.Bytes())
			s := language(tc.lang).lines
			rows, err := f.GetRows(s, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rows[0], "|"); got != strings.Join(tc.header, "|") {
				t.Errorf("header %q, want %q", rows[0], tc.header)
			}
			// The 7 lines first, their waitlist columns empty, the reason last.
			if len(rows[1]) != 10 || rows[1][7] != "" || rows[1][8] != "" || rows[1][9] == "" {
				t.Errorf("line row %q: want empty rank and since, the reason in J", rows[1])
			}
			// Then the waitlisted resellers by program (configured order),
			// then rank: Mezzanine 2, 3; OEM Office 1.
			n := len(sampleLines()) + 1
			want := [][]string{
				{"C101", "", "Programme Mezzanine", "2500", "", "39994", tc.word, "2", "39930", "budget exhausted"},
				{"C001", evilName, "Programme Mezzanine", "1200", "", "39994", tc.word, "3", "39937", evilName},
				{"C103", "", "Ligne OEM Office", "5000", "", "40117", tc.word, "1", "39937", "order 77"},
			}
			for i, w := range want {
				r := rows[n+i]
				if strings.Join(r, "|") != strings.Join(w, "|") {
					t.Errorf("row %d = %q, want %q", n+i+1, r, w)
				}
			}
			if len(rows) != n+len(want) {
				t.Errorf("%d rows, want %d", len(rows), n+len(want))
			}
			for _, col := range []string{"A", "D", "G", "H"} {
				ref := fmt.Sprintf("%s%d", col, n+1)
				if got := fill(style(t, f, s, ref)); got != "CCC0DA" {
					t.Errorf("fill of waitlisted %s = %q, want the waitlist's lavender", ref, got)
				}
			}
			for _, st := range statusOrder {
				if st != waitlisted && statusFill[st] == statusFill[waitlisted] {
					t.Errorf("waitlisted shares its colour with %s", st)
				}
			}
			if got := numFmt(style(t, f, s, fmt.Sprintf("D%d", n+1))); got != language(tc.lang).amountFmt {
				t.Errorf("claimed amount format %q", got)
			}
			if got := numFmt(style(t, f, s, fmt.Sprintf("I%d", n+1))); got != language(tc.lang).dateFmt {
				t.Errorf("since format %q", got)
			}
			comments, err := f.GetComments(s)
			if err != nil {
				t.Fatal(err)
			}
			var noted bool
			for _, c := range comments {
				if c.Cell == fmt.Sprintf("G%d", n+1) && c.Text == tc.note {
					noted = true
				}
			}
			if !noted {
				t.Errorf("no note %q on G%d: %+v", tc.note, n+1, comments)
			}
			// Nothing of the other wholesaler sharing the budget.
			for _, leak := range []string{"ETC-SECRET-1", "ETC-ONLY", "9900"} {
				if bytes.Contains(buf.Bytes(), []byte(leak)) {
					t.Errorf("workbook holds %q", leak)
				}
				for _, r := range rows {
					if strings.Contains(strings.Join(r, "|"), leak) {
						t.Errorf("row %q holds %q", r, leak)
					}
				}
			}
			// The accounts sheet: C001 has a line and a waitlist entry.
			acc := language(tc.lang).accounts
			if got := get(t, f, acc, "G4"); !strings.Contains(got, tc.word) || !strings.Contains(got, "/") {
				t.Errorf("accounts decision for C001 = %q, want both decisions", got)
			}
			if got := get(t, f, acc, "H4"); got != "3400" {
				t.Errorf("accounts amount for C001 = %q, want only the line in force", got)
			}
		})
	}
}

func TestWriteWholesalerRefusesForeignWaitlist(t *testing.T) {
	b := sampleBook("fr")
	b.Waitlist = sampleWaitlist()
	var buf bytes.Buffer
	if err := WriteWholesaler(&buf, b); err == nil || !strings.Contains(err.Error(), `belongs to "etc"`) {
		t.Fatalf("err = %v, want the foreign entry refused", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before the refusal", buf.Len())
	}
}

func TestWriteWholesalerWithoutWaitlistKeepsItsColumns(t *testing.T) {
	f := writeBook(t, sampleBook("fr"))
	rows, err := f.GetRows("Lignes")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows[0]) != 8 || rows[0][7] != "Motif" {
		t.Errorf("header %q, want the eight columns", rows[0])
	}
}

func TestWriteWholesalerOnlyWaitlisted(t *testing.T) {
	b := sampleBook("en")
	b.Lines = nil
	b.Waitlist = ownWaitlist()[:1]
	f := writeBook(t, b)
	wantCells(t, f, "Lines", map[string]string{"A2": "C101", "G2": "waitlisted", "H2": "2"})
}

func TestWriteWholesalerInvalidSIREN(t *testing.T) {
	for lang, want := range map[string]string{"fr": "SIREN invalide : corrigez-le dans votre système", "en": "invalid SIREN: correct it in your system"} {
		b := sampleBook(lang)
		b.Discrepancies = []reconcile.Discrepancy{{Wholesaler: "actebis", Kind: reconcile.InvalidSIREN, ResellerID: "C001"}}
		f := writeBook(t, b)
		wantCells(t, f, language(lang).discrepancies, map[string]string{"A2": want, "B2": "C001", "C2": evilName})
	}
}

// TestWriteBudgetSample writes budgeted sample workbooks for people to look
// at: ENCOURS_XLSX_SAMPLE=/tmp/b.xlsx go test -run WriteBudgetSample ./reconcile/xlsx/
func TestWriteBudgetSample(t *testing.T) {
	path := os.Getenv("ENCOURS_XLSX_SAMPLE")
	if path == "" {
		t.Skip("ENCOURS_XLSX_SAMPLE not set")
	}
	wb := sampleBook("fr")
	wb.Programs = append(wb.Programs, Program{ID: "oem-office", Name: "Ligne OEM Office"})
	wb.Waitlist = ownWaitlist()
	var a, c bytes.Buffer
	if err := WriteWholesaler(&a, wb); err != nil {
		t.Fatal(err)
	}
	if err := WriteConsolidated(&c, budgetBook()); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(path, ".xlsx")
	if err := os.WriteFile(base+"-wholesaler.xlsx", a.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+"-consolidated.xlsx", c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteWholesalerLargeWaitlist: a waitlist of thousands is streamed
// after the lines; notes stay capped, waitlisted rows getting theirs after
// the revoked, expired and expiring lines and before the others.
func TestWriteWholesalerLargeWaitlist(t *testing.T) {
	if testing.Short() {
		t.Skip("large workbook")
	}
	b := sampleBook("fr")
	b.Lines = manyLines(3000)
	for i := range 5000 {
		b.Waitlist = append(b.Waitlist, reconcile.WaitEntry{Wholesaler: "actebis", Program: "mezzanine",
			ResellerID: fmt.Sprintf("W%05d", i), AmountCents: 100000, ValidUntil: reconcile.MustDate("2009-06-30"),
			Rank: 5000 - i, Since: asOf, Reason: "budget exhausted"})
	}
	f := writeBook(t, b)
	// Ranks ascending after the lines: the last entry given is rank 1.
	wantCells(t, f, "Lignes", map[string]string{"A3002": "W04999", "H3002": "1", "A8001": "W00000", "H8001": "5000"})
	comments, err := f.GetComments("Lignes")
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != maxNotes {
		t.Errorf("%d notes, want the cap %d", len(comments), maxNotes)
	}
	var urgent, wait int
	for _, ln := range b.Lines {
		if p := notePriority[displayStatus(ln)]; p < notePriority[waitlisted] && displayStatus(ln) != reconcile.Unchanged {
			urgent++
		}
	}
	for _, c := range comments {
		if strings.HasPrefix(c.Text, "en liste d'attente — rang ") {
			wait++
		}
	}
	if wait != maxNotes-urgent {
		t.Errorf("%d notes on waitlisted rows, want the %d left after the %d more urgent lines", wait, maxNotes-urgent, urgent)
	}
}

// BenchmarkWriteConsolidatedBudgets writes the consolidated workbook of a
// run with half a million waitlisted claims and 100,000 SIRENs:
// go test -run XXX -bench WriteConsolidatedBudgets -benchtime 1x -benchmem ./reconcile/xlsx/
func BenchmarkWriteConsolidatedBudgets(b *testing.B) {
	book := budgetBook()
	book.Report.Waitlist = make([]reconcile.WaitEntry, 500000)
	for i := range book.Report.Waitlist {
		book.Report.Waitlist[i] = reconcile.WaitEntry{Wholesaler: "actebis", Program: "mezzanine", ResellerID: fmt.Sprintf("W%07d", i),
			AmountCents: reconcile.Cents(100000 + i), ValidUntil: reconcile.MustDate("2009-06-30"), Rank: i + 1, Since: asOf,
			Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}
	}
	book.Report.Resellers = make([]reconcile.ResellerExposure, 100000)
	for i := range book.Report.Resellers {
		book.Report.Resellers[i] = reconcile.ResellerExposure{SIREN: fmt.Sprintf("%09d", i), Name: fmt.Sprintf("Revendeur %d", i),
			Wholesalers: []string{"actebis", "etc"}, Lines: 2, AmountCents: reconcile.Cents(i * 37 % 1000000)}
	}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteConsolidated(&buf, book); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}
