package whatif

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/encours/encours/reconcile"
)

// TestEncodeSimulation: the streamed simulation.json is what
// encoding/json writes, indented, for the same value, empty lists
// included.
func TestEncodeSimulation(t *testing.T) {
	d := reconcile.MustDate
	cents := reconcile.Cents(300000)
	one := 1
	line := reconcile.ReportLine{Wholesaler: "actebis", Program: "mezzanine", ResellerID: "C<1>", AmountCents: 340000,
		ValidFrom: d("2009-04-20"), ValidUntil: d("2009-06-30"), Status: reconcile.Granted, Reason: "a & b \"quoted\"\n"}
	for name, sim := range map[string]reconcile.Simulation{
		"empty": {AsOf: d("2009-05-04"), Replay: "last", Current: reconcile.OutcomeOf(&reconcile.Report{}),
			Candidate: reconcile.OutcomeOf(&reconcile.Report{}), Totals: []reconcile.SimulationTotal{}, Changes: []reconcile.SimulationChange{}},
		"full": {AsOf: d("2009-05-04"), Replay: "all",
			Current: reconcile.SimulationOutcome{Lines: []reconcile.ReportLine{line, line},
				Discrepancies: []reconcile.Discrepancy{{Wholesaler: "etc", Kind: reconcile.FinancingLate, Hours: 50}},
				RejectedRows:  []reconcile.RejectedRow{{Wholesaler: "etc", File: "é.xlsx", Row: 3, Reason: "r"}},
				Waitlist:      []reconcile.WaitEntry{{Wholesaler: "etc", Program: "p", Rank: 1, Since: d("2009-04-27")}},
				Budgets:       []reconcile.BudgetUse{{Program: "p", MaxTotalCents: &cents, MaxBeneficiaries: &one}, {Program: "q"}}},
			Candidate: reconcile.OutcomeOf(&reconcile.Report{Lines: []reconcile.ReportLine{line}}),
			Totals:    []reconcile.SimulationTotal{{Program: "mezzanine", Wholesaler: "actebis", CurrentLines: 2}},
			Changes:   []reconcile.SimulationChange{{Wholesaler: "actebis", CurrentStatus: reconcile.Granted}}},
	} {
		var got bytes.Buffer
		if err := encodeSimulation(&got, &sim); err != nil {
			t.Fatal(err)
		}
		want, err := json.MarshalIndent(sim, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s:\n%s\nwant\n%s", name, got.Bytes(), want)
		}
	}
}
