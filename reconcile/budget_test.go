package reconcile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// shared is a credit_top_up program run by two wholesalers inside one
// budget.
func shared(b Budget) Program {
	p := mezzanine
	p.ID, p.Wholesalers, p.Budget = "shared", []string{"actebis", "etc"}, &b
	return p
}

// oemBudget is oem-office with a budget.
func oemBudget(b Budget) Program {
	p := oemOffice
	p.Budget = &b
	return p
}

// short is an active account whose shortfall rounds up to need euros.
func short(id string, need int64) Account {
	return account(id, active, Euros(10000), Euros(10000+need)-Euros(50))
}

func lineOf(w, p, r string, amount Cents, from, until string) Line {
	return Line{Wholesaler: w, Program: p, ResellerID: r, Amount: amount,
		ValidFrom: MustDate(from), ValidUntil: MustDate(until), State: Valid}
}

func waiting(w, p, r string, amount Cents, until, since string, seq int64, claim string) WaitEntry {
	return WaitEntry{Wholesaler: w, Program: p, ResellerID: r, AmountCents: amount,
		ValidUntil: MustDate(until), Since: MustDate(since), Seq: seq, Claim: claim}
}

func budgetInput(asOf string, programs []Program, feeds ...Feed) Input {
	in := input(asOf, feeds...)
	in.Programs = programs
	return in
}

func (in Input) waiting(entries ...WaitEntry) Input {
	in.Waitlist = entries
	return in
}

// entry is what the tests compare of a waitlist entry after a run.
type entry struct {
	key         string // wholesaler/program/reseller
	amount      Cents
	until       string
	rank        int
	since       string
	seq         int64
	reasonStart string // the reason starts with this
}

func entriesOf(ws []WaitEntry) []entry {
	out := []entry{}
	for _, w := range ws {
		out = append(out, entry{w.Wholesaler + "/" + w.Program + "/" + w.ResellerID, w.AmountCents,
			w.ValidUntil.String(), w.Rank, w.Since.String(), w.Seq, ""})
	}
	return out
}

func checkEntries(t *testing.T, got []WaitEntry, want []entry) {
	t.Helper()
	g := entriesOf(got)
	stripped := make([]entry, len(want))
	for i, w := range want {
		stripped[i] = w
		stripped[i].reasonStart = ""
	}
	if !reflect.DeepEqual(g, stripped) {
		t.Errorf("waitlist:\n got %+v\nwant %+v", g, stripped)
		return
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].Reason, w.reasonStart) {
			t.Errorf("waitlist[%d] reason = %q, want it to start with %q", i, got[i].Reason, w.reasonStart)
		}
	}
}

type use struct {
	program          string
	maxTotal         Cents // 0: null
	used             Cents
	maxBeneficiaries int // 0: null
	beneficiaries    int
	waitlisted       int
	waitlistedCents  Cents
}

func usesOf(bs []BudgetUse) []use {
	out := []use{}
	for _, b := range bs {
		u := use{program: b.Program, used: b.UsedCents, beneficiaries: b.Beneficiaries,
			waitlisted: b.Waitlisted, waitlistedCents: b.WaitlistedCents}
		if b.MaxTotalCents != nil {
			u.maxTotal = *b.MaxTotalCents
		}
		if b.MaxBeneficiaries != nil {
			u.maxBeneficiaries = *b.MaxBeneficiaries
		}
		out = append(out, u)
	}
	return out
}

// briefly is what the tests compare of a line: key, amount, dates, status
// and how its reason starts.
func briefly(ls []LineChange) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s/%s/%s %s %s..%s %s", l.Wholesaler, l.Program, l.ResellerID,
			l.Amount, l.ValidFrom, l.ValidUntil, l.Status))
	}
	return out
}

func keys(ks []LineKey) []string {
	out := []string{}
	for _, k := range ks {
		out = append(out, k.Wholesaler+"/"+k.Program+"/"+k.ResellerID)
	}
	return out
}

