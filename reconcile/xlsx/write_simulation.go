package xlsx

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// SimulationBook is the what-if workbook of encours simulate: the
// committed outcome of the latest run against the candidate rules'.
type SimulationBook struct {
	AsOf reconcile.Date
	// Replay is "last" or "all".
	Replay string
	// Lang is "en" for English; anything else is French, the program
	// managers' language.
	Lang        string
	Wholesalers []Wholesaler
	Programs    []Program
	// Current and Candidate are both sides' lines, for the beneficiaries.
	Current, Candidate []reconcile.ReportLine
	Totals             []reconcile.SimulationTotal
	// Changes are shown as given: reasons already in Lang.
	Changes []reconcile.SimulationChange
	// Names maps, by wholesaler, reseller ids to names where known.
	Names map[string]map[string]string
	// TmpDir is as in WholesalerBook.
	TmpDir string
}

// simWords are the words of the what-if workbook in one language.
type simWords struct {
	summary, changes string
	title            string // takes the as-of date and the replay phrase
	replayLast       string
	replayAll        string
	note             string
	summaryHeader    []string
	total            string
	chartTitle       string
	chartTable       string
	current          string
	candidate        string
	changesHeader    []string
	effect           map[string]string
	noLine           string
	noChanges        string
}

var simFrench = simWords{
	summary: "Synthèse", changes: "Changements",
	title:      "Simulation — %s : ce qu'auraient donné les règles candidates (%s)",
	replayLast: "dernière exécution rejouée depuis le registre tel qu'il était avant elle",
	replayAll:  "toutes les exécutions rejouées depuis la première, registre vide",
	note:       "Lignes en vigueur après l'exécution (toutes sauf expirées et révoquées), montants en euros ; écart = candidat − actuel.",
	summaryHeader: []string{"Programme", "Grossiste", "Lignes (actuel)", "Lignes (candidat)", "Écart lignes",
		"Montant (actuel)", "Montant (candidat)", "Écart montant", "Bénéficiaires (comptes, actuel)", "Bénéficiaires (comptes, candidat)", "Écart bénéficiaires"},
	total:      "Total",
	chartTitle: "Montant des lignes en vigueur : actuel et candidat",
	chartTable: "Montant des lignes en vigueur par programme et grossiste (€)",
	current:    "Actuel", candidate: "Candidat",
	changesHeader: []string{"Grossiste", "Code revendeur", "Raison sociale", "Programme", "Effet",
		"Montant actuel", "Statut actuel", "Valable jusqu'au (actuel)",
		"Montant candidat", "Statut candidat", "Valable jusqu'au (candidat)", "Écart", "Motif actuel", "Motif candidat"},
	effect: map[string]string{
		reconcile.EffectGains: "obtient une ligne", reconcile.EffectLoses: "perd sa ligne", reconcile.EffectChanges: "ligne modifiée",
	},
	noLine:    "aucune ligne",
	noChanges: "Aucun changement : les règles candidates donnent les mêmes lignes, montants et statuts.",
}

var simEnglish = simWords{
	summary: "Summary", changes: "Changes",
	title:      "Simulation — %s: what the candidate rules would have given (%s)",
	replayLast: "latest run replayed from the ledger as it stood before it",
	replayAll:  "every run replayed from the first, from an empty ledger",
	note:       "Lines in force after the run (all but expired and revoked), amounts in euros; difference = candidate − current.",
	summaryHeader: []string{"Program", "Wholesaler", "Lines (current)", "Lines (candidate)", "Lines difference",
		"Amount (current)", "Amount (candidate)", "Amount difference", "Beneficiaries (accounts, current)", "Beneficiaries (accounts, candidate)", "Beneficiaries difference"},
	total:      "Total",
	chartTitle: "Amount of the lines in force: current and candidate",
	chartTable: "Amount of the lines in force by program and wholesaler (€)",
	current:    "Current", candidate: "Candidate",
	changesHeader: []string{"Wholesaler", "Reseller ID", "Reseller name", "Program", "Effect",
		"Current amount", "Current status", "Current valid until",
		"Candidate amount", "Candidate status", "Candidate valid until", "Difference", "Current reason", "Candidate reason"},
	effect: map[string]string{
		reconcile.EffectGains: "gains a line", reconcile.EffectLoses: "loses its line", reconcile.EffectChanges: "line changed",
	},
	noLine:    "no line",
	noChanges: "No change: the candidate rules give the same lines, amounts and statuses.",
}

