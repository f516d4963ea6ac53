// Package layout reads a wholesaler's sheets through its configured column
// layout: it finds the header row, maps header aliases to fields, and turns
// raw cell text into domain rows, rejecting bad rows with their position.
package layout

// Layout is one wholesaler's way of writing its exports, from config.yaml.
type Layout struct {
	// Decimal is "comma" (5 000,00) or "point" (5,000.00).
	Decimal string
	// DateOrder is "dmy", "mdy" or "ymd" for dates written as text.
	DateOrder string
	Accounts  Sheet
	// Orders is nil when the wholesaler sends no orders sheet.
	Orders *Sheet
}

// Sheet names a sheet and, per field, the header words that may stand for it.
type Sheet struct {
	// Name of the sheet; empty means the first sheet of the workbook.
	Name string
	// Columns maps a field (reseller_id, outstanding, …) to header aliases.
	Columns map[string][]string
	// StatusValues adds aliases to the built-in status words, keyed by
	// "active" or "terminated" (accounts only).
	StatusValues map[string][]string
}

// Fields of the accounts sheet.
var (
	AccountFields         = []string{"reseller_id", "reseller_name", "status", "insured_limit", "outstanding"}
	AccountOptionalFields = []string{"siren", "applied_line"}
	OrderFields           = []string{"order_id", "reseller_id", "order_date", "product", "category", "amount"}
	OrderOptionalFields   = []string{"payment", "financing_accepted_at", "financing_paid_at"}
)
