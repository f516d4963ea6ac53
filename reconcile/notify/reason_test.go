package notify

import (
	"regexp"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

func TestLocalReason(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"fr", "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €",
			"encours de 12 340,00 € supérieur à la limite assurée de 9 000,00 € : dépassement de 3 340,00 €"},
		{"fr", "outstanding 22 500,00 € exceeds insured limit 10 000,00 € by 12 500,00 €; capped at 5 000,00 €",
			"encours de 22 500,00 € supérieur à la limite assurée de 10 000,00 € : dépassement de 12 500,00 € ; ligne plafonnée à 5 000,00 €"},
		{"fr", "outstanding 22 720,00 € exceeds insured limit 20 000,00 € by 2 720,00 €; line raised from 1 300,00 € to 2 800,00 €",
			"encours de 22 720,00 € supérieur à la limite assurée de 20 000,00 € : dépassement de 2 720,00 € ; ligne relevée de 1 300,00 € à 2 800,00 €"},
		{"fr", "order O-09-2008 of 2009-04-22: 1 100,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months; extended from 2009-09-15 to 2009-10-21",
			"commande O-09-2008 du 22/04/2009 : 1 100,00 € de produits OEM Office (seuil 1 000,00 €) ; ligne de 5 000,00 € pour 6 mois ; prolongée du 15/09/2009 au 21/10/2009"},
		{"fr", "ended on 2009-04-20", "échue le 20/04/2009"},
		{"fr", "reseller terminated at the wholesaler; line revoked", "revendeur radié chez le grossiste ; ligne révoquée"},
		// An unknown phrasing stays whole, in English, dates localised.
		{"fr", "something new on 2009-04-20; line revoked", "something new on 20/04/2009; line revoked"},
		{"en", "ended on 2009-04-20", "ended on 20 Apr 2009"},
		{"en", "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €",
			"outstanding €12,340.00 exceeds insured limit €9,000.00 by €3,340.00"},
		{"en", "outstanding -1 234 567,05 € exceeds insured limit 0,00 € by 5,00 €",
			"outstanding -€1,234,567.05 exceeds insured limit €0.00 by €5.00"},
		{"fr", "", ""},
	}
	for _, tt := range tests {
		if got := LocalReason(tt.lang, tt.in); got != tt.want {
			t.Errorf("LocalReason(%s, %q)\n got %q\nwant %q", tt.lang, tt.in, got, tt.want)
		}
	}
}

