package reconcile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func rl(w, p, r string, amount Cents, st LineStatus, until string) ReportLine {
	return ReportLine{Wholesaler: w, Program: p, ResellerID: r, AmountCents: amount, Status: st,
		ValidFrom: MustDate("2009-04-20"), ValidUntil: MustDate(until), Reason: string(st) + " " + r}
}

func TestCompare(t *testing.T) {
	programs := []Program{
		{ID: "mezzanine", Kind: CreditTopUp, Wholesalers: []string{"actebis"}},
		{ID: "oem-office", Kind: OrderTriggeredLine, Wholesalers: []string{"etc"}},
		{ID: "ms-financing", Kind: FinancingSLA, Wholesalers: []string{"*"}},
		// The candidate's OEM line also covers Tech Data.
		{ID: "oem-office", Kind: OrderTriggeredLine, Wholesalers: []string{"etc", "techdata"}},
	}
	wholesalers := []string{"actebis", "etc", "techdata", "ingram"}
	current := []ReportLine{
		rl("actebis", "mezzanine", "A1", 500000, Granted, "2009-06-30"),
		rl("actebis", "mezzanine", "A2", 120000, Unchanged, "2009-06-30"),
		rl("actebis", "mezzanine", "A3", 80000, Withdrawn, "2009-06-30"),
		rl("etc", "oem-office", "E1", 500000, Ended, "2009-05-03"),
		rl("etc", "oem-office", "E1", 500000, Granted, "2009-11-03"), // ended and granted again in one run
		rl("etc", "oem-office", "E2", 500000, Unchanged, "2009-09-30"),
		rl("etc", "retired", "E3", 100000, Unchanged, "2009-09-30"), // a program no rules name any more
	}
	candidate := []ReportLine{
		rl("actebis", "mezzanine", "A1", 300000, Granted, "2009-06-30"), // capped
		rl("actebis", "mezzanine", "A2", 120000, Unchanged, "2009-06-30"),
		rl("actebis", "mezzanine", "A3", 80000, Withdrawn, "2009-06-30"),
		rl("etc", "oem-office", "E1", 500000, Ended, "2009-05-03"),
		rl("etc", "oem-office", "E1", 500000, Extended, "2009-12-03"),
		rl("etc", "oem-office", "E2", 500000, Unchanged, "2009-10-30"), // only its end differs: not a change
		rl("etc", "retired", "E3", 100000, Unchanged, "2009-09-30"),
		rl("techdata", "oem-office", "T1", 500000, Granted, "2009-10-31"),
	}
	totals, changes := Compare(current, candidate, programs, wholesalers)
	wantTotals := []SimulationTotal{
		{Program: "mezzanine", Wholesaler: "actebis", CurrentLines: 2, CandidateLines: 2, CurrentAmountCents: 620000, CandidateAmountCents: 420000},
		{Program: "oem-office", Wholesaler: "etc", CurrentLines: 2, CandidateLines: 2, CurrentAmountCents: 1000000, CandidateAmountCents: 1000000},
		{Program: "oem-office", Wholesaler: "techdata", CandidateLines: 1, CandidateAmountCents: 500000},
		{Program: "retired", Wholesaler: "etc", CurrentLines: 1, CandidateLines: 1, CurrentAmountCents: 100000, CandidateAmountCents: 100000},
	}
	if !reflect.DeepEqual(totals, wantTotals) {
		t.Errorf("totals:\n%+v\nwant\n%+v", totals, wantTotals)
	}
	var keys []string
	for _, c := range changes {
		keys = append(keys, c.Wholesaler+"/"+c.Program+"/"+c.ResellerID+":"+c.Effect())
	}
	if want := []string{"actebis/mezzanine/A1:changes", "etc/oem-office/E1:changes", "techdata/oem-office/T1:gains"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("changes %v, want %v", keys, want)
	}
	e1 := changes[1]
	if e1.CurrentStatus != Granted || e1.CandidateStatus != Extended || e1.CurrentValidUntil != MustDate("2009-11-03") || e1.CandidateReason != "extended E1" {
		t.Errorf("E1 compares the lines in force, not the ended one: %+v", e1)
	}
	t1 := changes[2]
	if t1.CurrentAmountCents != 0 || t1.CurrentStatus != "" || !t1.CurrentValidUntil.IsZero() || t1.CandidateAmountCents != 500000 {
		t.Errorf("an absent side is amount 0, status \"\": %+v", t1)
	}

	// Consistency: each side's total is the sum of its lines in force.
	for _, side := range []struct {
		lines []ReportLine
		of    func(SimulationTotal) Cents
	}{{current, func(t SimulationTotal) Cents { return t.CurrentAmountCents }}, {candidate, func(t SimulationTotal) Cents { return t.CandidateAmountCents }}} {
		var sum, tot Cents
		for _, l := range side.lines {
			if InForce(l.Status) {
				sum += l.AmountCents
			}
		}
		for _, tt := range totals {
			tot += side.of(tt)
		}
		if sum != tot {
			t.Errorf("totals %d, lines in force %d", tot, sum)
		}
	}

	// Swapping the sides swaps the effects.
	_, back := Compare(candidate, current, programs, wholesalers)
	if len(back) != 3 || back[2].Effect() != EffectLoses {
		t.Errorf("reversed: %+v", back)
	}
	if _, none := Compare(current, current, programs, wholesalers); none == nil || len(none) != 0 {
		t.Errorf("a side against itself: %+v", none)
	}
}

func TestSimulationJSONNames(t *testing.T) {
	sim := Simulation{AsOf: MustDate("2009-05-04"), Replay: "last", Current: OutcomeOf(&Report{}), Candidate: OutcomeOf(&Report{}),
		Totals: []SimulationTotal{{}}, Changes: []SimulationChange{{}}}
	b, err := json.Marshal(sim)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"as_of":"2009-05-04"`, `"replay":"last"`, `"current":{"lines":[],"discrepancies":[],"rejected_rows":[],"waitlist":[],"budgets":[]}`,
		`"program"`, `"wholesaler"`, `"current_lines"`, `"candidate_lines"`, `"current_amount_cents"`, `"candidate_amount_cents"`,
		`"reseller_id"`, `"current_status":""`, `"candidate_status"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("simulation.json lacks %s:\n%s", k, b)
		}
	}
}