func TestEvaluateBudgets(t *testing.T) {
	const asOf = "2009-05-04"
	claimC3 := "outstanding 12 950,00 € exceeds insured limit 10 000,00 € by 2 950,00 €"
	tests := []struct {
		name     string
		in       Input
		lines    []string
		reasons  map[string]string // reseller → the line's whole reason
		wait     []entry
		uses     []use
		put      []string // keys Put, in order
		remove   []string
		warnings []string
	}{
		{
			name: "claim order: the last euros go to the first wholesaler in config order",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(5000)})},
				feed("actebis", []Account{short("A1", 3000)}),
				feed("etc", []Account{short("E1", 3000)})),
			lines: []string{"actebis/shared/A1 3 000,00 € 2009-05-04..2009-06-30 granted"},
			wait:  []entry{{"etc/shared/E1", Euros(3000), "2009-06-30", 1, asOf, 1, "outstanding 12 950,00 € exceeds insured limit 10 000,00 € by 2 950,00 €; waitlisted: the program budget has 2 000,00 € left of 5 000,00 €"}},
			uses:  []use{{"shared", Euros(5000), Euros(3000), 0, 1, 1, Euros(3000)}},
			put:   []string{"etc/shared/E1"},
		},
		{
			name: "claim order: the same claims, the other wholesaler first in config order",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(5000)})},
				feed("etc", []Account{short("E1", 3000)}),
				feed("actebis", []Account{short("A1", 3000)})),
			lines: []string{"etc/shared/E1 3 000,00 € 2009-05-04..2009-06-30 granted"},
			wait:  []entry{{"actebis/shared/A1", Euros(3000), "2009-06-30", 1, asOf, 1, ""}},
			uses:  []use{{"shared", Euros(5000), Euros(3000), 0, 1, 1, Euros(3000)}},
			put:   []string{"actebis/shared/A1"},
		},
		{
			name: "row order, no partial grant, a later smaller claim fits",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(5000)})},
				feed("actebis", []Account{short("A1", 2000), short("A2", 2000), short("A3", 2000), short("A4", 1000), short("A5", 100)})),
			lines: []string{
				"actebis/shared/A1 2 000,00 € 2009-05-04..2009-06-30 granted",
				"actebis/shared/A2 2 000,00 € 2009-05-04..2009-06-30 granted",
				"actebis/shared/A4 1 000,00 € 2009-05-04..2009-06-30 granted",
			},
			wait: []entry{
				{"actebis/shared/A3", Euros(2000), "2009-06-30", 1, asOf, 1, ""},
				{"actebis/shared/A5", Euros(100), "2009-06-30", 2, asOf, 2, "outstanding 10 050,00 € exceeds insured limit 10 000,00 € by 50,00 €; waitlisted: the program budget has 0,00 € left of 5 000,00 €"},
			},
			uses: []use{{"shared", Euros(5000), Euros(5000), 0, 3, 2, Euros(2100)}},
			put:  []string{"actebis/shared/A3", "actebis/shared/A5"},
		},
		{
			name: "first fit: a later, smaller entry passes one that does not fit; new entries rank after",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(5000)})},
				feed("actebis", []Account{short("A9", 600)})).
				with(lineOf("etc", "shared", "E0", Euros(3000), "2009-04-06", "2009-06-30")).
				waiting(
					waiting("etc", "shared", "E1", Euros(4000), "2009-06-30", "2009-04-06", 10, "claim E1"),
					waiting("etc", "shared", "E2", Euros(1500), "2009-06-30", "2009-04-13", 11, "claim E2"),
					waiting("etc", "shared", "E3", Euros(1000), "2009-06-30", "2009-04-20", 12, "claim E3")),
			lines: []string{
				"etc/shared/E0 3 000,00 € 2009-04-06..2009-06-30 active",
				"etc/shared/E2 1 500,00 € 2009-05-04..2009-06-30 granted",
			},
			reasons: map[string]string{"E2": "granted from the waitlist (rank 2, waiting since 2009-04-13): claim E2"},
			wait: []entry{
				{"etc/shared/E1", Euros(4000), "2009-06-30", 1, "2009-04-06", 10, "claim E1; waitlisted: the program budget has 500,00 € left of 5 000,00 €"},
				{"etc/shared/E3", Euros(1000), "2009-06-30", 2, "2009-04-20", 12, ""},
				{"actebis/shared/A9", Euros(600), "2009-06-30", 3, asOf, 13, ""},
			},
			uses:   []use{{"shared", Euros(5000), Euros(4500), 0, 2, 3, Euros(5600)}},
			put:    []string{"actebis/shared/A9"},
			remove: []string{"etc/shared/E2"},
		},
		{
			name: "an increase goes as far as the budget allows, with a reason",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(5000)})},
				feed("actebis", []Account{account("C3", active, Euros(10000), Euros(12950))})).
				with(held(7, "actebis", "shared", "C3", Euros(2000), "2009-04-06", "2009-06-30", "earlier"),
					held(8, "etc", "shared", "E0", Euros(2500), "2009-04-06", "2009-06-30", "earlier")),
			lines: []string{
				"actebis/shared/C3 2 500,00 € 2009-04-06..2009-06-30 increased",
				"etc/shared/E0 2 500,00 € 2009-04-06..2009-06-30 active",
			},
			reasons: map[string]string{"C3": claimC3 + "; line raised from 2 000,00 € to 2 500,00 € instead of 3 000,00 €: capped by the program budget, which had 500,00 € left"},
			uses:    []use{{"shared", Euros(5000), Euros(5000), 0, 2, 0, 0}},
		},
		{
			name: "an increase with nothing left is not applied, and says so",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(4500)})},
				feed("actebis", []Account{account("C3", active, Euros(10000), Euros(12950))})).
				with(held(7, "actebis", "shared", "C3", Euros(2000), "2009-04-06", "2009-06-30", "earlier"),
					held(8, "etc", "shared", "E0", Euros(2500), "2009-04-06", "2009-06-30", "earlier")),
			lines: []string{
				"actebis/shared/C3 2 000,00 € 2009-04-06..2009-06-30 active",
				"etc/shared/E0 2 500,00 € 2009-04-06..2009-06-30 active",
			},
			reasons: map[string]string{"C3": claimC3 + "; not raised from 2 000,00 € to 3 000,00 €: capped by the program budget, which had 0,00 € left"},
			uses:    []use{{"shared", Euros(4500), Euros(4500), 0, 2, 0, 0}},
		},
		{
			name: "an increase is not held back by max_beneficiaries",
			in: budgetInput(asOf, []Program{shared(Budget{MaxBeneficiaries: 1})},
				feed("actebis", []Account{account("C3", active, Euros(10000), Euros(12950))})).
				with(held(7, "actebis", "shared", "C3", Euros(2000), "2009-04-06", "2009-06-30", "earlier")),
			lines: []string{"actebis/shared/C3 3 000,00 € 2009-04-06..2009-06-30 increased"},
			uses:  []use{{"shared", 0, Euros(3000), 1, 1, 0, 0}},
		},
		{
			name: "promotion after an expiry",
			in: budgetInput(asOf, []Program{oemBudget(Budget{MaxBeneficiaries: 1})}).
				with(held(3, "etc", "oem-office", "C1", Euros(5000), "2008-11-03", "2009-05-02", "old")).
				waiting(waiting("etc", "oem-office", "C2", Euros(5000), "2009-10-14", "2009-04-20", 4, "order O-9 of 2009-04-15")),
			lines: []string{
				"etc/oem-office/C1 5 000,00 € 2008-11-03..2009-05-02 expired",
				"etc/oem-office/C2 5 000,00 € 2009-05-04..2009-10-14 granted",
			},
			reasons: map[string]string{"C2": "granted from the waitlist (rank 1, waiting since 2009-04-20): order O-9 of 2009-04-15"},
			uses:    []use{{"oem-office", 0, Euros(5000), 1, 1, 0, 0}},
			remove:  []string{"etc/oem-office/C2"},
		},
		{
			name: "promotion after a revocation at another wholesaler",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("actebis", []Account{account("A1", terminated, Euros(10000), Euros(15000))})).
				with(held(3, "actebis", "shared", "A1", Euros(3000), "2009-04-06", "2009-06-30", "old")).
				waiting(waiting("etc", "shared", "E1", Euros(3000), "2009-06-30", "2009-04-20", 2, "claim E1")),
			lines: []string{
				"actebis/shared/A1 3 000,00 € 2009-04-06..2009-06-30 revoked",
				"etc/shared/E1 3 000,00 € 2009-05-04..2009-06-30 granted",
			},
			uses:   []use{{"shared", Euros(3000), Euros(3000), 0, 1, 0, 0}},
			remove: []string{"etc/shared/E1"},
		},
		{
			name: "the revocations of every wholesaler come before the first claim",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("actebis", []Account{short("A1", 3000)}),
				feed("etc", []Account{account("E9", terminated, 0, 0)})).
				with(held(3, "etc", "shared", "E9", Euros(3000), "2009-04-06", "2009-06-30", "old")),
			lines: []string{
				"actebis/shared/A1 3 000,00 € 2009-05-04..2009-06-30 granted",
				"etc/shared/E9 3 000,00 € 2009-04-06..2009-06-30 revoked",
			},
			uses: []use{{"shared", Euros(3000), Euros(3000), 0, 1, 0, 0}},
		},
		{
			name: "an entry leaves when its reseller is no longer short; another is recomputed and keeps its rank",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("actebis", []Account{account("A1", active, Euros(10000), Euros(9000)), short("A2", 4000)})).
				with(held(3, "etc", "shared", "E0", Euros(3000), "2009-04-06", "2009-06-30", "old")).
				waiting(
					waiting("actebis", "shared", "A1", Euros(1000), "2009-06-30", "2009-04-06", 1, "claim A1"),
					waiting("actebis", "shared", "A2", Euros(1000), "2009-06-30", "2009-04-13", 2, "claim A2")),
			lines: []string{"etc/shared/E0 3 000,00 € 2009-04-06..2009-06-30 active"},
			wait: []entry{{"actebis/shared/A2", Euros(4000), "2009-06-30", 1, "2009-04-13", 2,
				"outstanding 13 950,00 € exceeds insured limit 10 000,00 € by 3 950,00 €; waitlisted: the program budget has 0,00 € left of 3 000,00 €"}},
			uses:   []use{{"shared", Euros(3000), Euros(3000), 0, 1, 1, Euros(4000)}},
			put:    []string{"actebis/shared/A2"},
			remove: []string{"actebis/shared/A1"},
		},
		{
			name: "an entry whose reseller is absent from its wholesaler's latest export leaves",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("actebis", []Account{short("A2", 100)})).
				with(held(3, "etc", "shared", "E0", Euros(3000), "2009-04-06", "2009-06-30", "old")).
				waiting(waiting("actebis", "shared", "A1", Euros(1000), "2009-06-30", "2009-04-06", 1, "claim A1")),
			lines:  []string{"etc/shared/E0 3 000,00 € 2009-04-06..2009-06-30 active"},
			wait:   []entry{{"actebis/shared/A2", Euros(100), "2009-06-30", 1, asOf, 2, ""}},
			uses:   []use{{"shared", Euros(3000), Euros(3000), 0, 1, 1, Euros(100)}},
			put:    []string{"actebis/shared/A2"},
			remove: []string{"actebis/shared/A1"},
		},
		{
			name: "an entry whose wholesaler did not deliver is kept as it is",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("actebis", []Account{})).
				with(held(3, "actebis", "shared", "A0", Euros(3000), "2009-04-06", "2009-06-30", "old")).
				waiting(waiting("etc", "shared", "E1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim E1")),
			lines: []string{"actebis/shared/A0 3 000,00 € 2009-04-06..2009-06-30 active"},
			wait:  []entry{{"etc/shared/E1", Euros(1000), "2009-06-30", 1, "2009-04-06", 5, "claim E1; waitlisted: the program budget has 0,00 € left of 3 000,00 €"}},
			uses:  []use{{"shared", Euros(3000), Euros(3000), 0, 1, 1, Euros(1000)}},
		},
		{
			name: "an entry whose wholesaler did not deliver is granted with its claim when it fits",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})}).
				waiting(waiting("etc", "shared", "E1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim E1")),
			lines:  []string{"etc/shared/E1 1 000,00 € 2009-05-04..2009-06-30 granted"},
			uses:   []use{{"shared", Euros(3000), Euros(1000), 0, 1, 0, 0}},
			remove: []string{"etc/shared/E1"},
		},
		{
			name: "a terminated reseller leaves the waitlist",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(3000)})},
				feed("etc", []Account{account("E1", terminated, Euros(1000), Euros(9000))})).
				waiting(waiting("etc", "shared", "E1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim E1")),
			uses:   []use{{"shared", Euros(3000), 0, 0, 0, 0, 0}},
			remove: []string{"etc/shared/E1"},
		},
		{
			name: "a later order updates the entry's valid_until and keeps its rank",
			in: budgetInput(asOf, []Program{oemBudget(Budget{MaxBeneficiaries: 1})},
				feed("etc", []Account{account("C1", active, 0, 0), account("C2", active, 0, 0), account("C3", active, 0, 0)},
					order("O-7", "C2", "2009-04-30", "Office Pro", "OEM", Euros(1500)),
					order("O-8", "C3", "2009-04-01", "Office Pro", "OEM", Euros(1500)))).
				with(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-04-01", "2009-09-30", "old")).
				waiting(
					waiting("etc", "oem-office", "C2", Euros(5000), "2009-10-05", "2009-04-13", 1, "order O-5"),
					waiting("etc", "oem-office", "C9", Euros(5000), "2009-10-12", "2009-04-20", 2, "order O-6")),
			lines: []string{"etc/oem-office/C1 5 000,00 € 2009-04-01..2009-09-30 active"},
			wait: []entry{
				{"etc/oem-office/C2", Euros(5000), "2009-10-29", 1, "2009-04-13", 1, "order O-7 of 2009-04-30: 1 500,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months; waitlisted: the program budget's only beneficiary place is taken"},
				{"etc/oem-office/C9", Euros(5000), "2009-10-12", 2, "2009-04-20", 2, "order O-6; not granted in this run: etc's accounts of this run do not list the reseller"},
				{"etc/oem-office/C3", Euros(5000), "2009-09-30", 3, asOf, 3, ""},
			},
			uses: []use{{"oem-office", 0, Euros(5000), 1, 1, 3, Euros(15000)}},
			put:  []string{"etc/oem-office/C2", "etc/oem-office/C3"},
		},
		{
			name: "an order-line entry whose line would have ended leaves",
			in: budgetInput(asOf, []Program{oemBudget(Budget{MaxBeneficiaries: 1})}).
				with(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-04-01", "2009-09-30", "old")).
				waiting(waiting("etc", "oem-office", "C2", Euros(5000), "2009-05-03", "2008-11-03", 1, "order O-5")),
			lines:  []string{"etc/oem-office/C1 5 000,00 € 2009-04-01..2009-09-30 active"},
			uses:   []use{{"oem-office", 0, Euros(5000), 1, 1, 0, 0}},
			remove: []string{"etc/oem-office/C2"},
		},
		{
			name: "max_beneficiaries alone",
			in: budgetInput(asOf, []Program{shared(Budget{MaxBeneficiaries: 2})},
				feed("actebis", []Account{short("A1", 5000), short("A2", 5000), short("A3", 100)})),
			lines: []string{
				"actebis/shared/A1 5 000,00 € 2009-05-04..2009-06-30 granted",
				"actebis/shared/A2 5 000,00 € 2009-05-04..2009-06-30 granted",
			},
			wait: []entry{{"actebis/shared/A3", Euros(100), "2009-06-30", 1, asOf, 1,
				"outstanding 10 050,00 € exceeds insured limit 10 000,00 € by 50,00 €; waitlisted: the program budget's 2 beneficiary places are all taken"}},
			uses: []use{{"shared", 0, Euros(10000), 2, 2, 1, Euros(100)}},
			put:  []string{"actebis/shared/A3"},
		},
		{
			name: "both limits: whichever is reached first",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(6000), MaxBeneficiaries: 3})},
				feed("actebis", []Account{short("A1", 5000), short("A2", 2000), short("A3", 500), short("A4", 200), short("A5", 300), short("A6", 100)})),
			lines: []string{
				"actebis/shared/A1 5 000,00 € 2009-05-04..2009-06-30 granted",
				"actebis/shared/A3 500,00 € 2009-05-04..2009-06-30 granted",
				"actebis/shared/A4 200,00 € 2009-05-04..2009-06-30 granted",
			},
			wait: []entry{
				// Each reason names the limits that leave no room for that
				// claim: A2's 2 000 € exceed the 300 € left, A5's 300 € and
				// A6's 100 € do not, only the places are taken.
				{"actebis/shared/A2", Euros(2000), "2009-06-30", 1, asOf, 1,
					"outstanding 11 950,00 € exceeds insured limit 10 000,00 € by 1 950,00 €; waitlisted: the program budget's 3 beneficiary places are all taken; the program budget has 300,00 € left of 6 000,00 €"},
				{"actebis/shared/A5", Euros(300), "2009-06-30", 2, asOf, 2,
					"outstanding 10 250,00 € exceeds insured limit 10 000,00 € by 250,00 €; waitlisted: the program budget's 3 beneficiary places are all taken"},
				{"actebis/shared/A6", Euros(100), "2009-06-30", 3, asOf, 3,
					"outstanding 10 050,00 € exceeds insured limit 10 000,00 € by 50,00 €; waitlisted: the program budget's 3 beneficiary places are all taken"},
			},
			uses: []use{{"shared", Euros(6000), Euros(5700), 3, 3, 3, Euros(2400)}},
			put:  []string{"actebis/shared/A2", "actebis/shared/A5", "actebis/shared/A6"},
		},
		{
			name: "a budget below the lines already valid: nothing revoked, nothing granted, a warning",
			in: budgetInput(asOf, []Program{shared(Budget{MaxTotal: Euros(4000), MaxBeneficiaries: 1})},
				feed("actebis", []Account{short("A3", 100)})).
				with(held(3, "actebis", "shared", "A1", Euros(3000), "2009-04-06", "2009-06-30", "old"),
					held(4, "etc", "shared", "E1", Euros(2000), "2009-04-06", "2009-06-30", "old")),
			lines: []string{
				"actebis/shared/A1 3 000,00 € 2009-04-06..2009-06-30 active",
				"etc/shared/E1 2 000,00 € 2009-04-06..2009-06-30 active",
			},
			wait: []entry{{"actebis/shared/A3", Euros(100), "2009-06-30", 1, asOf, 1,
				"outstanding 10 050,00 € exceeds insured limit 10 000,00 € by 50,00 €; waitlisted: the program budget's only beneficiary place is taken; the program budget has 0,00 € left of 4 000,00 €"}},
			uses: []use{{"shared", Euros(4000), Euros(5000), 1, 2, 1, Euros(100)}},
			put:  []string{"actebis/shared/A3"},
			warnings: []string{"budget: shared: the program's valid lines use 5 000,00 €, over max_total 4 000,00 € by 1 000,00 € " +
				"and number 2, over max_beneficiaries 1 by 1; nothing is revoked, and nothing new is granted until lines end and free room"},
		},
		{
			name: "after the program's until its waitlist leaves",
			in: budgetInput("2009-07-06", []Program{shared(Budget{MaxTotal: Euros(4000)})}).
				waiting(waiting("etc", "shared", "E1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim E1")),
			uses:   []use{{"shared", Euros(4000), 0, 0, 0, 0, 0}},
			remove: []string{"etc/shared/E1"},
		},
		{
			name: "a program whose budget was removed grants its waitlist",
			in: budgetInput(asOf, []Program{mezzanine}).
				waiting(waiting("actebis", "mezzanine", "A1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim A1")),
			lines:  []string{"actebis/mezzanine/A1 1 000,00 € 2009-05-04..2009-06-30 granted"},
			uses:   []use{},
			remove: []string{"actebis/mezzanine/A1"},
		},
		{
			name: "entries of a program rules.yaml no longer has are kept",
			in: budgetInput(asOf, []Program{mezzanine}).
				waiting(waiting("actebis", "gone", "A1", Euros(1000), "2009-06-30", "2009-04-06", 5, "claim A1")),
			wait: []entry{{"actebis/gone/A1", Euros(1000), "2009-06-30", 1, "2009-04-06", 5, "claim A1; not examined: rules.yaml has no program gone"}},
			uses: []use{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.in)
			if g := briefly(got.Lines); !reflect.DeepEqual(g, nonNil(tt.lines)) {
				t.Errorf("lines:\n got %q\nwant %q", g, tt.lines)
			}
			for _, l := range got.Lines {
				if want, ok := tt.reasons[l.ResellerID]; ok && l.Reason != want {
					t.Errorf("reason of %s:\n got %q\nwant %q", l.ResellerID, l.Reason, want)
				}
			}
			checkEntries(t, got.Waitlist, nonNil(tt.wait))
			if g := usesOf(got.Budgets); !reflect.DeepEqual(g, nonNil(tt.uses)) && !(len(g) == 0 && tt.uses == nil) {
				t.Errorf("budgets:\n got %+v\nwant %+v", g, tt.uses)
			}
			var put []string
			for _, w := range got.WaitlistChanges.Put {
				put = append(put, w.Wholesaler+"/"+w.Program+"/"+w.ResellerID)
			}
			if !reflect.DeepEqual(nonNil(put), nonNil(tt.put)) {
				t.Errorf("changes put %q, want %q", put, tt.put)
			}
			if g := keys(got.WaitlistChanges.Remove); !reflect.DeepEqual(g, nonNil(tt.remove)) {
				t.Errorf("changes remove %q, want %q", g, tt.remove)
			}
			if !reflect.DeepEqual(got.Warnings, nonNil(tt.warnings)) {
				t.Errorf("warnings:\n got %q\nwant %q", got.Warnings, tt.warnings)
			}
		})
	}
}

