package batch

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/encours/encours/reconcile"
)

// loadBudgets reads what spec §8 needs of the ledger before Evaluate: the
// waitlist, the resellers' last known SIRENs and names, and the committed
// runs' History rows (into st.history).
func (st *state) loadBudgets(ctx context.Context) (waitlist []reconcile.WaitEntry, known []reconcile.Reseller, err error) {
	if waitlist, err = st.store.Waitlist(ctx); err != nil {
		return nil, nil, fmt.Errorf("cannot read the ledger: %w", err)
	}
	if known, err = st.store.Resellers(ctx); err != nil {
		return nil, nil, fmt.Errorf("cannot read the ledger: %w", err)
	}
	if st.history, err = st.store.History(ctx); err != nil {
		return nil, nil, fmt.Errorf("cannot read the ledger: %w", err)
	}
	return waitlist, known, nil
}

// identify gives every reseller account holding a valid line or a
// waitlist entry after the run its SIREN and name: from the latest export
// of its wholesaler when this run has one that lists it, else as the
// ledger last knew them. It sets what the commit changes in the ledger's
// copy (only what changed, and the accounts that hold nothing any more),
// and this run's History rows.
func (st *state) identify(known []reconcile.Reseller) {
	var holders []reconcile.Reseller
	for i := range st.outcome.Lines {
		if l := &st.outcome.Lines[i]; l.State == reconcile.Valid {
			holders = append(holders, reconcile.Reseller{Wholesaler: l.Wholesaler, ID: l.ResellerID})
		}
	}
	for _, w := range st.outcome.Waitlist {
		holders = append(holders, reconcile.Reseller{Wholesaler: w.Wholesaler, ID: w.ResellerID})
	}
	slices.SortFunc(holders, reconcile.CompareResellers)
	holders = slices.CompactFunc(holders, func(a, b reconcile.Reseller) bool { return reconcile.CompareResellers(a, b) == 0 })

	seen := make([]bool, len(holders))
	for i := range st.feeds {
		f := &st.feeds[i]
		for j := range f.Accounts {
			a := &f.Accounts[j]
			k, ok := slices.BinarySearchFunc(holders, reconcile.Reseller{Wholesaler: f.Wholesaler, ID: a.ResellerID}, reconcile.CompareResellers)
			if ok {
				// The name's own copy: the account's shares the raw rows (detach).
				holders[k].SIREN, holders[k].Name, seen[k] = a.SIREN, strings.Clone(a.Name), true
			}
		}
	}
	for k := range holders {
		if !seen[k] {
			if r, ok := reconcile.FindReseller(known, holders[k].Wholesaler, holders[k].ID); ok {
				holders[k].SIREN, holders[k].Name = r.SIREN, r.Name
			}
		}
	}
	st.resellers = holders

	st.resellersPut, st.resellersGone = changedResellers(holders, known)

	st.runHistory = reconcile.ProgramRuns(st.runID, st.asOf, st.cfg.Programs, st.outcome.Lines, st.siren)
	st.history = append(st.history, st.runHistory...)
}

// changedResellers is what the commit changes in the ledger's copy of the
// resellers (known) to get holders, both sorted: the new or changed ones
// and those that hold nothing any more. A first run changes every one:
// put is then holders itself, not a copy (120,000 resellers at a million
// rows).
func changedResellers(holders, known []reconcile.Reseller) (put, gone []reconcile.Reseller) {
	if len(known) == 0 {
		if len(holders) == 0 {
			return nil, nil
		}
		return holders[:len(holders):len(holders)], nil
	}
	i, j := 0, 0
	for i < len(holders) || j < len(known) {
		var c int
		switch {
		case i == len(holders):
			c = 1
		case j == len(known):
			c = -1
		default:
			c = reconcile.CompareResellers(holders[i], known[j])
		}
		switch {
		case c < 0:
			put = append(put, holders[i])
			i++
		case c > 0:
			gone = append(gone, known[j])
			j++
		default:
			if holders[i] != known[j] {
				put = append(put, holders[i])
			}
			i++
			j++
		}
	}
	return put, gone
}

func (st *state) reseller(wholesaler, id string) reconcile.Reseller {
	r, _ := reconcile.FindReseller(st.resellers, wholesaler, id)
	return r
}

func (st *state) siren(wholesaler, id string) string { return st.reseller(wholesaler, id).SIREN }

// exposures is run.json's resellers (spec §8.3).
func (st *state) exposures() []reconcile.ResellerExposure {
	order := make([]string, len(st.cfg.Wholesalers))
	for i, w := range st.cfg.Wholesalers {
		order[i] = w.ID
	}
	return reconcile.Exposures(st.outcome.Lines, st.reseller, order)
}
