package batch

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/encours/encours/reconcile"
)

// staleAfterDays is how long a wholesaler may stay silent before the run
// warns about its feed (spec §3.4).
const staleAfterDays = 8

// evaluate loads the ledger state, applies the programs and assembles the
// report (without mail, which comes after the commit).
func (st *state) evaluate(ctx context.Context) error {
	lines, err := st.store.ValidLines(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the ledger: %w", err)
	}
	seen := map[reconcile.OrderKey]bool{}
	for _, f := range st.feeds {
		ids := make([]string, 0, len(f.Orders))
		for _, o := range f.Orders {
			ids = append(ids, o.OrderID)
		}
		got, err := st.store.SeenOrders(ctx, f.Wholesaler, ids)
		if err != nil {
			return fmt.Errorf("cannot read the ledger: %w", err)
		}
		for id := range got {
			seen[reconcile.OrderKey{Wholesaler: f.Wholesaler, OrderID: id}] = true
		}
	}
	waitlist, known, err := st.loadBudgets(ctx)
	if err != nil {
		return err
	}
	st.progressf("evaluating programs", 0, 1)
	st.outcome = reconcile.Evaluate(reconcile.Input{
		AsOf:               st.asOf,
		AsOfInstant:        st.asOfInstant,
		ExpiringWithinDays: st.cfg.ExpiringWithinDays,
		Programs:           st.cfg.Programs,
		Lines:              lines,
		Seen:               func(k reconcile.OrderKey) bool { return seen[k] },
		Feeds:              st.feeds,
		Waitlist:           waitlist,
	})
	detach(&st.outcome)
	st.warnings = append(st.warnings, st.outcome.Warnings...)
	st.identify(known)
	st.fillSources()
	open, err := st.store.OpenFindings(ctx, st.cfg.WholesalerIDs())
	if err != nil {
		return fmt.Errorf("cannot read the ledger: %w", err)
	}
	st.names = map[string]map[string]string{}
	for _, w := range st.cfg.Wholesalers {
		st.names[w.ID] = st.resellerNames(w.ID, open)
	}
	// What was read is decided: the accounts, statuses and orders (a few
	// hundred MB at a million rows) are not needed any more, and go before
	// the findings are tracked (another ~100 MB for a moment). The writers
	// keep the raw rows, which give each accepted row's reseller.
	for i := range st.feeds {
		st.feeds[i].Accounts, st.feeds[i].Statuses, st.feeds[i].Orders = nil, nil, nil
	}
	for _, fw := range st.files {
		fw.accounts.Rows = nil
	}
	if err := st.staleFeeds(ctx); err != nil {
		return err
	}
	if err := st.trackFindings(ctx, open); err != nil {
		return err
	}

	st.sortRejected()
	files := make([]reconcile.FileResult, 0, len(st.files))
	for _, fw := range st.files {
		files = append(files, fw.result)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Wholesaler < files[j].Wholesaler })
	st.report = &reconcile.Report{
		AsOf:          st.asOf,
		Files:         files,
		Lines:         reconcile.ReportLines(st.outcome.Lines),
		Discrepancies: nonNil(st.findings.Discrepancies),
		RejectedRows:  nonNil(st.rejected),
		Mail:          []reconcile.MailResult{},
		Warnings:      nonNil(st.warnings),
		Budgets:       st.outcome.Budgets,
		Waitlist:      st.outcome.Waitlist,
		Resellers:     st.exposures(),
		Resolved:      reconcile.ReportResolved(st.findings.Resolved),
		Responses:     nonNil(st.responses),
	}
	return nil
}

// detach gives the reseller ids the outcome took from the accounts their
// own memory. An account's strings share the raw rows' 1 MiB chunks (see
// rawRows.add): one id kept by a line would keep its whole chunk, and the
// lines and discrepancies, spread over every chunk, would keep all of
// them (~120 MB at a million rows) until the end of the run, long after
// the accounts sheet is written. Equal ids side by side (the outcome is
// sorted) share one copy.
func detach(o *reconcile.Outcome) {
	var c cloner
	for i := range o.Lines {
		o.Lines[i].ResellerID = c.clone(o.Lines[i].ResellerID)
	}
	for i := range o.Discrepancies {
		o.Discrepancies[i].ResellerID = c.clone(o.Discrepancies[i].ResellerID)
	}
	for i := range o.Waitlist {
		o.Waitlist[i].ResellerID = c.clone(o.Waitlist[i].ResellerID)
	}
	for i := range o.WaitlistChanges.Put {
		o.WaitlistChanges.Put[i].ResellerID = c.clone(o.WaitlistChanges.Put[i].ResellerID)
	}
	for i := range o.WaitlistChanges.Remove {
		o.WaitlistChanges.Remove[i].ResellerID = c.clone(o.WaitlistChanges.Remove[i].ResellerID)
	}
}

// cloner copies strings, reusing the last copy for a string equal to the
// last one.
type cloner struct{ from, to string }

func (c *cloner) clone(s string) string {
	if s != c.from || c.to == "" {
		c.from, c.to = s, strings.Clone(s)
	}
	return c.to
}

// staleFeeds warns about wholesalers without a new export for more than
// eight days. A wholesaler that never delivered is measured from the first
// run of the ledger, so a fresh installation does not warn on day one.
func (st *state) staleFeeds(ctx context.Context) error {
	last, err := st.store.LastExports(ctx)
	if err != nil {
		return err
	}
	first, hasFirst, err := st.store.FirstRunAsOf(ctx)
	if err != nil {
		return err
	}
	delivered := map[string]bool{}
	for _, f := range st.feeds {
		delivered[f.Wholesaler] = true
	}
	st.stale = map[string]bool{}
	for _, w := range st.cfg.Wholesalers {
		if delivered[w.ID] {
			continue
		}
		since, ok := last[w.ID]
		if ok && int(st.asOf-since) > staleAfterDays || !ok && hasFirst && int(st.asOf-first) > staleAfterDays {
			st.stale[w.ID] = true
		}
		switch {
		case ok && int(st.asOf-since) > staleAfterDays:
			st.warnings = append(st.warnings, fmt.Sprintf(
				"stale_feed: %s: no new export since %s (%d days); ask %s for this week's export",
				w.ID, since, int(st.asOf-since), w.Name))
		case !ok && hasFirst && int(st.asOf-first) > staleAfterDays:
			st.warnings = append(st.warnings, fmt.Sprintf(
				"stale_feed: %s: no export received since encours started on %s (%d days); ask %s to send its export",
				w.ID, first, int(st.asOf-first), w.Name))
		}
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// sortRejected orders rejected rows by wholesaler, then as the files were
// read (oldest first), accounts sheet before orders sheet, then row.
func (st *state) sortRejected() {
	type key struct{ file, sheet int }
	rank := map[[3]string]key{}
	for i, fw := range st.files {
		w, n := fw.file.Wholesaler, fw.file.Name
		rank[[3]string{w, n, fw.sheet}] = key{i, 0}
		rank[[3]string{w, n, fw.ordersSheet}] = key{i, 1}
	}
	sort.SliceStable(st.rejected, func(i, j int) bool {
		a, b := st.rejected[i], st.rejected[j]
		if a.Wholesaler != b.Wholesaler {
			return a.Wholesaler < b.Wholesaler
		}
		ka, kb := rank[[3]string{a.Wholesaler, a.File, a.Sheet}], rank[[3]string{b.Wholesaler, b.File, b.Sheet}]
		if ka != kb {
			if ka.file != kb.file {
				return ka.file < kb.file
			}
			return ka.sheet < kb.sheet
		}
		return a.Row < b.Row
	})
}
