package notify

import (
	"cmp"
	"slices"
	"strings"

	"github.com/encours/encours/reconcile"
)

// waitView is one waitlisted reseller in a wholesaler's email.
type waitView struct {
	Reseller, Program, Amount, Until, Since string
	// Rank is the program-wide rank: the wholesaler learns its place in
	// the queue, never who else is in it.
	Rank int
}

// budgetView is one budgeted program in the program managers' email.
type budgetView struct {
	Program string
	// Limit and Left are empty without a max_total; Over, set instead of
	// Left, is how far the lines in force go beyond a budget set below
	// them. MaxBeneficiaries is 0 without a max_beneficiaries.
	Limit, Used, Left, Over string
	MaxBeneficiaries        int
	Beneficiaries           int
	Waitlisted              int
	WaitlistedAmount        string
	// Exhausted: nothing is left of the amount, or no beneficiary place.
	Exhausted bool
}

// exposureView is one reseller company (SIREN) in the program managers'
// top exposures.
type exposureView struct {
	Rank                     int
	SIREN, Name, Wholesalers string
	Lines                    int
	Amount                   string
}

// maxExposures is how many reseller companies the program managers'
// email lists, largest exposure first; the workbook's Revendeurs sheet
// has every one.
const maxExposures = 10

// buildWaitlist lists a wholesaler's waitlisted resellers, by program
// then rank, capped like the other lists.
func buildWaitlist(s Summary, v *view) {
	lang := v.Lang
	names := map[string]string{} // program id → name: the sort compares them often
	for _, e := range s.Waitlist {
		if _, ok := names[e.Program]; !ok {
			names[e.Program] = programName(s, e.Program)
		}
	}
	entries := slices.Clone(s.Waitlist)
	slices.SortStableFunc(entries, func(a, b reconcile.WaitEntry) int {
		return cmp.Or(cmp.Compare(names[a.Program], names[b.Program]), cmp.Compare(a.Rank, b.Rank))
	})
	var total reconcile.Cents
	for _, e := range entries {
		total += e.AmountCents
		listed(&v.Waitlist, &v.Counts.Waitlisted, func() waitView {
			return waitView{
				Reseller: reseller(s, e.ResellerID), Program: names[e.Program],
				Amount: money(e.AmountCents, lang), Until: date(e.ValidUntil, lang), Since: date(e.Since, lang), Rank: e.Rank,
			}
		})
	}
	v.MoreWaitlisted = v.Counts.Waitlisted - len(v.Waitlist)
	v.WaitlistAmount = money(total, lang)
}

// buildBudgets fills the program managers' budget use and top exposures.
func buildBudgets(s Summary, v *view) {
	lang := v.Lang
	uses := slices.Clone(s.Budgets)
	slices.SortStableFunc(uses, func(a, b reconcile.BudgetUse) int {
		return cmp.Compare(programName(s, a.Program), programName(s, b.Program))
	})
	for _, u := range uses {
		bv := budgetView{
			Program: programName(s, u.Program), Used: money(u.UsedCents, lang), Beneficiaries: u.Beneficiaries,
			Waitlisted: u.Waitlisted, WaitlistedAmount: money(u.WaitlistedCents, lang),
		}
		if u.MaxTotalCents != nil {
			left := *u.MaxTotalCents - u.UsedCents
			bv.Limit = money(*u.MaxTotalCents, lang)
			if left >= 0 {
				bv.Left = money(left, lang)
			} else {
				bv.Over = money(-left, lang)
			}
			bv.Exhausted = left <= 0
		}
		if u.MaxBeneficiaries != nil {
			bv.MaxBeneficiaries = *u.MaxBeneficiaries
			bv.Exhausted = bv.Exhausted || u.Beneficiaries >= *u.MaxBeneficiaries
		}
		v.Budgets = append(v.Budgets, bv)
	}
	v.Counts.Resellers = len(s.Exposures)
	for i, e := range topExposures(s.Exposures, maxExposures) {
		names := make([]string, 0, len(e.Wholesalers))
		for _, w := range e.Wholesalers {
			names = append(names, wholesalerName(s, w))
		}
		slices.Sort(names)
		v.TopExposures = append(v.TopExposures, exposureView{
			Rank: i + 1, SIREN: siren(e.SIREN), Name: clean(e.Name), Wholesalers: strings.Join(names, ", "),
			Lines: e.Lines, Amount: money(e.AmountCents, lang),
		})
	}
}

// topExposures returns the n largest exposures, largest first (equal ones
// by SIREN), in one pass: there may be a hundred thousand.
func topExposures(all []reconcile.ResellerExposure, n int) []reconcile.ResellerExposure {
	before := func(a, b reconcile.ResellerExposure) int {
		return cmp.Or(cmp.Compare(b.AmountCents, a.AmountCents), cmp.Compare(a.SIREN, b.SIREN))
	}
	top := make([]reconcile.ResellerExposure, 0, n+1)
	for _, e := range all {
		if len(top) == n && before(e, top[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, e, before)
		top = slices.Insert(top, i, e)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

// siren writes a SIREN as the French write it, in three groups that stay
// on one line: "552 100 554". Anything else is shown as it is.
func siren(s string) string {
	s = clean(s)
	if len(s) != 9 || strings.Trim(s, "0123456789") != "" {
		return s
	}
	return s[:3] + "\u00a0" + s[3:6] + "\u00a0" + s[6:]
}

// LocalWaitlist returns entries with their reasons in lang (see
// LocalReason); entries itself is not changed.
func LocalWaitlist(lang string, entries []reconcile.WaitEntry) []reconcile.WaitEntry {
	if len(entries) == 0 {
		return entries
	}
	out := make([]reconcile.WaitEntry, len(entries))
	for i, e := range entries {
		e.Reason = LocalReason(lang, e.Reason)
		out[i] = e
	}
	return out
}
