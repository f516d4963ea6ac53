package xlsx

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// The consolidated workbook's sheets of spec §8: each appears only when the
// run has something for it, so a run without budgets, SIRENs or history
// gives the workbook it always gave.
const (
	sheetHistory   = "Historique"
	sheetResellers = "Revendeurs"
	sheetWaitlist  = "Liste d'attente"
)

var (
	budgetHeader = []string{"Programme", "", "Plafond du budget", "Utilisé (lignes en vigueur)", "Disponible",
		"Montant demandé en liste d'attente", "Plafond de bénéficiaires (comptes)", "Bénéficiaires (comptes)", "Revendeurs en liste d'attente"}
	resellersHeader = []string{"SIREN", "Raison sociale", "Grossistes", "Nombre de grossistes", "Lignes en vigueur", "Encours garanti"}
	historyHeader   = []string{"Date", "Exécution", "Programme", "Lignes en vigueur", "Encours garanti", "Entreprises bénéficiaires (SIREN)",
		"Accordées", "Expirées", "Révoquées"}
	waitlistHeader = []string{"Programme", "Rang", "Grossiste", "Code revendeur", "Montant demandé",
		"Valable jusqu'au (si accordée)", "En attente depuis", "Motif"}
)

// noLimit and noFigure stand for a budget limit that is not set and a
// figure that follows from it.
const (
	noLimit  = "sans limite"
	noFigure = "—"
)

// consolidatedFR is the French of the consolidated workbook: the program
// managers read what the wholesaler is asked to do, not "your system".
var consolidatedFR = func() lang {
	l := french
	l.kind = maps.Clone(french.kind)
	l.kind[reconcile.InvalidSIREN] = "SIREN invalide : à corriger dans le système du grossiste"
	return l
}()

// writeBudgets writes the Budgets block of the Summary sheet from row top:
// one row per budgeted program, in the configured order. It returns the
// first row free after it (one blank row below).
func writeBudgets(f *excelize.File, st *styles, b ConsolidatedBook, top int, program func(string) string) (int, error) {
	s := sheetSummary
	if err := setRow(f, s, top, []any{cell(st.title,
		"Budgets des programmes après l'exécution (tous grossistes confondus)")}); err != nil {
		return 0, err
	}
	hr := top + 1
	if err := setRow(f, s, hr, headerCells(st, budgetHeader)); err != nil {
		return 0, err
	}
	if err := f.MergeCell(s, fmt.Sprintf("A%d", hr), fmt.Sprintf("B%d", hr)); err != nil {
		return 0, err
	}
	if err := f.AddComment(s, excelize.Comment{Cell: fmt.Sprintf("H%d", hr), Author: "encours", Width: 320, Height: 110,
		Text: budgetBeneficiariesNote}); err != nil {
		return 0, err
	}
	if err := f.SetRowHeight(s, hr, 45); err != nil {
		return 0, err
	}
	uses := slices.Clone(b.Report.Budgets)
	slices.SortStableFunc(uses, func(x, y reconcile.BudgetUse) int {
		return cmp.Or(cmp.Compare(programRank(b.Programs, x.Program), programRank(b.Programs, y.Program)),
			cmp.Compare(x.Program, y.Program))
	})
	amber := st.status[reconcile.Expiring]
	r := hr
	for _, u := range uses {
		r++
		row := make([]any, len(budgetHeader))
		row[0] = cell(st.plain[kText], text(program(u.Program)))
		row[1] = cell(st.plain[kText], nil)
		row[3] = cell(st.plain[kAmount], amount(u.UsedCents))
		row[5] = cell(st.plain[kAmount], amount(u.WaitlistedCents))
		row[7] = cell(st.plain[kInt], u.Beneficiaries)
		row[8] = cell(st.plain[kInt], u.Waitlisted)
		if u.MaxTotalCents != nil {
			left := *u.MaxTotalCents - u.UsedCents
			style := st.plain[kAmount]
			if left <= 0 {
				style = amber[kAmount]
			}
			row[2] = cell(st.plain[kAmount], amount(*u.MaxTotalCents))
			row[4] = cell(style, amount(left))
		} else {
			row[2] = cell(st.absent, noLimit)
			row[4] = cell(st.absent, noFigure)
		}
		if u.MaxBeneficiaries != nil {
			row[6] = cell(st.plain[kInt], *u.MaxBeneficiaries)
			if u.Beneficiaries >= *u.MaxBeneficiaries {
				row[7] = cell(amber[kInt], u.Beneficiaries)
			}
		} else {
			row[6] = cell(st.absent, noLimit)
		}
		if err := setRow(f, s, r, row); err != nil {
			return 0, err
		}
		if err := f.MergeCell(s, fmt.Sprintf("A%d", r), fmt.Sprintf("B%d", r)); err != nil {
			return 0, err
		}
	}
	return r + 2, nil
}

