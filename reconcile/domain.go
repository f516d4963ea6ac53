package reconcile

import "time"

// Status is a reseller account's status at its wholesaler.
type Status int

// Account statuses. The zero value is not a valid status.
const (
	Active Status = iota + 1
	Terminated
)

func (s Status) String() string {
	switch s {
	case Active:
		return "active"
	case Terminated:
		return "terminated"
	}
	return "unknown"
}

// Account is one row of a wholesaler's accounts sheet.
type Account struct {
	ResellerID   string
	Name         string
	SIREN        string
	Status       Status
	InsuredLimit Cents
	Outstanding  Cents
	// AppliedLine is what the wholesaler says it applies for the vendor;
	// meaningful only when the layout maps the column (an empty cell is 0).
	AppliedLine Cents
	// Row is the Excel row number (1-based) in its sheet, for annotation.
	Row int
	// InvalidSIREN says the sheet gave a SIREN that is not one (spec
	// §8.3): SIREN is then empty and the run reports invalid_siren.
	InvalidSIREN bool
}

// Order is one order line of a wholesaler's orders sheet. Several lines may
// share an OrderID.
type Order struct {
	OrderID    string
	ResellerID string
	Date       Date
	Product    string
	Category   string
	Amount     Cents
	Payment    string
	// FinancingAcceptedAt and FinancingPaidAt are zero when absent.
	FinancingAcceptedAt time.Time
	FinancingPaidAt     time.Time
	File                string
	// Sheet is the orders sheet the line was read from.
	Sheet string
	Row   int
}

// Feed is what one run read from one wholesaler's processed files.
type Feed struct {
	Wholesaler string
	// Accounts are the rows of the last processed file: the current state.
	Accounts []Account
	// Statuses holds each reseller's latest status across every file of
	// the run (the last file wins), so that orders in earlier files of the
	// run are judged against what is known now.
	Statuses map[string]Status
	// Orders is the union of the accepted order lines of every file.
	Orders []Order
	// AppliedLineMapped says whether the layout maps applied_line, which
	// turns on the over/under_applied reconciliation.
	AppliedLineMapped bool
	// AccountsFile and AccountsSheet name where Accounts were read, for the
	// source of the decisions taken on them.
	AccountsFile, AccountsSheet string
}

// LineState is the lasting state of a line in the ledger.
type LineState string

// Line states.
const (
	Valid   LineState = "valid"
	Expired LineState = "expired"
	Revoked LineState = "revoked"
)

// LineStatus is what happened to a line in one run, as run.json reports it.
type LineStatus string

// Line statuses in a run.
const (
	Granted   LineStatus = "granted"
	Increased LineStatus = "increased"
	Extended  LineStatus = "extended"
	Unchanged LineStatus = "active"
	Expiring  LineStatus = "expiring" // used by reports only; run.json says active + expiring:true
	Ended     LineStatus = "expired"
	Withdrawn LineStatus = "revoked"
)

// Line is a vendor-backed credit line, keyed by (Wholesaler, Program,
// ResellerID); at most one line per key is Valid at a time.
type Line struct {
	// ID is the ledger's identity of the line; 0 for a line not yet stored.
	ID         int64
	Wholesaler string
	Program    string
	ResellerID string
	Amount     Cents
	ValidFrom  Date
	ValidUntil Date
	State      LineState
	// Reason explains the latest decision with the figures it used.
	Reason string
	// Source is the export row the latest decision came from (the line's
	// history keeps it); empty when no row decided it (an expiry).
	Source Source
}

// Source is a row of an export: its file, sheet and Excel row number.
type Source struct {
	File, Sheet string
	Row         int
}

// Key identifies the line slot a line occupies.
func (l Line) Key() LineKey { return LineKey{l.Wholesaler, l.Program, l.ResellerID} }

// LineKey is (wholesaler, program, reseller).
type LineKey struct{ Wholesaler, Program, ResellerID string }

// OrderKey identifies an order at a wholesaler for idempotency.
type OrderKey struct{ Wholesaler, OrderID string }

