package notify

import (
	"fmt"

	"github.com/encours/encours/reconcile"
)

// Summary is what one email reports. For a wholesaler's email the caller
// passes only that wholesaler's data, and Render checks it: nothing of one
// wholesaler may ever reach another. For the program managers' email
// (RenderManagers) Wholesaler is empty and the data covers every wholesaler.
type Summary struct {
	// RunID identifies the run; with the audience and the recipient it
	// makes the Message-ID, so rendering the same run again gives the same IDs.
	RunID string
	AsOf  reconcile.Date
	// Language is "fr" or "en"; anything else is French.
	Language string
	// Vendor names the vendor in the subject ("Encours Microsoft — …");
	// empty gives a generic subject.
	Vendor         string
	Wholesaler     string
	WholesalerName string
	// Received says whether the wholesaler's export arrived this run; when
	// false the email says so. Ignored for the program managers, for whom a
	// wholesaler counts as received when one of its files was processed.
	Received bool
	// Programs maps program id to name.
	Programs map[string]string
	// Wholesalers maps wholesaler id to name, for the program managers'
	// email; every configured wholesaler should be listed so that one
	// without an export still shows.
	Wholesalers map[string]string
	// Resellers maps the wholesaler's reseller ids to the names its export
	// gives them, so a credit manager reads "C001 · Dupont SARL" rather
	// than a bare code. Wholesaler emails only; untrusted text.
	Resellers     map[string]string
	Lines         []reconcile.ReportLine
	Discrepancies []reconcile.Discrepancy
	Rejected      []reconcile.RejectedRow
	Files         []reconcile.FileResult
	// Waitlist is, for a wholesaler, its own waitlisted resellers (spec
	// §8.2), which its email lists with their program-wide rank.
	Waitlist []reconcile.WaitEntry
	// Resolved are the findings the run resolved, Responses the answers it
	// received (spec §10). Discrepancies carry their state, first_seen and
	// latest answer; the new and the open ones are listed apart.
	Resolved  []reconcile.ResolvedFinding
	Responses []reconcile.FindingResponse
	// Budgets and Exposures are for the program managers only: the use of
	// each budgeted program and the exposure per reseller company (SIREN)
	// across wholesalers. They are every wholesaler's figures: Render
	// refuses a wholesaler's Summary that holds either.
	Budgets   []reconcile.BudgetUse
	Exposures []reconcile.ResellerExposure
	// Warnings are the run's warnings, in English as the run writes them;
	// the email translates those it knows (see LocalWarning).
	Warnings   []string
	Attachment Attachment
}

// Attachment is the workbook attached to an email.
type Attachment struct {
	// Name is the file name as the recipient sees it; it is reduced to
	// ASCII letters, digits, '.', '-' and '_' because go-mail encodes
	// other names in a way some clients show garbled.
	Name string
	Data []byte
	// Where, with empty Data, says the workbook Name (Size bytes) was too
	// large to attach and where it is kept: the email says so in its
	// language instead of announcing an attachment.
	Where string
	Size  int64
}

// ErrForeignData reports an item of a wholesaler's Summary that belongs to
// another wholesaler. It is a bug in the caller, never something to send.
var ErrForeignData = fmt.Errorf("summary holds another wholesaler's data")

// checkIsolation returns an error when any item of s belongs to a wholesaler
// other than s.Wholesaler.
func checkIsolation(s Summary) error {
	w := s.Wholesaler
	if w == "" {
		return fmt.Errorf("summary for a wholesaler has no wholesaler id")
	}
	foreign := func(what string, i int, got string) error {
		return fmt.Errorf("%w: %s %d belongs to %q, not %q", ErrForeignData, what, i, got, w)
	}
	for _, c := range []foreignRef{
		foreignItem("line", s.Lines, w, func(l reconcile.ReportLine) string { return l.Wholesaler }),
		foreignItem("discrepancy", s.Discrepancies, w, func(d reconcile.Discrepancy) string { return d.Wholesaler }),
		foreignItem("rejected row", s.Rejected, w, func(r reconcile.RejectedRow) string { return r.Wholesaler }),
		foreignItem("file", s.Files, w, func(f reconcile.FileResult) string { return f.Wholesaler }),
		foreignItem("waitlist entry", s.Waitlist, w, func(e reconcile.WaitEntry) string { return e.Wholesaler }),
		foreignItem("resolved finding", s.Resolved, w, func(r reconcile.ResolvedFinding) string { return r.Wholesaler }),
		foreignItem("response", s.Responses, w, func(r reconcile.FindingResponse) string { return r.Wholesaler }),
	} {
		if c.at >= 0 {
			return foreign(c.what, c.at, c.got)
		}
	}
	if len(s.Budgets) > 0 {
		return fmt.Errorf("%w: the budget use of %d programs counts every wholesaler's lines; it is for the program managers only",
			ErrForeignData, len(s.Budgets))
	}
	for i, msg := range s.Warnings {
		if isBudgetWarning(msg) {
			return fmt.Errorf("%w: warning %d gives a program budget's figures, every wholesaler's together; it is for the program managers only",
				ErrForeignData, i)
		}
	}
	if len(s.Exposures) > 0 {
		return fmt.Errorf("%w: the exposure of %d reseller companies spans every wholesaler; it is for the program managers only",
			ErrForeignData, len(s.Exposures))
	}
	for id := range s.Wholesalers {
		if id != w {
			return foreign("wholesaler name", 0, id)
		}
	}
	return nil
}

// foreignRef is the first item of a list that belongs to another
// wholesaler: what it is, its index (-1 when none does) and whose it is.
type foreignRef struct {
	what string
	at   int
	got  string
}

// foreignItem finds the first of items that belongs to another wholesaler
// than w (of says whose an item is).
func foreignItem[T any](what string, items []T, w string, of func(T) string) foreignRef {
	for i, x := range items {
		if got := of(x); got != w {
			return foreignRef{what, i, got}
		}
	}
	return foreignRef{what, -1, ""}
}