// writeResellers streams the Resellers sheet: one row per SIREN holding a
// valid line, largest exposure first (then by SIREN), the SIREN as text so
// that its leading zeros stay.
func writeResellers(f *excelize.File, st *styles, b ConsolidatedBook, wholesaler func(string) string) error {
	rs := slices.Clone(b.Report.Resellers)
	slices.SortFunc(rs, func(x, y reconcile.ResellerExposure) int {
		return cmp.Or(cmp.Compare(y.AmountCents, x.AmountCents), cmp.Compare(x.SIREN, y.SIREN))
	})
	wRank := map[string]int{}
	for i, w := range b.Wholesalers {
		wRank[w.ID] = i
	}
	var names []string
	return streamTable(f, sheetResellers, st, resellersHeader, []float64{13, 36, 36, 12, 12, 20}, len(rs), func(i int, row []any) {
		r := rs[i]
		ws := slices.Clone(r.Wholesalers)
		slices.SortStableFunc(ws, func(x, y string) int {
			return cmp.Or(cmp.Compare(rankOr(wRank, x), rankOr(wRank, y)), cmp.Compare(x, y))
		})
		names = names[:0]
		for _, w := range ws {
			names = append(names, wholesaler(w))
		}
		row[0] = cell(st.plain[kText], text(r.SIREN))
		row[1] = cell(st.plain[kText], text(r.Name))
		row[2] = cell(st.plain[kText], text(strings.Join(names, ", ")))
		row[3] = cell(st.plain[kInt], len(ws))
		row[4] = cell(st.plain[kInt], r.Lines)
		row[5] = cell(st.plain[kAmount], amount(r.AmountCents))
	})
}

// rankOr is id's place in m, or after every known id.
func rankOr(m map[string]int, id string) int {
	if r, ok := m[id]; ok {
		return r
	}
	return len(m)
}

// writeWaitlist streams the consolidated workbook's waitlist: every
// wholesaler's entries, by program (configured order) then rank.
func writeWaitlist(f *excelize.File, st *styles, b ConsolidatedBook, wholesaler, program func(string) string) error {
	if len(b.Report.Waitlist) == 0 {
		return writeNone(f, sheetWaitlist, "Aucun revendeur en liste d'attente.", st)
	}
	wait := waitOrder(b.Report.Waitlist, b.Programs)
	return streamTable(f, sheetWaitlist, st, waitlistHeader, []float64{26, 7, 18, 16, 17, 17, 17, 90}, len(wait), func(i int, row []any) {
		e := wait[i]
		row[0] = cell(st.plain[kText], text(program(e.Program)))
		row[1] = cell(st.plain[kInt], e.Rank)
		row[2] = cell(st.plain[kText], text(wholesaler(e.Wholesaler)))
		row[3] = cell(st.plain[kText], text(e.ResellerID))
		row[4] = cell(st.plain[kAmount], amount(e.AmountCents))
		row[5] = cell(st.plain[kDate], serial(e.ValidUntil))
		row[6] = cell(st.plain[kDate], serial(e.Since))
		row[7] = cell(st.plain[kText], text(e.Reason))
	})
}

