package reconcile

import "time"

// Report is run.json: the machine-readable result of one run (spec §6).
// Field names are a contract with the tests outside the repository.
type Report struct {
	AsOf          Date          `json:"as_of"`
	Files         []FileResult  `json:"files"`
	Lines         []ReportLine  `json:"lines"`
	Discrepancies []Discrepancy `json:"discrepancies"`
	RejectedRows  []RejectedRow `json:"rejected_rows"`
	Mail          []MailResult  `json:"mail"`
	Warnings      []string      `json:"warnings"`
	// Budgets, Waitlist and Resellers are spec §8: budget use per budgeted
	// program, every waitlist entry after the run, and the vendor-wide
	// exposure per SIREN.
	Budgets   []BudgetUse        `json:"budgets"`
	Waitlist  []WaitEntry        `json:"waitlist"`
	Resellers []ResellerExposure `json:"resellers"`
	// Resolved and Responses are spec §10: the findings this run resolved
	// and the wholesalers' answers it received.
	Resolved  []ResolvedFinding `json:"resolved"`
	Responses []FindingResponse `json:"responses"`
}

// FileStatus is what became of one inbox file.
type FileStatus string

// File statuses.
const (
	Processed   FileStatus = "processed"
	Duplicate   FileStatus = "duplicate"
	Quarantined FileStatus = "quarantined"
	Deferred    FileStatus = "deferred"
	// Responses is a wholesaler's workbook sent back with its answers
	// (spec §10.2): read, recorded and archived, but not a delivery.
	Responses FileStatus = "responses"
)

// FileResult is one inbox file in run.json.
type FileResult struct {
	Wholesaler string     `json:"wholesaler"`
	Name       string     `json:"name"`
	SHA256     string     `json:"sha256"`
	Status     FileStatus `json:"status"`
	Error      string     `json:"error"`
}

// ReportLine is one line in run.json.
type ReportLine struct {
	Wholesaler  string     `json:"wholesaler"`
	Program     string     `json:"program"`
	ResellerID  string     `json:"reseller_id"`
	AmountCents Cents      `json:"amount_cents"`
	ValidFrom   Date       `json:"valid_from"`
	ValidUntil  Date       `json:"valid_until"`
	Status      LineStatus `json:"status"`
	Expiring    bool       `json:"expiring"`
	Reason      string     `json:"reason"`
}

// RejectedRow is a row set aside, with where it is and why.
type RejectedRow struct {
	Wholesaler string `json:"wholesaler"`
	File       string `json:"file"`
	Sheet      string `json:"sheet"`
	Row        int    `json:"row"`
	Column     string `json:"column"`
	Reason     string `json:"reason"`
}

// MailStatus is where a message stands.
type MailStatus string

// Mail statuses.
const (
	MailSent   MailStatus = "sent"
	MailQueued MailStatus = "queued"
	MailFailed MailStatus = "failed"
)

// MailResult is one message of the run in run.json.
type MailResult struct {
	Wholesaler string     `json:"wholesaler"`
	Recipient  string     `json:"recipient"`
	MessageID  string     `json:"message_id"`
	Status     MailStatus `json:"status"`
	Attempts   int        `json:"attempts"`
	Error      string     `json:"error"`
}

// ReportLines turns an Outcome's lines into run.json lines.
func ReportLines(changes []LineChange) []ReportLine {
	out := make([]ReportLine, 0, len(changes))
	for _, c := range changes {
		out = append(out, ReportLine{
			Wholesaler: c.Wholesaler, Program: c.Program, ResellerID: c.ResellerID,
			AmountCents: c.Amount, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil,
			Status: c.Status, Expiring: c.Expiring, Reason: c.Reason,
		})
	}
	return out
}

// Message is one email of a run as the outbox keeps it: rendered once,
// stored before any attempt, sent until a server accepts it.
type Message struct {
	// ID is the Message-ID (without angle brackets), stable for (run, recipient).
	ID         string
	RunID      string
	Wholesaler string // empty for the program managers' message
	Recipient  string
	Subject    string
	// EML is the whole RFC 5322 message, attachments included.
	EML         []byte
	Status      MailStatus
	Attempts    int
	LastError   string
	NextAttempt time.Time
	CreatedAt   time.Time
}
