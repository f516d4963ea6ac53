package batch

import (
	"context"
	"fmt"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
)

// staleRemindDays is how often, at most, mail.send: on_change mails a
// wholesaler again about the same stale feed (spec §10.3).
const staleRemindDays = 7

// decideMail decides who is mailed in this run (spec §10.3): with
// mail.send: every_run every wholesaler and the program managers; with
// on_change only the wholesalers with news, and the managers when any
// wholesaler has. It also settles which stale-feed notices the commit
// records (a stale wholesaler mailed now) and clears (a feed fresh again).
func (st *state) decideMail(ctx context.Context) error {
	every := st.cfg.Mail.Send != config.SendOnChange
	var notices map[string]reconcile.Date
	if !every && len(st.stale) > 0 {
		var err error
		if notices, err = st.store.StaleNotices(ctx); err != nil {
			return err
		}
	}
	st.mailed = map[string]bool{}
	for _, w := range st.cfg.Wholesalers {
		news := every || st.hasNews(w.ID, notices)
		st.mailed[w.ID] = news
		st.mailManagers = st.mailManagers || news
		switch {
		case st.stale[w.ID] && news:
			st.staleMailed = append(st.staleMailed, w.ID)
		case !st.stale[w.ID]:
			st.staleCleared = append(st.staleCleared, w.ID)
		}
	}
	return nil
}

// hasNews reports whether this run has news for a wholesaler: one of its
// files processed, quarantined or answered, a line of its whose status is
// other than active, a finding of its new or resolved, or its feed stale
// for the first time or for another week since it was last mailed about.
func (st *state) hasNews(w string, notices map[string]reconcile.Date) bool {
	r := st.report
	for _, f := range r.Files {
		if f.Wholesaler == w && (f.Status == reconcile.Processed || f.Status == reconcile.Quarantined || f.Status == reconcile.Responses) {
			return true
		}
	}
	for _, l := range r.Lines {
		if l.Wholesaler == w && l.Status != reconcile.Unchanged {
			return true
		}
	}
	for _, d := range r.Discrepancies {
		if d.Wholesaler == w && d.State == reconcile.FindingNew {
			return true
		}
	}
	for _, f := range r.Resolved {
		if f.Wholesaler == w {
			return true
		}
	}
	if st.stale[w] {
		last, noted := notices[w]
		return !noted || int(st.asOf-last) >= staleRemindDays
	}
	return false
}

// mailNote says in the log who this run mails, with on_change.
func (st *state) mailNote() string {
	var quiet []string
	for _, w := range st.cfg.Wholesalers {
		if !st.mailed[w.ID] {
			quiet = append(quiet, w.ID)
		}
	}
	return fmt.Sprintf("mail.send on_change: no news for %v", quiet)
}
