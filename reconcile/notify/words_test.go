package notify

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// everyState is a season's summary holding every line status, every kind
// of finding in both states with every answer, every file status, a
// waitlist entry, resolved findings and responses: each word the engine
// writes in run.json has something to name in the mail.
func everyState(wholesaler, lang string) Summary {
	s := sample(wholesaler, lang)
	d := reconcile.MustDate
	s.Lines = nil
	for i, st := range []reconcile.LineStatus{reconcile.Granted, reconcile.Increased, reconcile.Extended,
		reconcile.Unchanged, reconcile.Unchanged, reconcile.Ended, reconcile.Withdrawn} {
		s.Lines = append(s.Lines, reconcile.ReportLine{Wholesaler: wholesaler, Program: "mezzanine",
			ResellerID: "R" + string(rune('1'+i)), AmountCents: 100000, ValidFrom: d("2009-04-06"),
			ValidUntil: d("2009-05-20"), Status: st, Expiring: i == 4})
	}
	s.Discrepancies = nil
	kinds := []reconcile.DiscrepancyKind{reconcile.OverApplied, reconcile.UnderApplied, reconcile.MissingAccount,
		reconcile.FinancingLate, reconcile.FinancingOverdue, reconcile.InvalidSIREN}
	answers := append([]reconcile.Answer{""}, reconcile.Answers...)
	for i, k := range kinds {
		for j, state := range []reconcile.FindingState{reconcile.FindingNew, reconcile.FindingOpen} {
			s.Discrepancies = append(s.Discrepancies, reconcile.Discrepancy{Wholesaler: wholesaler, Kind: k,
				ResellerID: "D" + string(rune('1'+i)), Program: "mezzanine", OrderID: "O-" + string(rune('1'+j)),
				State: state, FirstSeen: d("2009-04-06"), ExpectedCents: 100000, ActualCents: 90000, Hours: 60,
				Response: answers[(2*i+j)%len(answers)], AnsweredOn: d("2009-04-27"), Comment: "vu"})
		}
	}
	for i, a := range reconcile.Answers {
		s.Resolved = append(s.Resolved, reconcile.ResolvedFinding{Wholesaler: wholesaler, Kind: kinds[i],
			ResellerID: "S" + string(rune('1'+i)), FirstSeen: d("2009-04-13"), Response: a, Comment: "ok"})
		s.Responses = append(s.Responses, reconcile.FindingResponse{Wholesaler: wholesaler, Kind: kinds[i],
			ResellerID: "D" + string(rune('1'+i)), Response: a, File: "reponses.xlsx"})
	}
	s.Files = nil
	for i, st := range []reconcile.FileStatus{reconcile.Processed, reconcile.Duplicate, reconcile.Quarantined,
		reconcile.Deferred, reconcile.Responses} {
		s.Files = append(s.Files, reconcile.FileResult{Wholesaler: wholesaler, Name: "f" + string(rune('1'+i)) + ".xlsx",
			SHA256: "ab", Status: st})
	}
	s.Waitlist = []reconcile.WaitEntry{{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "W1",
		AmountCents: 50000, ValidUntil: d("2009-06-30"), Rank: 1, Since: d("2009-04-27")}}
	return s
}

// rawWords are the engine's words (run.json's statuses, states, answers,
// kinds), as a reader of lang must never meet them: in English only those
// that are no English words, in French all but "active", which is French.
func rawWords(lang string) []string {
	var all []string
	for _, st := range []reconcile.LineStatus{reconcile.Granted, reconcile.Increased, reconcile.Extended,
		reconcile.Unchanged, reconcile.Expiring, reconcile.Ended, reconcile.Withdrawn, "waitlisted"} {
		all = append(all, string(st))
	}
	for _, k := range []reconcile.DiscrepancyKind{reconcile.OverApplied, reconcile.UnderApplied, reconcile.MissingAccount,
		reconcile.FinancingLate, reconcile.FinancingOverdue, reconcile.InvalidSIREN} {
		all = append(all, string(k))
	}
	all = append(all, string(reconcile.FindingNew), string(reconcile.FindingOpen))
	for _, a := range reconcile.Answers {
		all = append(all, string(a))
	}
	for _, f := range []reconcile.FileStatus{reconcile.Processed, reconcile.Duplicate, reconcile.Quarantined,
		reconcile.Deferred, reconcile.Responses} {
		all = append(all, string(f))
	}
	var out []string
	for _, w := range all {
		if (lang == "en" && strings.Contains(w, "_")) || (lang == "fr" && w != string(reconcile.Unchanged)) {
			out = append(out, w)
		}
	}
	return out
}

var tag = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)

// TestNoRawEngineWord renders the mails of a season with every state, in
// both languages, for a wholesaler and for the program managers, and
// looks for the engine's words in their text and HTML bodies.
func TestNoRawEngineWord(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		words := rawWords(lang)
		ws := everyState("actebis", lang)
		mgr := everyState("actebis", lang)
		mgr.Wholesaler, mgr.Wholesalers = "", map[string]string{"actebis": "Actebis"}
		for _, tc := range []struct {
			who string
			s   Summary
			fn  func(Summary, string, []string, time.Time) ([]reconcile.Message, error)
		}{{"wholesaler", ws, Render}, {"managers", mgr, RenderManagers}} {
			t.Run(lang+"/"+tc.who, func(t *testing.T) {
				msgs, err := tc.fn(tc.s, "encours <encours@vendor.example>", []string{"x@example.com"}, now)
				if err != nil {
					t.Fatal(err)
				}
				p := parse(t, msgs[0].EML)
				bodies := map[string]string{"text": p.text, "html": html.UnescapeString(tag.ReplaceAllString(p.html, " "))}
				for part, body := range bodies {
					for _, w := range words {
						re := regexp.MustCompile(`(^|[^\pL_])` + regexp.QuoteMeta(w) + `($|[^\pL_])`)
						if loc := re.FindStringIndex(body); loc != nil {
							from, to := max(0, loc[0]-60), min(len(body), loc[1]+60)
							t.Errorf("%s body shows the raw word %q: …%s…", part, w, body[from:to])
						}
					}
				}
			})
		}
	}
}