// TestEvaluateBudgetSeasons carries the outcome of one run into the next,
// as the ledger does, and checks ranks and since run after run.
func TestEvaluateBudgetSeasons(t *testing.T) {
	p := []Program{shared(Budget{MaxTotal: Euros(6000), MaxBeneficiaries: 3})}
	carry := func(out Outcome) ([]Line, []WaitEntry) {
		var lines []Line
		for i, l := range out.Lines {
			if l.State == Valid {
				l.Line.ID = int64(i + 1)
				lines = append(lines, l.Line)
			}
		}
		return lines, out.Waitlist
	}
	// Week 1: A1, A2 and E2 fit; E1 does not (1 000 € left), E3 finds
	// the three places taken.
	w1 := Evaluate(budgetInput("2009-04-06", p,
		feed("actebis", []Account{short("A1", 3000), short("A2", 2000)}),
		feed("etc", []Account{short("E1", 2000), short("E2", 1000), short("E3", 500)})))
	checkEntries(t, w1.Waitlist, []entry{
		{"etc/shared/E1", Euros(2000), "2009-06-30", 1, "2009-04-06", 1, ""},
		{"etc/shared/E3", Euros(500), "2009-06-30", 2, "2009-04-06", 2, ""},
	})
	// Week 2: etc does not deliver; actebis says A1 is terminated: its
	// 3 000 € and its place are freed, E1 moves up and is granted with the
	// claim it had; E3 is first now, and A3's new claim waits after it.
	lines, wait := carry(w1)
	in := budgetInput("2009-04-13", p, feed("actebis", []Account{account("A1", terminated, 0, 0), short("A2", 2000), short("A3", 800)}))
	in.Lines, in.Waitlist = lines, wait
	w2 := Evaluate(in)
	if g, want := briefly(w2.Lines), []string{
		"actebis/shared/A1 3 000,00 € 2009-04-06..2009-06-30 revoked",
		"actebis/shared/A2 2 000,00 € 2009-04-06..2009-06-30 active",
		"etc/shared/E1 2 000,00 € 2009-04-13..2009-06-30 granted",
		"etc/shared/E2 1 000,00 € 2009-04-06..2009-06-30 active",
	}; !reflect.DeepEqual(g, want) {
		t.Errorf("week 2 lines:\n got %q\nwant %q", g, want)
	}
	checkEntries(t, w2.Waitlist, []entry{
		{"etc/shared/E3", Euros(500), "2009-06-30", 1, "2009-04-06", 2, ""},
		{"actebis/shared/A3", Euros(800), "2009-06-30", 2, "2009-04-13", 3, ""},
	})
	// Week 3: nothing delivered: the claims stay, still waiting.
	lines, wait = carry(w2)
	in = budgetInput("2009-04-20", p)
	in.Lines, in.Waitlist = lines, wait
	w3 := Evaluate(in)
	checkEntries(t, w3.Waitlist, []entry{
		{"etc/shared/E3", Euros(500), "2009-06-30", 1, "2009-04-06", 2, ""},
		{"actebis/shared/A3", Euros(800), "2009-06-30", 2, "2009-04-13", 3, ""},
	})
	if len(w3.WaitlistChanges.Put)+len(w3.WaitlistChanges.Remove) != 0 {
		t.Errorf("week 3 changed the waitlist: %+v", w3.WaitlistChanges)
	}
}

