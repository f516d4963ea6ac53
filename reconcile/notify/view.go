package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/encours/encours/reconcile"
)

// The view types are what the templates see: every figure already
// formatted for the email's language, every untrusted text already cleaned.

type view struct {
	Lang           string
	Subject        string
	Vendor         string
	Wholesaler     string
	WholesalerName string
	Week           int
	AsOf           string
	Received       bool
	Attachment     string
	// MoreExpiring, MoreDiscrepancies and MoreRejected are how many items
	// of those sections the email leaves out (see maxListed).
	MoreExpiring, MoreDiscrepancies, MoreRejected int
	// Omitted names a workbook too large to attach, OmittedSize its size
	// and OmittedWhere where it is kept.
	Omitted, OmittedSize, OmittedWhere string

	Counts         counts
	Exposure       string // sum of the valid lines
	NewAmount      string // sum of the lines granted this run
	ExpiringAmount string

	New, Increased, Extended, Expiring, Expired, Revoked []lineView

	Discrepancies []discView
	Rejected      []rejectedView
	Quarantined   []fileView
	Deferred      []fileView
	Files         []fileView
	Warnings      []string

	// Waitlist lists a wholesaler's own waitlisted resellers (at most
	// maxListed; MoreWaitlisted more), WaitlistAmount what they all claim.
	Waitlist       []waitView
	MoreWaitlisted int
	WaitlistAmount string

	// Findings splits the discrepancies into new and open ones and lists
	// the resolved ones and the answers (spec §10).
	Findings findingsView

	// Totals, Budgets and TopExposures are filled for the program
	// managers only.
	Totals       []wholesalerView
	Budgets      []budgetView
	TopExposures []exposureView
}

type counts struct {
	Active, New, Increased, Extended, Expiring, Expired, Revoked int
	Discrepancies, Rejected, Quarantined, Deferred               int
	// Waitlisted counts the Summary's waitlist entries; Resellers the
	// reseller companies (SIRENs) holding a valid line.
	Waitlisted, Resellers int
	// NewFindings and OpenFindings split Discrepancies; Resolved counts
	// the findings the run resolved, Answered the findings with an answer.
	NewFindings, OpenFindings, Resolved, Answered int
}

type lineView struct {
	Reseller, Program, Amount, From, Until, Reason string
	DaysLeft                                       int
}

type discView struct {
	Kind, KindWord, Reseller, Program, OrderID, Expected, Actual, Gap string
	Hours                                                             int64
	// Since says since when an open finding is listed ("ouvert depuis le
	// 06/04/2009, 4 semaines"), empty for a new one; Answer is its latest
	// answer; Wholesaler names its wholesaler (program managers).
	Since, Answer, Wholesaler string
	New, Carried              bool
}

type rejectedView struct {
	File, Sheet, Column, Reason string
	Row                         int
}

type fileView struct {
	Wholesaler, WholesalerName, Name, Status, Error string
}

type wholesalerView struct {
	ID, Name                             string
	Received                             bool
	Programs                             []programView
	Discrepancies, Rejected, Quarantined int
	// NewFindings, Resolved and Answered count its findings new in the
	// run, resolved by it, and carrying an answer.
	NewFindings, Resolved, Answered int
}

type programView struct {
	Name                                   string
	Lines, New, Expiring, Expired, Revoked int
	Beneficiaries                          int
	Exposure, ExpiringAmount               string
	exposure, expiringAmount               reconcile.Cents
	resellers                              map[string]bool
}

// section pairs a title with a list, for the "lines" template.
type section struct {
	Title string
	Items []lineView
	// More is how many lines of the section the email leaves out (see
	// maxListed).
	More int
}

// maxListed caps the items an email lists per section (lines of each
// status, discrepancies, rejected rows): a million-row export would
// otherwise make a message of hundreds of megabytes. The counts stay
// exact, the email says how many it leaves out, and the workbook lists
// every one.
const maxListed = 100

// listed appends x() to *items while fewer than maxListed are there, and
// counts it in *n either way: an item is only formatted when it is listed
// (a million-row run has hundreds of thousands of each).
func listed[T any](items *[]T, n *int, x func() T) {
	*n++
	if len(*items) < maxListed {
		*items = append(*items, x())
	}
}

// clean makes untrusted text safe to show: control characters (CR, LF,
// tabs, Unicode line separators) become spaces, so a reseller name never
// forges a line of the plain-text body, and runs of spaces collapse.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.FieldsFunc(s, isBreakSpace), " ")
}

