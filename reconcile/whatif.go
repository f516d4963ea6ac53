package reconcile

import (
	"cmp"
	"slices"
)

// Simulation is simulation.json, what encours simulate writes (spec §9):
// the committed outcome of the latest run against the outcome candidate
// rules give, with totals per program and wholesaler and the resellers
// whose line differs.
type Simulation struct {
	AsOf   Date   `json:"as_of"`
	Replay string `json:"replay"`
	// Current is the committed outcome of the latest run; Candidate what
	// the replay with the candidate rules gave for it.
	Current   SimulationOutcome  `json:"current"`
	Candidate SimulationOutcome  `json:"candidate"`
	Totals    []SimulationTotal  `json:"totals"`
	Changes   []SimulationChange `json:"changes"`
}

// SimulationOutcome is the decided part of a run's report: what rules
// change. Every list is empty rather than null.
type SimulationOutcome struct {
	Lines         []ReportLine  `json:"lines"`
	Discrepancies []Discrepancy `json:"discrepancies"`
	RejectedRows  []RejectedRow `json:"rejected_rows"`
	Waitlist      []WaitEntry   `json:"waitlist"`
	Budgets       []BudgetUse   `json:"budgets"`
}

// OutcomeOf takes the decided part of a report.
func OutcomeOf(r *Report) SimulationOutcome {
	return SimulationOutcome{
		Lines:         orEmpty(r.Lines),
		Discrepancies: orEmpty(r.Discrepancies),
		RejectedRows:  orEmpty(r.RejectedRows),
		Waitlist:      orEmpty(r.Waitlist),
		Budgets:       orEmpty(r.Budgets),
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SimulationTotal is one program at one wholesaler on both sides: the
// lines in force after the run (every status but expired and revoked) and
// the sum of their amounts. Within one program and wholesaler a reseller
// holds at most one line, so the lines are also its beneficiaries.
type SimulationTotal struct {
	Program              string `json:"program"`
	Wholesaler           string `json:"wholesaler"`
	CurrentLines         int    `json:"current_lines"`
	CandidateLines       int    `json:"candidate_lines"`
	CurrentAmountCents   Cents  `json:"current_amount_cents"`
	CandidateAmountCents Cents  `json:"candidate_amount_cents"`
}

// SimulationChange is a (wholesaler, program, reseller) whose line differs
// between the sides in amount or status. A side's line is the one in force
// after the run, or else the one that ended in it; a side without one has
// amount 0, status "" and no valid_until.
type SimulationChange struct {
	Wholesaler           string     `json:"wholesaler"`
	Program              string     `json:"program"`
	ResellerID           string     `json:"reseller_id"`
	CurrentAmountCents   Cents      `json:"current_amount_cents"`
	CandidateAmountCents Cents      `json:"candidate_amount_cents"`
	CurrentStatus        LineStatus `json:"current_status"`
	CandidateStatus      LineStatus `json:"candidate_status"`
	CurrentValidUntil    Date       `json:"current_valid_until"`
	CandidateValidUntil  Date       `json:"candidate_valid_until"`
	CurrentReason        string     `json:"current_reason"`
	CandidateReason      string     `json:"candidate_reason"`
}

// Effect of a change for the reseller.
const (
	EffectGains   = "gains"   // a line in force with the candidate rules only
	EffectLoses   = "loses"   // a line in force with the current rules only
	EffectChanges = "changes" // in force on both sides, or on neither
)

// Effect says whether the reseller gains, loses or changes a line.
func (c SimulationChange) Effect() string {
	cur, cand := InForce(c.CurrentStatus), InForce(c.CandidateStatus)
	switch {
	case cand && !cur:
		return EffectGains
	case cur && !cand:
		return EffectLoses
	}
	return EffectChanges
}

// InForce reports whether a line with this run status backs its reseller
// after the run; "" (no line) does not.
func InForce(s LineStatus) bool {
	return s != "" && s != Ended && s != Withdrawn
}

// Compare computes a simulation's totals and changes from the lines of
// both sides. Totals have a row for every program and wholesaler with a
// line on either side, and for every program that grants lines at every
// wholesaler it applies to (programs holds the current and the candidate
// rules; the same id may come twice), ordered by program (as in programs,
// then by id) and wholesaler (as in wholesalers, then by id). Changes are
// ordered by wholesaler, program and reseller id, as run.json lines.
func Compare(current, candidate []ReportLine, programs []Program, wholesalers []string) ([]SimulationTotal, []SimulationChange) {
	pRank := map[string]int{}
	for _, p := range programs {
		if _, ok := pRank[p.ID]; !ok {
			pRank[p.ID] = len(pRank)
		}
	}
	wRank := map[string]int{}
	for i, w := range wholesalers {
		wRank[w] = i
	}
	type slotKey struct{ program, wholesaler string }
	totals := map[slotKey]*SimulationTotal{}
	total := func(program, wholesaler string) *SimulationTotal {
		k := slotKey{program, wholesaler}
		t := totals[k]
		if t == nil {
			t = &SimulationTotal{Program: program, Wholesaler: wholesaler}
			totals[k] = t
		}
		return t
	}
	for _, p := range programs {
		if p.Kind != CreditTopUp && p.Kind != OrderTriggeredLine {
			continue
		}
		for _, w := range wholesalers {
			if p.AppliesTo(w) {
				total(p.ID, w)
			}
		}
	}
	cur, cand := sideLines(current), sideLines(candidate)
	for _, l := range cur {
		t := total(l.Program, l.Wholesaler)
		if InForce(l.Status) {
			t.CurrentLines++
			t.CurrentAmountCents += l.AmountCents
		}
	}
	for _, l := range cand {
		t := total(l.Program, l.Wholesaler)
		if InForce(l.Status) {
			t.CandidateLines++
			t.CandidateAmountCents += l.AmountCents
		}
	}

	var changes []SimulationChange
	for k, c := range cur {
		d, ok := cand[k]
		if !ok || d.AmountCents != c.AmountCents || d.Status != c.Status {
			changes = append(changes, simChange(k, c, d))
		}
	}
	for k, d := range cand {
		if _, ok := cur[k]; !ok {
			changes = append(changes, simChange(k, ReportLine{}, d))
		}
	}
	slices.SortFunc(changes, func(a, b SimulationChange) int {
		return cmp.Or(cmp.Compare(a.Wholesaler, b.Wholesaler), cmp.Compare(a.Program, b.Program),
			cmp.Compare(a.ResellerID, b.ResellerID))
	})

	out := make([]SimulationTotal, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	rank := func(m map[string]int, id string) int {
		if r, ok := m[id]; ok {
			return r
		}
		return len(m)
	}
	slices.SortFunc(out, func(a, b SimulationTotal) int {
		return cmp.Or(cmp.Compare(rank(pRank, a.Program), rank(pRank, b.Program)), cmp.Compare(a.Program, b.Program),
			cmp.Compare(rank(wRank, a.Wholesaler), rank(wRank, b.Wholesaler)), cmp.Compare(a.Wholesaler, b.Wholesaler))
	})
	return out, nonNilChanges(changes)
}

func nonNilChanges(c []SimulationChange) []SimulationChange {
	if c == nil {
		return []SimulationChange{}
	}
	return c
}

// sideLines picks each key's line on one side: the one in force, or else
// the one that ended in the run (a line may end and a new one start for
// the same key in one run).
func sideLines(lines []ReportLine) map[LineKey]ReportLine {
	out := make(map[LineKey]ReportLine, len(lines))
	for _, l := range lines {
		k := LineKey{l.Wholesaler, l.Program, l.ResellerID}
		if have, ok := out[k]; ok && InForce(have.Status) {
			continue
		}
		out[k] = l
	}
	return out
}

func simChange(k LineKey, cur, cand ReportLine) SimulationChange {
	return SimulationChange{
		Wholesaler: k.Wholesaler, Program: k.Program, ResellerID: k.ResellerID,
		CurrentAmountCents: cur.AmountCents, CandidateAmountCents: cand.AmountCents,
		CurrentStatus: cur.Status, CandidateStatus: cand.Status,
		CurrentValidUntil: cur.ValidUntil, CandidateValidUntil: cand.ValidUntil,
		CurrentReason: cur.Reason, CandidateReason: cand.Reason,
	}
}
