package reconcile

// Budget is a program's envelope (spec §8.1): after every run the program's
// valid lines, all wholesalers together, sum to at most MaxTotal and number
// at most MaxBeneficiaries. A zero field is no limit of that kind.
type Budget struct {
	MaxTotal         Cents
	MaxBeneficiaries int
}

// WaitEntry is a claim on a budgeted program that did not fit (spec §8.2),
// keyed by (Wholesaler, Program, ResellerID). It is both the ledger's
// record and run.json's waitlist item.
type WaitEntry struct {
	Wholesaler  string `json:"wholesaler"`
	Program     string `json:"program"`
	ResellerID  string `json:"reseller_id"`
	AmountCents Cents  `json:"amount_cents"`
	// ValidUntil is the end the line would get: the program's until for
	// credit_top_up, the order's end for order_triggered_line.
	ValidUntil Date `json:"valid_until"`
	// Rank is the entry's place in its program's waitlist, from 1.
	Rank int `json:"rank"`
	// Since is the as-of of the run the entry joined in.
	Since Date `json:"since"`
	// Reason is Claim and why the entry waits, as the run leaves it.
	Reason string `json:"reason"`
	// Seq is the order entries joined in, across runs; Rank follows it.
	Seq int64 `json:"-"`
	// Claim is the reason of the line the entry claims, with its figures;
	// what the ledger keeps, and what the line's reason starts from when
	// the entry is granted.
	Claim string `json:"-"`
}

// Key identifies the line slot the entry claims.
func (w WaitEntry) Key() LineKey { return LineKey{w.Wholesaler, w.Program, w.ResellerID} }

// BudgetUse is one budgeted program's use after a run (run.json budgets).
// An absent limit is null.
type BudgetUse struct {
	Program          string `json:"program"`
	MaxTotalCents    *Cents `json:"max_total_cents"`
	UsedCents        Cents  `json:"used_cents"`
	MaxBeneficiaries *int   `json:"max_beneficiaries"`
	Beneficiaries    int    `json:"beneficiaries"`
	// Waitlisted and WaitlistedCents count the program's waitlist after the
	// run, for the workbooks and mails.
	Waitlisted      int   `json:"waitlisted"`
	WaitlistedCents Cents `json:"waitlisted_cents"`
}

// ResellerExposure is the vendor-wide view of one reseller company (spec
// §8.3): every valid line after the run whose reseller carries this SIREN,
// across wholesalers and programs.
type ResellerExposure struct {
	SIREN string `json:"siren"`
	// Name is the company's name as the first wholesaler (in config
	// order) that shows it gives it.
	Name        string   `json:"name"`
	Wholesalers []string `json:"wholesalers"`
	Lines       int      `json:"lines"`
	AmountCents Cents    `json:"amount_cents"`
}

// ProgramRun is one committed run × program, for the History sheet (spec
// §8.3): the program's valid lines after the run and what the run did.
type ProgramRun struct {
	RunID         string
	AsOf          Date
	Program       string
	Lines         int
	Exposure      Cents
	Beneficiaries int
	Granted       int
	Expired       int
	Revoked       int
}