func TestEvaluateInvalidSIREN(t *testing.T) {
	a := account("C1", active, Euros(1000), 0)
	a.InvalidSIREN = true
	got := Evaluate(input("2009-05-04", feed("techdata", []Account{a, account("C2", active, 0, 0)})))
	want := []Discrepancy{{Wholesaler: "techdata", Kind: InvalidSIREN, ResellerID: "C1"}}
	checkDiscrepancies(t, got.Discrepancies, want)
}

// BenchmarkEvaluateBudget is BenchmarkEvaluate's wholesaler with every
// active account short and a budget spent half way: half a million claims
// go to the waitlist, then the next run examines them; "none" is the
// same run without a budget.
func BenchmarkEvaluateBudget(b *testing.B) {
	const n = 1_000_000
	p := mezzanine
	p.Budget = &Budget{MaxTotal: Euros(1000) * n / 2}
	f := Feed{Wholesaler: "actebis", Accounts: make([]Account, n), Statuses: make(map[string]Status, n)}
	for i := range f.Accounts {
		f.Accounts[i] = Account{ResellerID: fmt.Sprintf("C%07d", i), Status: Active, InsuredLimit: Euros(10000), Outstanding: Euros(10950)}
		f.Statuses[f.Accounts[i].ResellerID] = Active
	}
	asOf := MustDate("2009-05-04")
	in := Input{AsOf: asOf, AsOfInstant: asOf.Time(paris), ExpiringWithinDays: 30, Programs: []Program{p}, Feeds: []Feed{f}}
	first := Evaluate(in)
	if len(first.Waitlist) < n/2-1 {
		b.Fatalf("waitlist of %d", len(first.Waitlist))
	}
	var lines []Line
	for _, l := range first.Lines {
		lines = append(lines, l.Line)
	}
	next := Input{AsOf: asOf + 7, AsOfInstant: (asOf + 7).Time(paris), ExpiringWithinDays: 30, Programs: []Program{p},
		Feeds: []Feed{f}, Lines: lines, Waitlist: first.Waitlist}
	free := in
	free.Programs = []Program{mezzanine}
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			Evaluate(free)
		}
	})
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			Evaluate(in)
		}
	})
	b.Run("next", func(b *testing.B) {
		for b.Loop() {
			Evaluate(next)
		}
	})
}