// isBreakSpace reports the spaces a line may break at; the no-break spaces
// inside amounts and dates are not among them.
func isBreakSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// nbsp keeps a formatted amount or date on one line in both alternatives.
func nbsp(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

func money(c reconcile.Cents, lang string) string { return nbsp(c.Format(lang)) }

func date(d reconcile.Date, lang string) string { return nbsp(d.Format(lang)) }

func isValid(st reconcile.LineStatus) bool {
	switch st {
	case reconcile.Granted, reconcile.Increased, reconcile.Extended, reconcile.Unchanged, reconcile.Expiring:
		return true
	}
	return false
}

func programName(s Summary, id string) string {
	if n := s.Programs[id]; n != "" {
		return clean(n)
	}
	return clean(id)
}

// reseller labels a reseller by its id and, when the export gave one, its
// name.
func reseller(s Summary, id string) string {
	if n := clean(s.Resellers[id]); n != "" && n != clean(id) {
		return clean(id) + " · " + n
	}
	return clean(id)
}

func wholesalerName(s Summary, id string) string {
	if n := s.Wholesalers[id]; n != "" {
		return clean(n)
	}
	if id == s.Wholesaler && s.WholesalerName != "" {
		return clean(s.WholesalerName)
	}
	return clean(id)
}

func language(l string) string {
	if l == "en" {
		return "en"
	}
	return "fr"
}

// buildView turns a Summary into what the templates see.
func buildView(s Summary, attachment string) view {
	lang := language(s.Language)
	_, week := s.AsOf.Time(time.UTC).ISOWeek()
	v := view{
		Lang: lang, Vendor: clean(s.Vendor), Wholesaler: clean(s.Wholesaler),
		WholesalerName: wholesalerName(s, s.Wholesaler), Week: week,
		AsOf: date(s.AsOf, lang), Received: s.Received, Attachment: attachment,
	}
	var exposure, granted, expiring reconcile.Cents
	lineOf := func(l *reconcile.ReportLine) lineView {
		return lineView{
			Reseller: reseller(s, l.ResellerID), Program: programName(s, l.Program),
			Amount: money(l.AmountCents, lang), From: date(l.ValidFrom, lang),
			Until: date(l.ValidUntil, lang), Reason: clean(l.Reason),
			DaysLeft: int(l.ValidUntil - s.AsOf),
		}
	}
	var soon []int // the expiring lines, by index in s.Lines
	for i := range s.Lines {
		l := &s.Lines[i]
		lv := func() lineView { return lineOf(l) }
		switch l.Status {
		case reconcile.Granted:
			listed(&v.New, &v.Counts.New, lv)
			granted += l.AmountCents
		case reconcile.Increased:
			listed(&v.Increased, &v.Counts.Increased, lv)
		case reconcile.Extended:
			listed(&v.Extended, &v.Counts.Extended, lv)
		case reconcile.Ended:
			listed(&v.Expired, &v.Counts.Expired, lv)
		case reconcile.Withdrawn:
			listed(&v.Revoked, &v.Counts.Revoked, lv)
		}
		if isValid(l.Status) {
			v.Counts.Active++
			exposure += l.AmountCents
			if l.Expiring || l.Status == reconcile.Expiring {
				soon = append(soon, i)
				expiring += l.AmountCents
			}
		}
	}
	slices.SortStableFunc(soon, func(a, b int) int { return cmp.Compare(s.Lines[a].ValidUntil, s.Lines[b].ValidUntil) })
	v.Counts.Expiring = len(soon)
	for _, i := range soon[:min(len(soon), maxListed)] {
		v.Expiring = append(v.Expiring, lineOf(&s.Lines[i]))
	}
	v.MoreExpiring = v.Counts.Expiring - len(v.Expiring)
	v.Exposure, v.NewAmount, v.ExpiringAmount = money(exposure, lang), money(granted, lang), money(expiring, lang)

	for i := range s.Discrepancies {
		listed(&v.Discrepancies, &v.Counts.Discrepancies, func() discView { return v.discOf(s, s.Discrepancies[i]) })
	}
	v.MoreDiscrepancies = v.Counts.Discrepancies - len(v.Discrepancies)
	buildFindings(s, &v)
	// A wholesaler is told what it can do, not what the vendor's
	// configuration would need.
	problem := LocalProblem
	if s.Wholesaler != "" {
		problem = WholesalerProblem
	}
	for _, r := range s.Rejected {
		listed(&v.Rejected, &v.Counts.Rejected, func() rejectedView {
			return rejectedView{
				File: clean(r.File), Sheet: clean(r.Sheet), Column: clean(r.Column),
				Reason: clean(problem(lang, r.Reason)), Row: r.Row,
			}
		})
	}
	v.MoreRejected = v.Counts.Rejected - len(v.Rejected)
	for _, f := range s.Files {
		fv := fileView{
			Wholesaler: clean(f.Wholesaler), WholesalerName: wholesalerName(s, f.Wholesaler),
			Name: clean(f.Name), Status: string(f.Status), Error: clean(problem(lang, f.Error)),
		}
		v.Files = append(v.Files, fv)
		switch f.Status {
		case reconcile.Quarantined:
			v.Quarantined = append(v.Quarantined, fv)
		case reconcile.Deferred:
			v.Deferred = append(v.Deferred, fv)
		}
	}
	v.Counts.Quarantined, v.Counts.Deferred = len(v.Quarantined), len(v.Deferred)
	buildWaitlist(s, &v)
	for _, w := range s.Warnings {
		v.Warnings = append(v.Warnings, clean(localWarning(lang, w, func(id string) string { return programName(s, id) })))
	}
	return v
}

// buildTotals fills the per-wholesaler, per-program table of the program
// managers' email.
func buildTotals(s Summary, v *view) {
	lang := v.Lang
	byID := map[string]*wholesalerView{}
	get := func(id string) *wholesalerView {
		if w, ok := byID[id]; ok {
			return w
		}
		w := &wholesalerView{ID: clean(id), Name: wholesalerName(s, id)}
		byID[id] = w
		return w
	}
	for id := range s.Wholesalers {
		get(id)
	}
	progs := map[[2]string]*programView{}
	for _, l := range s.Lines {
		w := get(l.Wholesaler)
		key := [2]string{l.Wholesaler, l.Program}
		p, ok := progs[key]
		if !ok {
			p = &programView{Name: programName(s, l.Program), resellers: map[string]bool{}}
			progs[key] = p
		}
		_ = w
		switch l.Status {
		case reconcile.Granted:
			p.New++
		case reconcile.Ended:
			p.Expired++
		case reconcile.Withdrawn:
			p.Revoked++
		}
		if isValid(l.Status) {
			p.Lines++
			p.exposure += l.AmountCents
			p.resellers[l.ResellerID] = true
			if l.Expiring || l.Status == reconcile.Expiring {
				p.Expiring++
				p.expiringAmount += l.AmountCents
			}
		}
	}
	for key, p := range progs {
		p.Beneficiaries = len(p.resellers)
		p.Exposure, p.ExpiringAmount = money(p.exposure, lang), money(p.expiringAmount, lang)
		w := byID[key[0]]
		w.Programs = append(w.Programs, *p)
	}
	for _, d := range s.Discrepancies {
		w := get(d.Wholesaler)
		w.Discrepancies++
		if d.State == reconcile.FindingNew {
			w.NewFindings++
		}
		if d.Response != "" {
			w.Answered++
		}
	}
	for _, r := range s.Resolved {
		get(r.Wholesaler).Resolved++
	}
	for _, r := range s.Rejected {
		get(r.Wholesaler).Rejected++
	}
	for _, f := range s.Files {
		w := get(f.Wholesaler)
		switch f.Status {
		case reconcile.Processed:
			w.Received = true
		case reconcile.Quarantined:
			w.Quarantined++
		}
	}
	for _, w := range byID {
		slices.SortFunc(w.Programs, func(a, b programView) int { return cmp.Compare(a.Name, b.Name) })
		v.Totals = append(v.Totals, *w)
	}
	slices.SortFunc(v.Totals, func(a, b wholesalerView) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
}

// para wraps text at 72 columns for the plain-text body: the first line
// starts with prefix, the next ones are indented to line up under it.
func para(prefix, text string) string {
	const width = 72
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var b strings.Builder
	b.WriteString(prefix)
	col := utf8.RuneCountInString(prefix)
	first := true
	for _, w := range strings.FieldsFunc(text, isBreakSpace) {
		n := utf8.RuneCountInString(w)
		switch {
		case first:
			first = false
		case col+1+n > width:
			b.WriteString("\n")
			b.WriteString(indent)
			col = len(indent)
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}

// pluralFunc returns the template function that writes "3 lignes": French
// uses the singular for 0 and 1, English only for 1. The count is grouped
// as number writes it.
func pluralFunc(lang string) func(n any, one, many string) string {
	return func(n any, one, many string) string {
		v, ok := asInt(n)
		if !ok {
			return fmt.Sprint(n, "\u00a0", many)
		}
		singular := v == 1
		if lang == "fr" {
			singular = v >= -1 && v <= 1
		}
		if singular {
			return number(lang, v) + "\u00a0" + one
		}
		return number(lang, v) + "\u00a0" + many
	}
}

// numFunc returns the template function num: a count as number writes
// it, anything else as fmt.Sprint does.
func numFunc(lang string) func(n any) string {
	return func(n any) string {
		if v, ok := asInt(n); ok {
			return number(lang, v)
		}
		return fmt.Sprint(n)
	}
}

func asInt(n any) (int64, bool) {
	switch x := n.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// number writes a count with its thousands grouped: "20\u00a0060" in
// French (a no-break space, as in the amounts), "20,060" in English.
func number(lang string, n int64) string {
	sep := "\u00a0"
	if lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
