package xlsx

import (
	"fmt"
	"io"
	"sort"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// ConsolidatedBook is the program managers' view of one run: every
// wholesaler, every line.
type ConsolidatedBook struct {
	AsOf        reconcile.Date
	Wholesalers []Wholesaler
	Programs    []Program
	// Report is the whole run: its Budgets give the Summary's Budgets
	// block, its Resellers the Resellers sheet, its Waitlist a sheet of
	// its own.
	Report reconcile.Report
	// History is every committed run × program, oldest first, and this
	// run's rows: the History sheet and its chart.
	History []reconcile.ProgramRun
	// Names gives the resellers' names (Raison sociale) of the
	// discrepancies sheets: by wholesaler, reseller id → name, from the
	// wholesaler's export of the run or, without one, from the ledger.
	Names map[string]map[string]string
	// TmpDir is as in WholesalerBook.
	TmpDir string
}

// Sheet names and headers of the consolidated workbook. It is written in
// French: the vendor's partner program managers work in French.
const (
	sheetSummary  = "Synthèse"
	sheetAllLines = "Toutes les lignes"
	sheetDisc     = "Écarts"
	sheetFiles    = "Fichiers"
)

var (
	summaryHeader = []string{"Grossiste", "Programme", "Lignes (révoquées et expirées comprises)", "Nouvelles lignes", "Montant accordé (nouvelles lignes)",
		"Encours garanti (lignes en vigueur)", "Lignes à échéance", "Montant à échéance", "Révoquées", "Expirées", "Bénéficiaires (comptes)"}
	allLinesHeader = []string{"Grossiste", "Code revendeur", "Programme", "Montant", "Valable du", "Valable jusqu'au", "Statut", "Motif"}
	// The error comes last: a long one runs on over the empty cells to its
	// right instead of being cut at the next column.
	filesHeaderFR = []string{"Grossiste", "Fichier", "Statut", "SHA-256", "Erreur"}
	filesHeaderEN = []string{"Wholesaler", "File", "Status", "SHA-256", "Error"}
	fileStatusFR  = map[reconcile.FileStatus]string{
		reconcile.Processed: "traité", reconcile.Duplicate: "doublon (déjà traité)",
		reconcile.Quarantined: "mis en quarantaine", reconcile.Deferred: "reporté à la prochaine exécution",
		reconcile.Responses: "réponses enregistrées",
	}
	fileStatusEN = map[reconcile.FileStatus]string{
		reconcile.Processed: "processed", reconcile.Duplicate: "duplicate (already processed)",
		reconcile.Quarantined: "quarantined", reconcile.Deferred: "deferred to the next run",
		reconcile.Responses: "answers recorded",
	}
)

// WriteConsolidated writes the program managers' workbook: a summary per
// wholesaler and program with a chart of the exposure, every line, every
// discrepancy and every inbox file of the run. The all-lines sheet is
// streamed and carries no notes; its Reason column explains each line.
//
// With budgets, the summary gains a Budgets block (limits, use, what is
// left, the waitlist) and every wholesaler's waitlist has a sheet; with
// SIRENs, the Resellers sheet gives the exposure per reseller company
// across wholesalers; with history, the History sheet gives each run ×
// program with a line chart of the exposure per program. The large ones
// (waitlist, resellers) are streamed.
func WriteConsolidated(w io.Writer, b ConsolidatedBook) error {
	f, z, err := newFile(b.AsOf, "Programme partenaires — synthèse "+b.AsOf.String(), b.TmpDir)
	if err != nil {
		return err
	}
	defer z.cleanup()
	if err := writeConsolidated(f, b); err != nil {
		return fmt.Errorf("write consolidated workbook: %w", err)
	}
	return finish(f, z, w)
}

func writeConsolidated(f *excelize.File, b ConsolidatedBook) error {
	l := consolidatedFR
	if err := f.SetSheetName("Sheet1", sheetSummary); err != nil {
		return err
	}
	withHistory, withResellers := len(b.History) > 0, len(b.Report.Resellers) > 0
	withWaitlist := len(b.Report.Budgets) > 0 || len(b.Report.Waitlist) > 0
	var sheets []string
	if withHistory {
		sheets = append(sheets, sheetHistory)
	}
	if withResellers {
		sheets = append(sheets, sheetResellers)
	}
	sheets = append(sheets, sheetAllLines)
	if withWaitlist {
		sheets = append(sheets, sheetWaitlist)
	}
	for _, s := range append(sheets, sheetDisc, findingFR.resolvedSheet, sheetFiles) {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	if err := printable(f); err != nil {
		return err
	}
	st, err := newStyles(f, l)
	if err != nil {
		return err
	}
	fst, err := newFindingStyles(f)
	if err != nil {
		return err
	}
	progs := programNames(b.Programs)
	program := func(id string) string {
		if n := progs[id]; n != "" {
			return n
		}
		return id
	}
	wnames := map[string]string{}
	for _, w := range b.Wholesalers {
		wnames[w.ID] = w.Name
	}
	wholesaler := func(id string) string {
		if n := wnames[id]; n != "" {
			return n
		}
		return id
	}
	if err := writeSummary(f, st, b, wholesaler, program); err != nil {
		return fmt.Errorf("sheet %s: %w", sheetSummary, err)
	}
	if withHistory {
		if err := writeHistory(f, st, b, program); err != nil {
			return fmt.Errorf("sheet %s: %w", sheetHistory, err)
		}
	}
	if withResellers {
		if err := writeResellers(f, st, b, wholesaler); err != nil {
			return fmt.Errorf("sheet %s: %w", sheetResellers, err)
		}
	}
	if err := writeAllLines(f, l, st, b.Report.Lines, wholesaler, program); err != nil {
		return fmt.Errorf("sheet %s: %w", sheetAllLines, err)
	}
	if withWaitlist {
		if err := writeWaitlist(f, st, b, wholesaler, program); err != nil {
			return fmt.Errorf("sheet %s: %w", sheetWaitlist, err)
		}
	}
	reseller := func(w, id string) string { return b.Names[w][id] }
	if err := writeDiscrepancies(f, l, st, fst, discSheet{name: sheetDisc, wholesalerCol: "Grossiste", wholesaler: wholesaler,
		asOf: b.AsOf, reseller: reseller, program: program}, b.Report.Discrepancies); err != nil {
		return fmt.Errorf("sheet %s: %w", sheetDisc, err)
	}
	if err := writeResolved(f, l, st, findingFR.resolvedSheet, "Grossiste", wholesaler, b.Report.Resolved, b.AsOf, reseller, program); err != nil {
		return fmt.Errorf("sheet %s: %w", findingFR.resolvedSheet, err)
	}
	if err := writeFiles(f, l, st, sheetFiles, b.Report.Files, wholesaler); err != nil {
		return fmt.Errorf("sheet %s: %w", sheetFiles, err)
	}
	f.SetActiveSheet(0)
	return nil
}

// summaryRow is one wholesaler × program of the summary.
type summaryRow struct {
	wholesaler, program     string
	lines, granted          int
	grantedAmount, exposure reconcile.Cents
	expiring                int
	expiringAmount          reconcile.Cents
	revoked, expired        int
	beneficiaries           map[string]bool
}

// summarise groups lines by wholesaler and program, in the configured
// order of wholesalers and programs (unknown ids after, by id). A
// wholesaler without lines still gets a row, so none goes unnoticed.
func summarise(b ConsolidatedBook) []*summaryRow {
	wRank := map[string]int{}
	for i, w := range b.Wholesalers {
		wRank[w.ID] = i
	}
	pRank := map[string]int{}
	for i, p := range b.Programs {
		pRank[p.ID] = i
	}
	rank := func(m map[string]int, id string) int {
		if r, ok := m[id]; ok {
			return r
		}
		return len(m)
	}
	type key struct{ w, p string }
	rows := map[key]*summaryRow{}
	for _, ln := range b.Report.Lines {
		k := key{ln.Wholesaler, ln.Program}
		r := rows[k]
		if r == nil {
			r = &summaryRow{wholesaler: k.w, program: k.p, beneficiaries: map[string]bool{}}
			rows[k] = r
		}
		r.lines++
		switch ln.Status {
		case reconcile.Granted:
			r.granted++
			r.grantedAmount += ln.AmountCents
		case reconcile.Withdrawn:
			r.revoked++
		case reconcile.Ended:
			r.expired++
		}
		if inForce(ln.Status) {
			r.exposure += ln.AmountCents
			r.beneficiaries[ln.ResellerID] = true
			if ln.Expiring {
				r.expiring++
				r.expiringAmount += ln.AmountCents
			}
		}
	}
	seen := map[string]bool{}
	for k := range rows {
		seen[k.w] = true
	}
	for _, w := range b.Wholesalers {
		if !seen[w.ID] {
			rows[key{w.ID, ""}] = &summaryRow{wholesaler: w.ID, beneficiaries: map[string]bool{}}
		}
	}
	out := make([]*summaryRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if ra, rc := rank(wRank, a.wholesaler), rank(wRank, c.wholesaler); ra != rc {
			return ra < rc
		}
		if a.wholesaler != c.wholesaler {
			return a.wholesaler < c.wholesaler
		}
		if ra, rc := rank(pRank, a.program), rank(pRank, c.program); ra != rc {
			return ra < rc
		}
		return a.program < c.program
	})
	return out
}

func writeSummary(f *excelize.File, st *styles, b ConsolidatedBook, wholesaler, program func(string) string) error {
	s := sheetSummary
	if err := setRow(f, s, 1, []any{cell(st.title, fmt.Sprintf(
		"Programme partenaires — synthèse de l'exécution du %s (montants en euros)", b.AsOf.FormatFR()))}); err != nil {
		return err
	}
	const hr = 3
	if err := setRow(f, s, hr, headerCells(st, summaryHeader)); err != nil {
		return err
	}
	for i, wd := range []float64{20, 28, 18, 18, 20, 20, 18, 18, 14, 14, 14} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(s, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(s, hr, 45); err != nil {
		return err
	}
	rows := summarise(b)
	var tot summaryRow
	allBenef := map[[2]string]bool{}
	n := hr
	for _, r := range rows {
		n++
		prog := "—"
		if r.program != "" {
			prog = program(r.program)
		}
		if err := setRow(f, s, n, summaryCells(st, text(wholesaler(r.wholesaler)), text(prog), r, len(r.beneficiaries))); err != nil {
			return err
		}
		tot.lines += r.lines
		tot.granted += r.granted
		tot.grantedAmount += r.grantedAmount
		tot.exposure += r.exposure
		tot.expiring += r.expiring
		tot.expiringAmount += r.expiringAmount
		tot.revoked += r.revoked
		tot.expired += r.expired
		for id := range r.beneficiaries {
			allBenef[[2]string{r.wholesaler, id}] = true
		}
	}
	n++
	totals := summaryCells(st, "Total", "", &tot, len(allBenef))
	for i := range totals {
		c := totals[i].(excelize.Cell)
		c.StyleID = st.header
		if i >= 2 {
			c.StyleID = st.totals[kindOfSummaryCol(i)]
		}
		totals[i] = c
	}
	if err := setRow(f, s, n, totals); err != nil {
		return err
	}
	if err := f.SetPanes(s, &excelize.Panes{
		Freeze: true, YSplit: hr, TopLeftCell: fmt.Sprintf("A%d", hr+1), ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}
	next := n + 2
	if len(b.Report.Budgets) > 0 {
		var err error
		if next, err = writeBudgets(f, st, b, next, program); err != nil {
			return err
		}
	}
	return writeExposureChart(f, st, b, rows, next, wholesaler, program)
}

// kindOfSummaryCol says which summary columns hold amounts.
func kindOfSummaryCol(i int) cellKind {
	switch i {
	case 4, 5, 7:
		return kAmount
	}
	return kInt
}

func summaryCells(st *styles, w, p any, r *summaryRow, benef int) []any {
	vals := []any{w, p, r.lines, r.granted, amount(r.grantedAmount), amount(r.exposure),
		r.expiring, amount(r.expiringAmount), r.revoked, r.expired, benef}
	out := make([]any, len(vals))
	for i, v := range vals {
		k := kText
		if i >= 2 {
			k = kindOfSummaryCol(i)
		}
		out[i] = cell(st.plain[k], v)
	}
	return out
}

// writeExposureChart writes a wholesaler × program table of the exposure
// from row top and a clustered bar chart drawn from it.
func writeExposureChart(f *excelize.File, st *styles, b ConsolidatedBook, rows []*summaryRow, top int,
	wholesaler, program func(string) string) error {
	s := sheetSummary
	var ws, ps []string
	wSeen, pSeen := map[string]bool{}, map[string]bool{}
	exp := map[[2]string]reconcile.Cents{}
	for _, r := range rows {
		if !wSeen[r.wholesaler] {
			wSeen[r.wholesaler] = true
			ws = append(ws, r.wholesaler)
		}
		if r.program != "" && !pSeen[r.program] {
			pSeen[r.program] = true
			ps = append(ps, r.program)
		}
		exp[[2]string{r.wholesaler, r.program}] = r.exposure
	}
	// Programs in configured order, then the rest by id.
	sort.SliceStable(ps, func(i, j int) bool { return programRank(b.Programs, ps[i]) < programRank(b.Programs, ps[j]) })
	if len(ws) == 0 || len(ps) == 0 {
		return nil
	}
	if err := setRow(f, s, top, []any{cell(st.title, "Encours garanti par grossiste et programme (lignes en vigueur, €)")}); err != nil {
		return err
	}
	head := []any{cell(st.header, "Grossiste")}
	for _, p := range ps {
		head = append(head, cell(st.header, text(program(p))))
	}
	if err := setRow(f, s, top+1, head); err != nil {
		return err
	}
	for i, w := range ws {
		vals := []any{cell(st.plain[kText], text(wholesaler(w)))}
		for _, p := range ps {
			vals = append(vals, cell(st.plain[kAmount], amount(exp[[2]string{w, p}])))
		}
		if err := setRow(f, s, top+2+i, vals); err != nil {
			return err
		}
	}
	first, last := top+2, top+1+len(ws)
	var series []excelize.ChartSeries
	for j := range ps {
		col, _ := excelize.ColumnNumberToName(j + 2)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$%d", s, col, top+1),
			Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", s, first, last),
			Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, col, first, col, last),
		})
	}
	height := uint(120 + 40*len(ws)*max(1, len(ps)))
	return f.AddChart(s, fmt.Sprintf("A%d", last+2), &excelize.Chart{
		Type:      excelize.Bar,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Encours garanti par grossiste et programme"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 720, Height: min(height, 900)},
		// As on the History chart: excelize's default axis labels are a
		// pale grey that LibreOffice and paper render faintly.
		XAxis: excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "404040", Size: 9}},
		YAxis: excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Color: "404040", Size: 9},
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: `#,##0\ "€"`}},
		PlotArea: excelize.ChartPlotArea{ShowVal: false},
	})
}