func TestEvaluateBudgetDoesNotMutateInput(t *testing.T) {
	build := func() Input {
		return budgetInput("2009-05-04", []Program{shared(Budget{MaxTotal: Euros(5000), MaxBeneficiaries: 3})},
			feed("actebis", []Account{short("A1", 2000), short("A2", 4000), account("A3", terminated, 0, 0)}),
			feed("etc", []Account{short("E1", 1000)})).
			with(held(1, "etc", "shared", "E0", Euros(2000), "2009-04-06", "2009-06-30", "r")).
			waiting(
				waiting("actebis", "shared", "A2", Euros(1000), "2009-06-30", "2009-04-06", 1, "c2"),
				waiting("actebis", "shared", "A3", Euros(1000), "2009-06-30", "2009-04-06", 2, "c3"),
				waiting("etc", "shared", "E1", Euros(1000), "2009-06-30", "2009-04-13", 3, "c1"))
	}
	in, pristine := build(), build()
	out := Evaluate(in)
	if len(out.Waitlist) == 0 || len(out.WaitlistChanges.Remove) == 0 {
		t.Fatalf("the case should exercise the waitlist: %+v", out)
	}
	in.Seen, pristine.Seen = nil, nil
	if !reflect.DeepEqual(in, pristine) {
		t.Errorf("Evaluate mutated its input:\n got %+v\nwant %+v", in, pristine)
	}
}