// TestLocalReasonBudgets takes the budget phrasings from the engine itself
// (a claim waitlisted for the money, one for the places, an increase held
// back, a grant from the waitlist), so that a change of wording there
// cannot leave French readers with English.
func TestLocalReasonBudgets(t *testing.T) {
	asOf := reconcile.MustDate("2009-05-04")
	acc := func(id string, limit, out int64) reconcile.Account {
		return reconcile.Account{ResellerID: id, Status: reconcile.Active,
			InsuredLimit: reconcile.Euros(limit), Outstanding: reconcile.Euros(out)}
	}
	program := func(b reconcile.Budget) reconcile.Program {
		return reconcile.Program{ID: "mezzanine", Kind: reconcile.CreditTopUp, Wholesalers: []string{"w"},
			From: reconcile.MustDate("2009-03-02"), Until: reconcile.MustDate("2009-06-30"),
			MaxAmount: reconcile.Euros(5000), RoundUpTo: reconcile.Euros(100), Budget: &b}
	}
	line := reconcile.Line{ID: 1, Wholesaler: "w", Program: "mezzanine", ResellerID: "A", Amount: reconcile.Euros(1000),
		ValidFrom: asOf - 7, ValidUntil: reconcile.MustDate("2009-06-30"), State: reconcile.Valid}
	var reasons []string
	for _, b := range []reconcile.Budget{{MaxTotal: reconcile.Euros(1500)}, {MaxTotal: reconcile.Euros(1000)}, {MaxBeneficiaries: 1}, {MaxBeneficiaries: 2}} {
		out := reconcile.Evaluate(reconcile.Input{AsOf: asOf, Programs: []reconcile.Program{program(b)},
			Lines: []reconcile.Line{line},
			Feeds: []reconcile.Feed{{Wholesaler: "w", Accounts: []reconcile.Account{acc("A", 1000, 3000), acc("B", 1000, 3000)}}}})
		for _, l := range out.Lines {
			reasons = append(reasons, l.Reason)
		}
		for _, w := range out.Waitlist {
			reasons = append(reasons, w.Reason)
		}
		// The next week, with room: B is granted from the waitlist.
		next := reconcile.Evaluate(reconcile.Input{AsOf: asOf + 7, Programs: []reconcile.Program{program(reconcile.Budget{MaxTotal: reconcile.Euros(9000)})},
			Waitlist: out.Waitlist,
			Feeds:    []reconcile.Feed{{Wholesaler: "w", Accounts: []reconcile.Account{acc("B", 1000, 3000)}}}})
		for _, l := range next.Lines {
			reasons = append(reasons, l.Reason)
		}
	}
	seen := map[string]bool{}
	for _, r := range reasons {
		for _, w := range []string{"waitlist", "budget", "capped", "raised"} {
			if strings.Contains(r, w) {
				seen[w] = true
			}
		}
		fr := LocalReason("fr", r)
		for _, english := range []string{"waitlist", "budget has", "capped by", "raised", "granted", "exceeds"} {
			if strings.Contains(fr, english) {
				t.Errorf("LocalReason(fr, %q) = %q: still English", r, fr)
				break
			}
		}
	}
	for _, w := range []string{"waitlist", "budget", "capped", "raised"} {
		if !seen[w] {
			t.Errorf("no reason of the scenario says %q: %q", w, reasons)
		}
	}
}

// BenchmarkLocalReason rewrites the reasons a large run gives most often
// (a capped top-up, an order-triggered line) in French and in English.
func BenchmarkLocalReason(b *testing.B) {
	reasons := []string{
		"outstanding 11 588,41 € exceeds insured limit 7 000,00 € by 4 588,41 €",
		"outstanding 23 100,00 € exceeds insured limit 12 000,00 € by 11 100,00 €; capped at 5 000,00 €",
		"order CMD-00012345 of 2009-04-28: 1 250,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months",
	}
	for _, lang := range []string{"fr", "en"} {
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				for _, r := range reasons {
					LocalReason(lang, r)
				}
			}
		})
	}
}

// isoDate is the pattern localDates finds by hand.
var isoDate = regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`)

// localDatesRegexp is localDates as a regexp pass, what it must equal.
func localDatesRegexp(lang, s string) string {
	return isoDate.ReplaceAllStringFunc(s, func(d string) string {
		var dt reconcile.Date
		if err := dt.UnmarshalText([]byte(d)); err != nil {
			return d
		}
		return dt.Format(lang)
	})
}

// FuzzLocalDates checks localDates against the regexp it replaces: dates
// at the ends, glued to words or other dates, impossible dates (kept),
// accents and bytes that are not UTF-8 around them.
func FuzzLocalDates(f *testing.F) {
	for _, s := range []string{
		"ended on 2009-05-04", "2009-05-04", "extended from 2009-04-30 to 2009-10-31", "x2009-05-04", "2009-05-04x",
		"_2009-05-04", "é2009-05-04é", "2009-13-45 and 2009-02-29", "2009-05-042009-05-04", "12009-05-04",
		"2009-05-04-2009-05-05", "\xff2009-05-04\xfe", "order 42 of 2008-12-31: 1 250,00 €", "", "2009-05-0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lang := range []string{"fr", "en"} {
			if got, want := localDates(lang, s), localDatesRegexp(lang, s); got != want {
				t.Fatalf("localDates(%s, %q) = %q, want %q", lang, s, got, want)
			}
		}
	})
}