func programRank(ps []Program, id string) int {
	for i, p := range ps {
		if p.ID == id {
			return i
		}
	}
	return len(ps)
}

func writeAllLines(f *excelize.File, l lang, st *styles, lines []reconcile.ReportLine, wholesaler, program func(string) string) error {
	s := sheetAllLines
	if len(lines) == 0 {
		return writeNone(f, s, "Aucune ligne de crédit.", st)
	}
	if err := prepareStream(f, s, 1, len(allLinesHeader), len(lines)+1); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(s)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, 1); err != nil {
		return err
	}
	if err := setWidths(sw, 18, 16, 26, 16, 13, 15, 13, 90); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(st, allLinesHeader)); err != nil {
		return err
	}
	row := make([]any, 8)
	for i, ln := range lines {
		ds := displayStatus(ln)
		c := st.status[ds]
		row[0] = cell(c[kText], text(wholesaler(ln.Wholesaler)))
		row[1] = cell(c[kText], text(ln.ResellerID))
		row[2] = cell(c[kText], text(program(ln.Program)))
		row[3] = cell(c[kAmount], amount(ln.AmountCents))
		row[4] = cell(c[kDate], serial(ln.ValidFrom))
		row[5] = cell(c[kDate], serial(ln.ValidUntil))
		row[6] = cell(c[kText], l.status[ds])
		row[7] = cell(c[kText], text(ln.Reason))
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// writeFiles lists inbox files; wholesaler maps ids to names.
func writeFiles(f *excelize.File, l lang, st *styles, sheet string, files []reconcile.FileResult, wholesaler func(string) string) error {
	head, words, none := filesHeaderFR, fileStatusFR, "Aucun fichier dans la boîte de dépôt."
	if l.code == "en" {
		head, words, none = filesHeaderEN, fileStatusEN, "None: no file in the inbox."
	}
	if len(files) == 0 {
		return writeNone(f, sheet, none, st)
	}
	return streamTable(f, sheet, st, head, []float64{18, 36, 28, 20, 100}, len(files), func(i int, row []any) {
		fr := files[i]
		style := st.plain[kText]
		if fr.Status == reconcile.Quarantined {
			style = st.reject[kText]
		}
		word := words[fr.Status]
		if word == "" {
			word = string(fr.Status)
		}
		row[0] = cell(style, text(wholesaler(fr.Wholesaler)))
		row[1] = cell(style, text(fr.Name))
		row[2] = cell(style, word)
		row[3] = cell(style, text(fr.SHA256))
		row[4] = cell(style, text(fr.Error))
	})
}
