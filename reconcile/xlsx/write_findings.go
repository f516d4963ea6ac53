package xlsx

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

// findingWords are the words of the findings' columns and sheets (spec
// §10), in one language.
type findingWords struct {
	state, lastAnswer                  string
	isNew, openSince, carried          string // openSince: date, age
	answered                           string // answer word, date
	resolvedSheet, noResolved          string
	resolvedHeader                     []string
	answerNote, answerPrompt, answerTo string
	listError                          string
}

var findingFR = findingWords{
	state: "État", lastAnswer: "Dernière réponse",
	isNew: "nouveau", openSince: "ouvert depuis le %s, %s",
	carried:  " — pas d'export reçu cette fois : non revérifié",
	answered: "%s le %s",
	// The sheet name stays under Excel's 31 characters.
	resolvedSheet: "Écarts résolus",
	noResolved:    "Aucun écart résolu par cette exécution.",
	resolvedHeader: []string{"Écart", "Code revendeur", "Raison sociale", "Programme", "N° commande",
		"Ouvert depuis le", "Résolu le", "Resté ouvert", "Dernière réponse"},
	answerNote: "À vous de répondre : choisissez pour chaque écart corrigé, contesté ou en cours dans la liste " +
		"de la colonne « %s », ajoutez si besoin un commentaire dans « %s », enregistrez le classeur et " +
		"déposez-le dans votre dossier encours. Ne modifiez pas la colonne « %s » : elle relie votre réponse à l'écart.",
	answerPrompt: "Choisissez corrigé, contesté ou en cours",
	answerTo:     "Votre réponse",
	listError:    "Choisissez corrigé, contesté ou en cours dans la liste.",
}

var findingEN = findingWords{
	state: "State", lastAnswer: "Latest answer",
	isNew: "new", openSince: "open since %s, %s",
	carried:       " — no export received this time: not checked again",
	answered:      "%s on %s",
	resolvedSheet: "Resolved",
	noResolved:    "None: no discrepancy resolved in this run.",
	resolvedHeader: []string{"Discrepancy", "Reseller ID", "Reseller name", "Program", "Order",
		"Open since", "Resolved on", "Stayed open", "Latest answer"},
	answerNote: "Your turn to answer: for each discrepancy choose fixed, disputed or in_progress in the list of " +
		"column \"%s\", add a comment in \"%s\" if you wish, save the workbook and drop it into your encours " +
		"folder. Do not change column \"%s\": it ties your answer to the discrepancy.",
	answerPrompt: "Choose fixed, disputed or in_progress",
	answerTo:     "Your response",
	listError:    "Choose fixed, disputed or in_progress from the list.",
}

func wordsOf(l lang) findingWords {
	if l.code == "en" {
		return findingEN
	}
	return findingFR
}

// Fills of the findings' cells.
const (
	newFill    = "FCE4D6" // light orange: a finding listed for the first time
	answerFill = "FFF2CC" // light yellow: the cells the wholesaler fills in
	answerHead = "FFD966" // amber: their headers
)

// findingStyles are the styles of the findings' columns.
type findingStyles struct {
	isNew, answer, answerHeader, ref int
}

func newFindingStyles(f *excelize.File) (findingStyles, error) {
	var fs findingStyles
	var err error
	if fs.isNew, err = f.NewStyle(&excelize.Style{
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{newFill}}, Font: &excelize.Font{Bold: true},
	}); err != nil {
		return fs, err
	}
	if fs.answer, err = f.NewStyle(&excelize.Style{
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{answerFill}},
		Border:     []excelize.Border{{Type: "left", Color: "BF8F00", Style: 1}, {Type: "right", Color: "BF8F00", Style: 1}, {Type: "bottom", Color: "D9D9D9", Style: 1}},
		Alignment:  &excelize.Alignment{WrapText: true, Vertical: "top"},
		Protection: &excelize.Protection{Locked: false},
	}); err != nil {
		return fs, err
	}
	if fs.answerHeader, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{answerHead}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	}); err != nil {
		return fs, err
	}
	fs.ref, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "808080", Family: "Courier New"}})
	return fs, err
}

// discSheet says how a discrepancies sheet is written.
type discSheet struct {
	name string
	// wholesalerCol, when not empty, heads a leading wholesaler column
	// (consolidated book); wholesaler names its values.
	wholesalerCol string
	wholesaler    func(string) string
	// answers adds the columns the wholesaler fills in (its own book):
	// a response chosen from a list, a comment, the finding's reference.
	answers bool
	asOf    reconcile.Date
	// name gives a reseller's name (Raison sociale) by wholesaler and id.
	reseller func(wholesaler, id string) string
	program  func(string) string
}