// historyChartWidth and historyChartHeight are the History chart's size in
// pixels, historyChartRows the rows it covers from row 2: LibreOffice's
// rows are 17 pixels high, Excel's 20; counted at 16, the chart's table
// stays clear of it in both.
const (
	historyChartWidth, historyChartHeight = 760, 380
	historyChartRows                      = historyChartHeight/16 + 1
)

// Notes on the headers that count beneficiaries: the Budgets block counts
// what max_beneficiaries limits, the History sheet companies.
const (
	budgetBeneficiariesNote = "Comptes revendeurs titulaires d'une ligne en vigueur du programme, tous grossistes confondus : " +
		"un compte par grossiste, comme le compte le plafond de bénéficiaires (max_beneficiaries). " +
		"Une entreprise servie par deux grossistes compte deux fois."
	historyBeneficiariesNote = "Entreprises distinctes titulaires d'une ligne en vigueur du programme : une entreprise (SIREN) " +
		"servie par plusieurs grossistes compte une fois ; un compte sans SIREN compte seul. " +
		"Le plafond de bénéficiaires d'un budget compte, lui, les comptes revendeurs (voir Synthèse, Budgets des programmes)."
)

// writeHistory streams the History sheet: one row per committed run ×
// program under a frozen, filtered header, the runs oldest first; below
// it and below the chart, the same exposure one run a row and one program
// a column, which the line chart beside the table draws (one series per
// program). That second table is outside the filter's range: filtering
// the first never hides the chart's data. Its runs are labelled with
// their date as text: a date axis would space them by calendar days and
// label every day, which LibreOffice crams unreadably.
func writeHistory(f *excelize.File, st *styles, b ConsolidatedBook, program func(string) string) error {
	s := sheetHistory
	rows, runs, progs := historyTables(b)
	n := len(rows) + 1 // the table's last row
	pivotTitle := max(n, 1+historyChartRows) + 2
	pivotHead := pivotTitle + 1
	last := pivotHead + len(runs)
	ncol := len(historyHeader)
	pivotCol := ncol + 2 // one empty column between the two tables
	lastCol, err := excelize.ColumnNumberToName(pivotCol + len(progs))
	if err != nil {
		return err
	}
	if err := f.SetSheetDimension(s, fmt.Sprintf("A1:%s%d", lastCol, last)); err != nil {
		return err
	}
	endCol, _ := excelize.ColumnNumberToName(ncol)
	if err := autoFilter(f, s, fmt.Sprintf("A1:%s%d", endCol, n)); err != nil {
		return err
	}
	// The chart goes in before the stream, which keeps the sheet's
	// drawing; absolute, so that a filter hiding rows neither moves nor
	// squashes it.
	catCol, _ := excelize.ColumnNumberToName(pivotCol)
	var series []excelize.ChartSeries
	for j := range progs {
		col, _ := excelize.ColumnNumberToName(pivotCol + 1 + j)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$%d", s, col, pivotHead),
			Categories: fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, catCol, pivotHead+1, catCol, last),
			Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, col, pivotHead+1, col, last),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 6},
			Line:       excelize.LineOptions{Width: 2.25},
		})
	}
	if err := f.AddChart(s, catCol+"2", &excelize.Chart{
		Type:      excelize.Line,
		Series:    series,
		Format:    excelize.GraphicOptions{Positioning: "absolute"},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Encours garanti par programme, exécution après exécution"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: historyChartWidth, Height: historyChartHeight},
		// excelize's default axis labels are a pale grey that prints
		// faintly: darker ones read on paper and screen.
		XAxis: excelize.ChartAxis{Font: excelize.Font{Color: "404040", Size: 9}},
		YAxis: excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Color: "404040", Size: 9},
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: `#,##0\ "€"`}},
		ShowBlanksAs: "gap",
	}); err != nil {
		return err
	}
	if err := f.AddComment(s, excelize.Comment{Cell: "F1", Author: "encours", Width: 320, Height: 110,
		Text: historyBeneficiariesNote}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(s)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, 1); err != nil {
		return err
	}
	widths := []float64{12, 15, 26, 11, 18, 13, 11, 11, 11, 3, 14}
	for range progs {
		widths = append(widths, 18)
	}
	if err := setWidths(sw, widths...); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(st, historyHeader), headerHeight(historyHeader, widths)...); err != nil {
		return err
	}
	row := make([]any, ncol)
	for i, h := range rows {
		row[0] = cell(st.plain[kDate], serial(h.AsOf))
		row[1] = cell(st.plain[kText], text(h.RunID))
		row[2] = cell(st.plain[kText], text(program(h.Program)))
		row[3] = cell(st.plain[kInt], h.Lines)
		row[4] = cell(st.plain[kAmount], amount(h.Exposure))
		row[5] = cell(st.plain[kInt], h.Beneficiaries)
		row[6] = cell(st.plain[kInt], h.Granted)
		row[7] = cell(st.plain[kInt], h.Expired)
		row[8] = cell(st.plain[kInt], h.Revoked)
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			return err
		}
	}
	at := func(r int) string { return fmt.Sprintf("%s%d", catCol, r) }
	if err := sw.SetRow(at(pivotTitle), []any{cell(st.title,
		"Encours garanti par programme et par exécution (données du graphique)")}); err != nil {
		return err
	}
	head := []any{cell(st.header, "Date de l'exécution")}
	for _, p := range progs {
		head = append(head, cell(st.header, text(program(p))))
	}
	if err := sw.SetRow(at(pivotHead), head, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	prow := make([]any, 1+len(progs))
	for i, run := range runs {
		clear(prow)
		prow[0] = cell(st.plain[kText], run.label)
		for j, p := range progs {
			if e, ok := run.exposure[p]; ok {
				prow[1+j] = cell(st.plain[kAmount], amount(e))
			} else {
				prow[1+j] = cell(st.plain[kAmount], nil) // not in that run: a gap in its line
			}
		}
		if err := sw.SetRow(at(pivotHead+1+i), prow); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// historyRun is one run of the History chart's table.
type historyRun struct {
	// label is the run's as-of, "04/05/2009", and "04/05/2009 (2)" for a
	// second run on the same day.
	label    string
	exposure map[string]reconcile.Cents // by program
}

// historyTables orders the History rows (runs in the order given, oldest
// first; programs in the configured order within a run) and pivots them:
// one entry per run, and the programs that appear, in configured order.
func historyTables(b ConsolidatedBook) ([]reconcile.ProgramRun, []historyRun, []string) {
	runIndex := map[string]int{}
	sameDay := map[reconcile.Date]int{}
	var runs []historyRun
	for _, h := range b.History {
		if _, ok := runIndex[h.RunID]; !ok {
			runIndex[h.RunID] = len(runs)
			sameDay[h.AsOf]++
			label := h.AsOf.FormatFR()
			if k := sameDay[h.AsOf]; k > 1 {
				label += fmt.Sprintf(" (%d)", k)
			}
			runs = append(runs, historyRun{label: label, exposure: map[string]reconcile.Cents{}})
		}
	}
	rows := slices.Clone(b.History)
	slices.SortStableFunc(rows, func(x, y reconcile.ProgramRun) int {
		return cmp.Or(cmp.Compare(runIndex[x.RunID], runIndex[y.RunID]),
			cmp.Compare(programRank(b.Programs, x.Program), programRank(b.Programs, y.Program)),
			cmp.Compare(x.Program, y.Program))
	})
	seen := map[string]bool{}
	var progs []string
	for _, h := range rows {
		runs[runIndex[h.RunID]].exposure[h.Program] += h.Exposure
		if !seen[h.Program] {
			seen[h.Program] = true
			progs = append(progs, h.Program)
		}
	}
	slices.SortStableFunc(progs, func(x, y string) int {
		return cmp.Or(cmp.Compare(programRank(b.Programs, x), programRank(b.Programs, y)), cmp.Compare(x, y))
	})
	return rows, runs, progs
}
