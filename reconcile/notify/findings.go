package notify

import (
	"fmt"

	"github.com/encours/encours/reconcile"
)

// findingsView holds what an email says of the findings (spec §10): the
// new ones and the open ones apart, with their age and latest answer, the
// ones this run resolved, and the answers it received.
type findingsView struct {
	New, Open  []discView
	Resolved   []resolvedView
	Answered   []discView // program managers: open findings with an answer
	MoreNew    int
	MoreOpen   int
	MoreRes    int
	MoreAnswer int
	// Carried: the open findings are those of the last export, the
	// wholesaler sent none this run.
	Carried bool
	// AnswerFiles names the response files this run read, Answers counts
	// the answers they brought.
	AnswerFiles []string
	Answers     int
}

// resolvedView is one finding resolved in the run.
type resolvedView struct {
	Kind, KindWord, Reseller, Program, OrderID, Wholesaler string
	Since, Age, Answer                                     string
}

// kindWords name the kinds of finding in a few words, for lists.
var kindWords = map[string]map[reconcile.DiscrepancyKind]string{
	"fr": {
		reconcile.OverApplied: "ligne appliquée supérieure à la ligne accordée", reconcile.UnderApplied: "ligne appliquée inférieure à la ligne accordée",
		reconcile.MissingAccount: "compte absent de l'export", reconcile.FinancingLate: "financement payé hors délai",
		reconcile.FinancingOverdue: "financement non payé dans le délai", reconcile.InvalidSIREN: "SIREN invalide",
	},
	"en": {
		reconcile.OverApplied: "applied line above the granted line", reconcile.UnderApplied: "applied line below the granted line",
		reconcile.MissingAccount: "account missing from the export", reconcile.FinancingLate: "financing paid late",
		reconcile.FinancingOverdue: "financing not paid in time", reconcile.InvalidSIREN: "invalid SIREN",
	},
}

// KindWord names a kind of finding for a reader of lang in a few words
// ("compte absent de l'export").
func KindWord(lang string, k reconcile.DiscrepancyKind) string {
	if w := kindWords[language(lang)][k]; w != "" {
		return w
	}
	return clean(string(k))
}

var statusWords = map[string]map[reconcile.LineStatus]string{
	"fr": {reconcile.Granted: "accordée", reconcile.Increased: "relevée", reconcile.Extended: "prolongée",
		reconcile.Unchanged: "active", reconcile.Ended: "échue", reconcile.Withdrawn: "révoquée"},
	"en": {reconcile.Granted: "granted", reconcile.Increased: "increased", reconcile.Extended: "extended",
		reconcile.Unchanged: "active", reconcile.Ended: "expired", reconcile.Withdrawn: "revoked"},
}

// StatusWord names what a run did to a line for a reader of lang.
func StatusWord(lang string, s reconcile.LineStatus) string {
	if w := statusWords[language(lang)][s]; w != "" {
		return w
	}
	return clean(string(s))
}

// answerText is a finding's latest answer as a reader of lang reads it:
// "contesté le 27/04/2009 : déjà appliqué".
func answerText(lang string, a reconcile.Answer, on reconcile.Date, comment string) string {
	if a == "" {
		return ""
	}
	s := a.Label(lang)
	if !on.IsZero() {
		if lang == "en" {
			s += " on " + date(on, lang)
		} else {
			s += " le " + date(on, lang)
		}
	}
	if c := clean(comment); c != "" {
		if lang == "en" {
			s += " — “" + c + "”"
		} else {
			s += " — «\u00a0" + c + "\u00a0»"
		}
	}
	return s
}

// sinceText says since when a finding is open: "ouvert depuis le
// 06/04/2009, 4 semaines" / "open since 6 Apr 2009, 4 weeks".
func sinceText(lang string, since, asOf reconcile.Date) string {
	if lang == "en" {
		return fmt.Sprintf("open since %s, %s", date(since, lang), reconcile.Age(lang, since, asOf))
	}
	return fmt.Sprintf("ouvert depuis le %s, %s", date(since, lang), reconcile.Age(lang, since, asOf))
}

func (v *view) discOf(s Summary, d reconcile.Discrepancy) discView {
	lang := v.Lang
	gap := d.ActualCents - d.ExpectedCents
	if gap < 0 {
		gap = -gap
	}
	dv := discView{
		Kind: string(d.Kind), KindWord: KindWord(lang, d.Kind), Reseller: reseller(s, d.ResellerID), Program: programName(s, d.Program),
		OrderID: clean(d.OrderID), Expected: money(d.ExpectedCents, lang),
		Actual: money(d.ActualCents, lang), Gap: money(gap, lang), Hours: d.Hours,
		Answer: answerText(lang, d.Response, d.AnsweredOn, d.Comment), Wholesaler: wholesalerName(s, d.Wholesaler),
		New: d.State == reconcile.FindingNew, Carried: d.Carried,
	}
	if !dv.New && !d.FirstSeen.IsZero() {
		dv.Since = sinceText(lang, d.FirstSeen, s.AsOf)
	}
	return dv
}

// buildFindings splits the findings into new and open ones, lists the
// resolved ones and, for the program managers, the answered ones.
func buildFindings(s Summary, v *view) {
	lang := v.Lang
	f := &v.Findings
	for i := range s.Discrepancies {
		d := &s.Discrepancies[i]
		var dv *discView // made once, when first listed
		view := func() discView {
			if dv == nil {
				x := v.discOf(s, *d)
				dv = &x
			}
			return *dv
		}
		if d.State == reconcile.FindingNew {
			listed(&f.New, &v.Counts.NewFindings, view)
		} else {
			listed(&f.Open, &v.Counts.OpenFindings, view)
			f.Carried = f.Carried || d.Carried
		}
		if d.Response != "" {
			listed(&f.Answered, &v.Counts.Answered, view)
		}
	}
	for _, r := range s.Resolved {
		listed(&f.Resolved, &v.Counts.Resolved, func() resolvedView {
			return resolvedView{
				Kind: string(r.Kind), KindWord: KindWord(lang, r.Kind), Reseller: reseller(s, r.ResellerID), Program: programName(s, r.Program),
				OrderID: clean(r.OrderID), Wholesaler: wholesalerName(s, r.Wholesaler),
				Since: date(r.FirstSeen, lang), Age: reconcile.Age(lang, r.FirstSeen, s.AsOf),
				Answer: answerText(lang, r.Response, 0, r.Comment),
			}
		})
	}
	seen := map[string]bool{}
	for _, r := range s.Responses {
		f.Answers++
		if n := clean(r.File); !seen[n] {
			seen[n] = true
			f.AnswerFiles = append(f.AnswerFiles, n)
		}
	}
	f.MoreNew = v.Counts.NewFindings - len(f.New)
	f.MoreOpen = v.Counts.OpenFindings - len(f.Open)
	f.MoreRes = v.Counts.Resolved - len(f.Resolved)
	f.MoreAnswer = v.Counts.Answered - len(f.Answered)
}
