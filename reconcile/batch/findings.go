package batch

import (
	"context"

	"github.com/encours/encours/reconcile"
)

// trackFindings gives this run's discrepancies their state and first_seen
// against the findings open before the run, records the answers of the
// response files, and keeps the open findings of the wholesalers that did
// not deliver to show them again (spec §10.1, §10.2). open is what the
// ledger holds open before the run (evaluate reads it through its index:
// one row per open finding, never the resolved history).
func (st *state) trackFindings(ctx context.Context, open []reconcile.Finding) error {
	var err error
	delivered := map[string]bool{}
	for _, f := range st.feeds {
		delivered[f.Wholesaler] = true
	}
	st.findings = reconcile.TrackFindings(open, st.outcome.Discrepancies, func(w string) bool { return delivered[w] },
		st.asOf, st.runID)
	for _, f := range open {
		if !delivered[f.Wholesaler] {
			d := f.Discrepancy
			d.State, d.Carried = reconcile.FindingOpen, true
			st.carried = append(st.carried, d)
		}
	}
	if st.responses, err = st.matchResponses(ctx, open); err != nil {
		return err
	}
	st.applyAnswers(st.responses, st.findings.Discrepancies, st.findings.Resolved)
	st.applyAnswers(st.responses, st.carried, nil)
	// At a million rows the discrepancies are ~30 MB in each copy: the
	// tracked ones are the report's; Evaluate's and the new findings (made
	// again from the report for the commit, see newFindings) go.
	st.outcome.Discrepancies, st.findings.New = nil, nil
	return nil
}

// newFindings are the findings the run opens, for the commit: made from
// the report's discrepancies, as TrackFindings made them.
func (st *state) newFindings() []reconcile.Finding {
	return reconcile.NewFindings(st.report.Discrepancies, st.runID)
}

// shown is what the workbooks and mails list as findings: this run's
// discrepancies, then the open findings of the wholesalers that did not
// deliver (marked Carried); run.json has only the former. It is made
// once: every workbook and mail asks for it.
func (st *state) shown() []reconcile.Discrepancy {
	if len(st.carried) == 0 {
		return st.report.Discrepancies
	}
	if st.shownList == nil {
		st.shownList = append(st.report.Discrepancies[:len(st.report.Discrepancies):len(st.report.Discrepancies)], st.carried...)
	}
	return st.shownList
}

// fillSources gives the line decisions Evaluate could not tie to an
// export row (a revocation, a grant from the waitlist) the row of the
// reseller's account in this run's latest export of its wholesaler, so
// that `encours explain` can say where every decision came from.
func (st *state) fillSources() {
	need := map[string]map[string]bool{} // wholesaler → resellers
	for _, l := range st.outcome.Lines {
		if l.Source.File == "" && decided(l.Status) {
			if need[l.Wholesaler] == nil {
				need[l.Wholesaler] = map[string]bool{}
			}
			need[l.Wholesaler][l.ResellerID] = true
		}
	}
	if len(need) == 0 {
		return
	}
	rows := map[[2]string]reconcile.Source{}
	for _, fw := range st.files { // oldest first: the latest file's row wins
		wanted := need[fw.file.Wholesaler]
		if fw.result.Status != reconcile.Processed || wanted == nil {
			continue
		}
		for _, a := range fw.accounts.Rows {
			if wanted[a.ResellerID] {
				rows[[2]string{fw.file.Wholesaler, a.ResellerID}] = reconcile.Source{File: fw.file.Name, Sheet: fw.sheet, Row: a.Row}
			}
		}
	}
	for i := range st.outcome.Lines {
		l := &st.outcome.Lines[i]
		if l.Source.File == "" && decided(l.Status) {
			l.Source = rows[[2]string{l.Wholesaler, l.ResellerID}]
		}
	}
}

// decided reports the line statuses an export row decides; an expiry
// comes from the date alone.
func decided(s reconcile.LineStatus) bool {
	switch s {
	case reconcile.Granted, reconcile.Increased, reconcile.Extended, reconcile.Withdrawn:
		return true
	}
	return false
}