// LineChange is a line as it stands after the run, with what the run did.
type LineChange struct {
	Line
	Status   LineStatus
	Expiring bool
}

// DiscrepancyKind names a finding of reconciliation or of the financing SLA.
type DiscrepancyKind string

// Discrepancy kinds.
const (
	OverApplied      DiscrepancyKind = "over_applied"
	UnderApplied     DiscrepancyKind = "under_applied"
	MissingAccount   DiscrepancyKind = "missing_account"
	FinancingLate    DiscrepancyKind = "financing_late"
	FinancingOverdue DiscrepancyKind = "financing_overdue"
	// InvalidSIREN: the account's SIREN is not 9 digits passing the Luhn
	// check; the row is kept without it (spec §8.3).
	InvalidSIREN DiscrepancyKind = "invalid_siren"
)

// Discrepancy is one finding. ExpectedCents is the vendor's figure (the sum
// of valid lines), ActualCents the wholesaler's (applied_line).
type Discrepancy struct {
	Wholesaler string          `json:"wholesaler"`
	Kind       DiscrepancyKind `json:"kind"`
	ResellerID string          `json:"reseller_id"`
	Program    string          `json:"program"`
	OrderID    string          `json:"order_id"`
	// State and FirstSeen say whether the finding is new in this run or
	// was listed before, and since when (spec §10.1); set by
	// TrackFindings, empty as Evaluate returns it.
	State         FindingState `json:"state"`
	FirstSeen     Date         `json:"first_seen"`
	ExpectedCents Cents        `json:"expected_cents"`
	ActualCents   Cents        `json:"actual_cents"`
	Hours         int64        `json:"hours"`
	// Ref is the finding's reference in the wholesaler's workbook (see
	// FindingRef).
	Ref string `json:"ref"`
	// Response, Comment and AnsweredOn are the latest answer the
	// wholesaler gave to this finding (spec §10.2), if any.
	Response   Answer `json:"response,omitempty"`
	Comment    string `json:"comment,omitempty"`
	AnsweredOn Date   `json:"answered_on,omitempty"`
	// Carried marks an open finding of a wholesaler that did not deliver
	// in this run, shown again in its workbook and mail as its last
	// delivery listed it: not checked again, and never in run.json.
	Carried bool `json:"-"`
}

// Input is everything Evaluate needs for one run.
type Input struct {
	AsOf Date
	// AsOfInstant is the run's start, or 00:00 local of an explicit as-of;
	// the financing SLA measures against it.
	AsOfInstant        time.Time
	ExpiringWithinDays int
	Programs           []Program
	// Lines are the ledger's Valid lines at the start of the run.
	Lines []Line
	// Seen reports whether an order was already seen in an earlier run.
	Seen func(OrderKey) bool
	// Feeds holds one entry per wholesaler with processed files this run,
	// in config.yaml order: the order claims on a budget are taken in.
	Feeds []Feed
	// Waitlist is the ledger's waitlist at the start of the run (spec
	// §8.2), every program's; Seq gives the order within a program.
	Waitlist []WaitEntry
}

// Outcome is what Evaluate decided.
type Outcome struct {
	// Lines holds every line valid at as-of plus those that expired or were
	// revoked in this run, sorted by wholesaler, program, reseller.
	Lines []LineChange
	// Discrepancies are sorted by wholesaler, reseller, kind, program, order.
	Discrepancies []Discrepancy
	// Seen are the orders to mark seen when the run commits.
	Seen []OrderKey
	// Waitlist holds every waitlist entry after the run, sorted by
	// program, then rank; WaitlistChanges is what the ledger must write
	// to get there from Input.Waitlist.
	Waitlist        []WaitEntry
	WaitlistChanges WaitlistChanges
	// Budgets is the use of each budgeted program after the run, in
	// rules.yaml order.
	Budgets []BudgetUse
	// Warnings are sentences for run.json's warnings, each starting with
	// "budget: <program id>: ".
	Warnings []string
}