// effectFill colours a change's row by what it does to the reseller.
var effectFill = map[string]string{
	reconcile.EffectGains:   statusFill[reconcile.Granted],
	reconcile.EffectLoses:   statusFill[reconcile.Withdrawn],
	reconcile.EffectChanges: statusFill[reconcile.Extended],
}

// WriteSimulation writes the what-if workbook: a Summary sheet (program ×
// wholesaler: lines, amount and beneficiaries, current, candidate and
// difference, with a clustered bar chart of both amounts) and a Changes
// sheet listing every reseller who gains, loses or changes a line with
// both sides' amount, status, end and reason. The Changes sheet is
// streamed and may hold a million rows.
func WriteSimulation(w io.Writer, b SimulationBook) error {
	l, words := french, simFrench
	if b.Lang == "en" {
		l, words = english, simEnglish
	}
	f, z, err := newFile(b.AsOf, words.summary+" "+b.AsOf.String(), b.TmpDir)
	if err != nil {
		return err
	}
	defer z.cleanup()
	sw := &simWriter{f: f, b: b, l: l, w: words, programs: programNames(b.Programs), wholesalers: map[string]string{}}
	for _, x := range b.Wholesalers {
		sw.wholesalers[x.ID] = x.Name
	}
	if err := sw.write(); err != nil {
		return fmt.Errorf("write simulation workbook: %w", err)
	}
	return finish(f, z, w)
}

type simWriter struct {
	f           *excelize.File
	b           SimulationBook
	l           lang
	w           simWords
	st          *styles
	diff        [nKinds]int // signed number formats
	totalDiff   [nKinds]int // the same on the totals row
	effect      map[string][nKinds]int
	effectDiff  map[string]int // the signed amount, on a change's fill
	programs    map[string]string
	wholesalers map[string]string
}

func (sw *simWriter) program(id string) string {
	if n := sw.programs[id]; n != "" {
		return n
	}
	return id
}

func (sw *simWriter) wholesaler(id string) string {
	if n := sw.wholesalers[id]; n != "" {
		return n
	}
	return id
}

func (sw *simWriter) write() error {
	f := sw.f
	if err := f.SetSheetName("Sheet1", sw.w.summary); err != nil {
		return err
	}
	if _, err := f.NewSheet(sw.w.changes); err != nil {
		return err
	}
	if err := printable(f); err != nil {
		return err
	}
	var err error
	if sw.st, err = newStyles(f, sw.l); err != nil {
		return err
	}
	if err := sw.newStyles(); err != nil {
		return err
	}
	if err := sw.writeSummary(); err != nil {
		return fmt.Errorf("sheet %s: %w", sw.w.summary, err)
	}
	if err := sw.writeChanges(); err != nil {
		return fmt.Errorf("sheet %s: %w", sw.w.changes, err)
	}
	f.SetActiveSheet(0)
	return nil
}

// newStyles adds the signed formats of the difference columns and the
// fills of the change rows.
func (sw *simWriter) newStyles() error {
	amountDiff := `+#,##0.00\ "€";-#,##0.00\ "€";0.00\ "€"`
	if sw.l.code == "en" {
		amountDiff = `+"€"#,##0.00;-"€"#,##0.00;"€"0.00`
	}
	intDiff := `+0;-0;0`
	var err error
	// In a fixed order: style ids, and so the bytes, stay the same.
	for _, x := range []struct {
		k      cellKind
		format *string
	}{{kAmount, &amountDiff}, {kInt, &intDiff}} {
		k, format := x.k, x.format
		if sw.diff[k], err = sw.f.NewStyle(&excelize.Style{CustomNumFmt: format}); err != nil {
			return err
		}
		if sw.totalDiff[k], err = sw.f.NewStyle(&excelize.Style{
			CustomNumFmt: format,
			Font:         &excelize.Font{Bold: true},
			Border:       []excelize.Border{{Type: "top", Color: "808080", Style: 1}},
			Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		}); err != nil {
			return err
		}
	}
	sw.effect, sw.effectDiff = map[string][nKinds]int{}, map[string]int{}
	for _, e := range []string{reconcile.EffectGains, reconcile.EffectLoses, reconcile.EffectChanges} {
		fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{effectFill[e]}}
		var ids [nKinds]int
		for k := cellKind(0); k < nKinds; k++ {
			st := &excelize.Style{Fill: fill}
			switch k {
			case kAmount:
				st.CustomNumFmt = &sw.l.amountFmt
			case kDate:
				st.CustomNumFmt = &sw.l.dateFmt
			case kInt:
				st.NumFmt = 1
			}
			if ids[k], err = sw.f.NewStyle(st); err != nil {
				return err
			}
		}
		sw.effect[e] = ids
		if sw.effectDiff[e], err = sw.f.NewStyle(&excelize.Style{Fill: fill, CustomNumFmt: &amountDiff}); err != nil {
			return err
		}
	}
	return nil
}