// stateText says where a finding stands: "nouveau", or "ouvert depuis le
// 06/04/2009, 4 semaines".
func stateText(l lang, w findingWords, d reconcile.Discrepancy, asOf reconcile.Date) string {
	s := w.isNew
	if d.State != reconcile.FindingNew {
		s = fmt.Sprintf(w.openSince, d.FirstSeen.Format(l.code), reconcile.Age(l.code, d.FirstSeen, asOf))
	}
	if d.Carried {
		s += w.carried
	}
	return s
}

// answerText is the latest answer to a finding: "contesté le 27/04/2009 —
// déjà appliqué".
func answerText(l lang, w findingWords, a reconcile.Answer, on reconcile.Date, comment string) string {
	if a == "" {
		return ""
	}
	s := fmt.Sprintf(w.answered, a.Label(l.code), on.Format(l.code))
	if on.IsZero() {
		s = a.Label(l.code)
	}
	if comment != "" {
		s += " — " + comment
	}
	return s
}

// findingOrder returns ds with the new findings first, then the open ones,
// by wholesaler first when the sheet has a wholesaler column; a copy.
func findingOrder(ds []reconcile.Discrepancy, byWholesaler bool) []reconcile.Discrepancy {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b reconcile.Discrepancy) int {
		if byWholesaler {
			if c := cmp.Compare(a.Wholesaler, b.Wholesaler); c != 0 {
				return c
			}
		}
		return compareBool(a.State != reconcile.FindingNew, b.State != reconcile.FindingNew)
	})
	return out
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// writeDiscrepancies streams a discrepancies sheet: each finding, new ones
// first, with its state and age and its latest answer; with ds.answers,
// the response (a drop-down list) and comment columns the wholesaler fills
// in, unlocked on a sheet protected without a password (filters and sorting
// allowed), and the finding's reference that ties an answer to it.
func writeDiscrepancies(f *excelize.File, l lang, st *styles, fst findingStyles, o discSheet, ds []reconcile.Discrepancy) error {
	sheet := o.name
	if len(ds) == 0 {
		return writeNone(f, sheet, l.noDisc, st)
	}
	ds = findingOrder(ds, o.wholesalerCol != "")
	w := wordsOf(l)
	head := slices.Concat(l.discHeader, []string{w.state, w.lastAnswer})
	widths := []float64{40, 16, 28, 24, 14, 16, 16, 14, 8, 52, 45}
	hdr := layout.ResponseHeaders(l.code)
	if o.answers {
		head = append(head, hdr[layout.ResponseAnswer], hdr[layout.ResponseComment], hdr[layout.ResponseRef])
		widths = append(widths, 18, 40, 13)
	}
	lead := 0
	if o.wholesalerCol != "" {
		head = append([]string{o.wholesalerCol}, head...)
		widths = append([]float64{18}, widths...)
		lead = 1
	}
	n := len(ds)
	if err := prepareStream(f, sheet, 1, len(head), n+1); err != nil {
		return err
	}
	answerCol := lead + len(l.discHeader) + 2 // 0-based index of the response column
	if o.answers {
		if err := answerColumns(f, l, w, sheet, answerCol, n); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, 1); err != nil {
		return err
	}
	if err := setWidths(sw, widths...); err != nil {
		return err
	}
	header := headerCells(st, head)
	if o.answers {
		for j := answerCol; j < answerCol+2; j++ {
			header[j] = cell(fst.answerHeader, text(head[j]))
		}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	row := make([]any, len(head))
	for i, d := range ds {
		clear(row)
		if lead == 1 {
			row[0] = cell(st.plain[kText], text(o.wholesaler(d.Wholesaler)))
		}
		r := row[lead:]
		r[0] = cell(st.plain[kText], kindWord(l, d.Kind))
		r[1] = cell(st.plain[kText], text(d.ResellerID))
		r[2] = cell(st.plain[kText], text(o.reseller(d.Wholesaler, d.ResellerID)))
		r[3] = cell(st.plain[kText], text(programOrEmpty(o.program, d.Program)))
		r[4] = cell(st.plain[kText], text(d.OrderID))
		switch d.Kind {
		case reconcile.OverApplied, reconcile.UnderApplied:
			r[5] = cell(st.plain[kAmount], amount(d.ExpectedCents))
			r[6] = cell(st.plain[kAmount], amount(d.ActualCents))
			r[7] = cell(st.plain[kAmount], amount(d.ActualCents-d.ExpectedCents))
		case reconcile.MissingAccount:
			r[5] = cell(st.plain[kAmount], amount(d.ExpectedCents))
		case reconcile.FinancingLate, reconcile.FinancingOverdue:
			r[8] = cell(st.plain[kInt], d.Hours)
		}
		stateStyle := st.plain[kText]
		if d.State == reconcile.FindingNew {
			stateStyle = fst.isNew
		}
		r[9] = cell(stateStyle, text(stateText(l, w, d, o.asOf)))
		r[10] = cell(st.plain[kText], text(answerText(l, w, d.Response, d.AnsweredOn, d.Comment)))
		if o.answers {
			r[11] = cell(fst.answer, "")
			r[12] = cell(fst.answer, "")
			r[13] = cell(fst.ref, text(d.Ref))
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// answerColumns sets what must be in place before the stream opens: the
// drop-down list of the response column, the note on its header, and the
// protection that leaves only the answer cells editable.
func answerColumns(f *excelize.File, l lang, w findingWords, sheet string, col, n int) error {
	name := func(c int) string {
		s, _ := excelize.ColumnNumberToName(c + 1)
		return s
	}
	hdr := layout.ResponseHeaders(l.code)
	words := make([]string, len(reconcile.Answers))
	for i, a := range reconcile.Answers {
		words[i] = a.Word(l.code)
	}
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s2:%s%d", name(col), name(col), n+1))
	if err := dv.SetDropList(words); err != nil {
		return err
	}
	dv.SetInput(w.answerTo, w.answerPrompt)
	dv.SetError(excelize.DataValidationErrorStyleStop, w.answerTo, w.listError)
	if err := f.AddDataValidation(sheet, dv); err != nil {
		return err
	}
	if err := f.AddComment(sheet, excelize.Comment{
		Cell: name(col) + "1", Author: "encours", Width: 360, Height: 150,
		Text: fmt.Sprintf(w.answerNote, hdr[layout.ResponseAnswer], hdr[layout.ResponseComment], hdr[layout.ResponseRef]),
	}); err != nil {
		return err
	}
	// No password: the protection keeps the figures and the references
	// from being changed by mistake, it is no lock (Review > Unprotect).
	return f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		AutoFilter: true, Sort: true, FormatColumns: true, FormatRows: true,
		SelectLockedCells: true, SelectUnlockedCells: true,
	})
}

// writeResolved streams the sheet of the findings this run resolved, each
// with how long it stayed open and its latest answer.
func writeResolved(f *excelize.File, l lang, st *styles, sheet, wholesalerCol string, wholesaler func(string) string,
	rs []reconcile.ResolvedFinding, asOf reconcile.Date, name func(wholesaler, id string) string, program func(string) string) error {
	w := wordsOf(l)
	if len(rs) == 0 {
		return writeNone(f, sheet, w.noResolved, st)
	}
	head := w.resolvedHeader
	widths := []float64{40, 16, 28, 24, 14, 16, 14, 14, 40}
	lead := 0
	if wholesalerCol != "" {
		head = append([]string{wholesalerCol}, head...)
		widths = append([]float64{18}, widths...)
		lead = 1
	}
	return streamTable(f, sheet, st, head, widths, len(rs), func(i int, row []any) {
		d := rs[i]
		if lead == 1 {
			row[0] = cell(st.plain[kText], text(wholesaler(d.Wholesaler)))
		}
		r := row[lead:]
		r[0] = cell(st.plain[kText], kindWord(l, d.Kind))
		r[1] = cell(st.plain[kText], text(d.ResellerID))
		r[2] = cell(st.plain[kText], text(name(d.Wholesaler, d.ResellerID)))
		r[3] = cell(st.plain[kText], text(programOrEmpty(program, d.Program)))
		r[4] = cell(st.plain[kText], text(d.OrderID))
		r[5] = cell(st.plain[kDate], serial(d.FirstSeen))
		r[6] = cell(st.plain[kDate], serial(asOf))
		r[7] = cell(st.plain[kText], reconcile.Age(l.code, d.FirstSeen, asOf))
		r[8] = cell(st.plain[kText], text(answerText(l, w, d.Response, 0, d.Comment)))
	})
}

// writeMarker writes the very hidden sheet that names the workbook's run
// and wholesaler with its signature (spec §10.2). It must run before any
// sheet is streamed: hiding a sheet reads every sheet.
func writeMarker(f *excelize.File, m reconcile.Marker, signature string) error {
	if _, err := f.NewSheet(layout.MarkerSheet); err != nil {
		return err
	}
	for i, r := range layout.MarkerRows(m, signature) {
		for j, v := range r {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr(layout.MarkerSheet, ref, v); err != nil {
				return err
			}
		}
	}
	return f.SetSheetVisible(layout.MarkerSheet, false, true)
}
