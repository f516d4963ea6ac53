package reconcile

// Kind is a program's rule kind.
type Kind string

// The rule kinds of spec §3.
const (
	CreditTopUp        Kind = "credit_top_up"
	OrderTriggeredLine Kind = "order_triggered_line"
	FinancingSLA       Kind = "financing_sla"
)

// Kinds lists every kind, for messages.
var Kinds = []Kind{CreditTopUp, OrderTriggeredLine, FinancingSLA}

// Program is one aid rule of the vendor. Only the fields of its Kind are used.
type Program struct {
	ID          string
	Name        string
	Kind        Kind
	Wholesalers []string // ids, or ["*"] for all

	// credit_top_up; From and Until bound as-of.
	MaxAmount Cents
	RoundUpTo Cents // default 100 €

	// order_triggered_line; From and Until (optional, zero = open) bound the order date.
	Amount         Cents
	DurationMonths int
	Trigger        Trigger

	From, Until Date

	// financing_sla
	PaymentValues []string
	MaxHours      int // default 48

	// Budget, for credit_top_up and order_triggered_line; nil is no budget.
	Budget *Budget
}

// Trigger says which orders qualify for an order_triggered_line.
type Trigger struct {
	Category        []string // case-insensitive equality, any
	ProductContains []string // case-insensitive substring, any
	MinOrderAmount  Cents
}

// AppliesTo reports whether the program covers a wholesaler.
func (p Program) AppliesTo(wholesaler string) bool {
	for _, w := range p.Wholesalers {
		if w == "*" || w == wholesaler {
			return true
		}
	}
	return false
}