// beneficiaries counts, per program and wholesaler, the resellers with a
// line in force, and over everything the (wholesaler, reseller) pairs.
func beneficiaries(lines []reconcile.ReportLine) (map[[2]string]int, int) {
	type who struct{ w, r string }
	per := map[[2]string]map[string]bool{}
	all := map[who]bool{}
	for _, l := range lines {
		if !reconcile.InForce(l.Status) {
			continue
		}
		k := [2]string{l.Program, l.Wholesaler}
		if per[k] == nil {
			per[k] = map[string]bool{}
		}
		per[k][l.ResellerID] = true
		all[who{l.Wholesaler, l.ResellerID}] = true
	}
	out := make(map[[2]string]int, len(per))
	for k, m := range per {
		out[k] = len(m)
	}
	return out, len(all)
}

func (sw *simWriter) writeSummary() error {
	f, s, st := sw.f, sw.w.summary, sw.st
	replay := sw.w.replayLast
	if sw.b.Replay == "all" {
		replay = sw.w.replayAll
	}
	if err := setRow(f, s, 1, []any{cell(st.title, fmt.Sprintf(sw.w.title, sw.b.AsOf.Format(sw.l.code), replay))}); err != nil {
		return err
	}
	if err := setRow(f, s, 2, []any{cell(st.title, sw.w.note)}); err != nil {
		return err
	}
	const hr = 4
	if err := setRow(f, s, hr, headerCells(st, sw.w.summaryHeader)); err != nil {
		return err
	}
	for i, wd := range []float64{40, 18, 12, 12, 12, 18, 18, 18, 14, 14, 14} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(s, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(s, hr, 32); err != nil {
		return err
	}
	curBen, curAll := beneficiaries(sw.b.Current)
	candBen, candAll := beneficiaries(sw.b.Candidate)
	var tot reconcile.SimulationTotal
	n := hr
	for _, t := range sw.b.Totals {
		n++
		k := [2]string{t.Program, t.Wholesaler}
		if err := setRow(f, s, n, sw.summaryCells(text(sw.program(t.Program)), text(sw.wholesaler(t.Wholesaler)), t, curBen[k], candBen[k], false)); err != nil {
			return err
		}
		tot.CurrentLines += t.CurrentLines
		tot.CandidateLines += t.CandidateLines
		tot.CurrentAmountCents += t.CurrentAmountCents
		tot.CandidateAmountCents += t.CandidateAmountCents
	}
	n++
	if err := setRow(f, s, n, sw.summaryCells(sw.w.total, "", tot, curAll, candAll, true)); err != nil {
		return err
	}
	if err := f.SetPanes(s, &excelize.Panes{
		Freeze: true, YSplit: hr, TopLeftCell: fmt.Sprintf("A%d", hr+1), ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}
	return sw.writeChart(n + 2)
}

// summaryCells is one summary row; bold for the total.
func (sw *simWriter) summaryCells(program, wholesaler any, t reconcile.SimulationTotal, curBen, candBen int, total bool) []any {
	st := sw.st
	plain, diff := st.plain, sw.diff
	head := st.plain[kText]
	if total {
		plain, diff, head = st.totals, sw.totalDiff, st.header
	}
	return []any{
		cell(head, program), cell(head, wholesaler),
		cell(plain[kInt], t.CurrentLines), cell(plain[kInt], t.CandidateLines), cell(diff[kInt], t.CandidateLines-t.CurrentLines),
		cell(plain[kAmount], amount(t.CurrentAmountCents)), cell(plain[kAmount], amount(t.CandidateAmountCents)),
		cell(diff[kAmount], amount(t.CandidateAmountCents-t.CurrentAmountCents)),
		cell(plain[kInt], curBen), cell(plain[kInt], candBen), cell(diff[kInt], candBen-curBen),
	}
}

// writeChart writes, from row top, a table of both amounts per program
// and wholesaler and a clustered bar chart drawn from it.
func (sw *simWriter) writeChart(top int) error {
	f, s, st := sw.f, sw.w.summary, sw.st
	if len(sw.b.Totals) == 0 {
		return nil
	}
	if err := setRow(f, s, top, []any{cell(st.title, sw.w.chartTable)}); err != nil {
		return err
	}
	if err := setRow(f, s, top+1, []any{cell(st.header, ""), cell(st.header, sw.w.current), cell(st.header, sw.w.candidate)}); err != nil {
		return err
	}
	for i, t := range sw.b.Totals {
		label := sw.program(t.Program) + " — " + sw.wholesaler(t.Wholesaler)
		if err := setRow(f, s, top+2+i, []any{cell(st.plain[kText], text(label)),
			cell(st.plain[kAmount], amount(t.CurrentAmountCents)), cell(st.plain[kAmount], amount(t.CandidateAmountCents))}); err != nil {
			return err
		}
	}
	first, last := top+2, top+1+len(sw.b.Totals)
	var series []excelize.ChartSeries
	for _, col := range []string{"B", "C"} {
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$%d", s, col, top+1),
			Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", s, first, last),
			Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", s, col, first, col, last),
		})
	}
	numFmt := `#,##0\ "€"`
	if sw.l.code == "en" {
		numFmt = `"€"#,##0`
	}
	height := uint(140 + 60*len(sw.b.Totals))
	return f.AddChart(s, fmt.Sprintf("A%d", last+2), &excelize.Chart{
		Type:      excelize.Bar,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: sw.w.chartTitle}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 760, Height: min(height, 900)},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: numFmt}},
	})
}

func (sw *simWriter) writeChanges() error {
	f, s, st, l := sw.f, sw.w.changes, sw.st, sw.l
	changes := sw.b.Changes
	if len(changes) == 0 {
		return writeNone(f, s, sw.w.noChanges, st)
	}
	status := func(x reconcile.LineStatus) string {
		if x == "" {
			return sw.w.noLine
		}
		if w := l.status[x]; w != "" {
			return w
		}
		return string(x)
	}
	return streamTable(f, s, st, sw.w.changesHeader,
		[]float64{16, 16, 28, 24, 18, 15, 14, 15, 15, 14, 15, 15, 60, 60}, len(changes), func(i int, row []any) {
			c := changes[i]
			e := c.Effect()
			sty := sw.effect[e]
			row[0] = cell(sty[kText], text(sw.wholesaler(c.Wholesaler)))
			row[1] = cell(sty[kText], text(c.ResellerID))
			row[2] = cell(sty[kText], text(sw.b.Names[c.Wholesaler][c.ResellerID]))
			row[3] = cell(sty[kText], text(sw.program(c.Program)))
			row[4] = cell(sty[kText], sw.w.effect[e])
			row[5] = cell(sty[kAmount], amount(c.CurrentAmountCents))
			row[6] = cell(sty[kText], status(c.CurrentStatus))
			row[7] = cell(sty[kDate], serial(c.CurrentValidUntil))
			row[8] = cell(sty[kAmount], amount(c.CandidateAmountCents))
			row[9] = cell(sty[kText], status(c.CandidateStatus))
			row[10] = cell(sty[kDate], serial(c.CandidateValidUntil))
			row[11] = cell(sw.effectDiff[e], amount(c.CandidateAmountCents-c.CurrentAmountCents))
			row[12] = cell(sty[kText], text(c.CurrentReason))
			row[13] = cell(sty[kText], text(c.CandidateReason))
		})
}
