package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Defaults of program parameters left at zero (spec §3).
const (
	defaultRoundUpTo = Cents(100_00)
	defaultMaxHours  = 48
)

const reasonRevoked = "reseller terminated at the wholesaler; line revoked"

// Evaluate applies the programs to one run's feeds, in the order of spec
// §3.5, and returns the lines as they stand, the discrepancies, and the
// orders to mark seen. It never mutates in.
//
// With budgets (spec §8) the order is: expiry, then the revocations of
// every delivering wholesaler (they free room), then each budgeted
// program's waitlist by rank, then this run's claims, wholesalers in the
// order of in.Feeds (config.yaml's order), programs in rules.yaml order.
func Evaluate(in Input) Outcome {
	e := newEvaluation(in)
	e.expire()
	e.buildIndex()
	statuses := make([]map[string]Status, len(in.Feeds))
	for i := range in.Feeds {
		statuses[i] = feedStatuses(&in.Feeds[i])
		e.revoke(in.Feeds[i].Wholesaler, statuses[i])
	}
	e.startBudgets(statuses)
	for i := range in.Feeds {
		e.apply(&in.Feeds[i], statuses[i])
	}
	for i := range in.Feeds {
		e.reconcile(&in.Feeds[i])
	}
	return e.outcome()
}

// feedStatuses is each reseller's latest status in a feed: its Statuses,
// or, when the caller left them out, its accounts' own.
func feedStatuses(f *Feed) map[string]Status {
	if f.Statuses != nil {
		return f.Statuses
	}
	statuses := make(map[string]Status, len(f.Accounts))
	for _, a := range f.Accounts {
		statuses[a.ResellerID] = a.Status
	}
	return statuses
}

// evaluation is the working state of one Evaluate call. lines starts as a
// copy of the input's valid lines; lines[fresh:] are the lines created in
// this run, which stay "granted" whatever else happens to them.
type evaluation struct {
	in    Input
	lines []LineChange
	fresh int
	// index finds the valid line of a (wholesaler, program) slot by
	// reseller; keyed by reseller id so a million accounts cost one map
	// entry each, not a LineKey of three strings.
	index map[slot]map[string]int
	disc  []Discrepancy
	seen  []OrderKey
	// budgets holds the programs that have a budget or a waitlist, by id.
	budgets  map[string]*budget
	waitKept []WaitEntry // entries of programs this run does not know
	nextSeq  int64
	warnings []string
	// src is the export row of the claim being decided: grant and the
	// increases and extensions give it to the line they touch.
	src Source
}

type slot struct{ wholesaler, program string }

func newEvaluation(in Input) *evaluation {
	lines := make([]LineChange, 0, len(in.Lines))
	for _, l := range in.Lines {
		// The ledger hands over valid lines only; anything else is not
		// this run's business and would only confuse the slot index.
		if l.State == Valid {
			lines = append(lines, LineChange{Line: l, Status: Unchanged})
		}
	}
	return &evaluation{in: in, lines: lines, fresh: len(lines), index: map[slot]map[string]int{}}
}

// expire is step 1: valid_until is inclusive, so a line ends the day after.
func (e *evaluation) expire() {
	for i := range e.lines {
		l := &e.lines[i]
		if l.ValidUntil < e.in.AsOf {
			l.State = Expired
			l.Status = Ended
			l.Reason = "ended on " + l.ValidUntil.String()
		}
	}
}

func (e *evaluation) buildIndex() {
	for i := range e.lines {
		if e.lines[i].State == Valid {
			e.put(i)
		}
	}
}

func (e *evaluation) put(i int) {
	l := &e.lines[i]
	s := slot{l.Wholesaler, l.Program}
	m := e.index[s]
	if m == nil {
		m = map[string]int{}
		e.index[s] = m
	}
	if _, dup := m[l.ResellerID]; !dup {
		m[l.ResellerID] = i
	}
}

func (e *evaluation) drop(i int) {
	l := &e.lines[i]
	if m := e.index[slot{l.Wholesaler, l.Program}]; m != nil && m[l.ResellerID] == i {
		delete(m, l.ResellerID)
	}
}

// valid returns the index of the valid line of a slot, if any.
func (e *evaluation) valid(wholesaler, program, reseller string) (int, bool) {
	i, ok := e.index[slot{wholesaler, program}][reseller]
	return i, ok
}

func (e *evaluation) grant(l Line) {
	l.ID = 0
	l.State = Valid
	l.Source = e.src
	e.lines = append(e.lines, LineChange{Line: l, Status: Granted})
	e.put(len(e.lines) - 1)
}

// apply is step 2 for one wholesaler, after the revocations.
func (e *evaluation) apply(f *Feed, statuses map[string]Status) {
	var orders *orderGroups
	for i := range e.in.Programs {
		p := &e.in.Programs[i]
		if !p.AppliesTo(f.Wholesaler) {
			continue
		}
		switch p.Kind {
		case CreditTopUp:
			e.creditTopUp(f, p, statuses)
		case OrderTriggeredLine:
			if orders == nil {
				orders = groupUnseen(f, e.in.Seen)
			}
			e.orderTriggered(f, p, statuses, orders)
		case FinancingSLA:
			e.financing(f, p)
		}
	}

	for _, o := range f.Orders {
		e.seen = append(e.seen, OrderKey{f.Wholesaler, o.OrderID})
	}
}

func statusOf(statuses map[string]Status, reseller string, fallback Status) Status {
	if s, ok := statuses[reseller]; ok {
		return s
	}
	return fallback
}

func (e *evaluation) revoke(wholesaler string, statuses map[string]Status) {
	for i := range e.lines {
		l := &e.lines[i]
		if l.Wholesaler != wholesaler || l.State != Valid || statuses[l.ResellerID] != Terminated {
			continue
		}
		l.State = Revoked
		l.Status = Withdrawn
		l.Reason = reasonRevoked
		e.drop(i)
	}
}

// creditTopUp applies spec §3.1 to the latest accounts of a wholesaler.
func (e *evaluation) creditTopUp(f *Feed, p *Program, statuses map[string]Status) {
	asOf := e.in.AsOf
	// A top-up line ends at until; without one there is nothing to grant.
	if p.Until.IsZero() || asOf > p.Until || (!p.From.IsZero() && asOf < p.From) {
		return
	}
	step := p.RoundUpTo
	if step <= 0 {
		step = defaultRoundUpTo
	}
	b := e.budgets[p.ID] // nil without a budget: every claim fits
	for i := range f.Accounts {
		a := &f.Accounts[i]
		if statusOf(statuses, a.ResellerID, a.Status) != Active {
			continue
		}
		shortfall := a.Outstanding - a.InsuredLimit
		if shortfall <= 0 {
			continue
		}
		need := shortfall.CeilTo(step)
		capped := p.MaxAmount > 0 && need > p.MaxAmount
		if capped {
			need = p.MaxAmount
		}
		e.src = Source{File: f.AccountsFile, Sheet: f.AccountsSheet, Row: a.Row}
		j, ok := e.valid(f.Wholesaler, p.ID, a.ResellerID)
		if !ok {
			e.claim(b, Line{
				Wholesaler: f.Wholesaler, Program: p.ID, ResellerID: a.ResellerID,
				Amount: need, ValidFrom: asOf, ValidUntil: p.Until,
				Reason: topUpReason(a, shortfall, need, capped),
			})
			continue
		}
		l := &e.lines[j]
		if l.Amount >= need {
			continue // never reduced, and nothing to say
		}
		reason := topUpReason(a, shortfall, need, capped)
		raised := need
		if left, short := b.room(need - l.Amount); short {
			// Spec §8.1: an increase goes as far as the budget allows.
			raised = l.Amount + left
			if left == 0 {
				l.Reason = reason + "; not raised from " + l.Amount.String() + " to " + need.String() +
					": capped by the program budget, which had 0,00 € left"
				continue
			}
			reason += "; line raised from " + l.Amount.String() + " to " + raised.String() + " instead of " +
				need.String() + ": capped by the program budget, which had " + left.String() + " left"
			if j < e.fresh {
				l.Status = Increased
			}
		} else if j < e.fresh {
			reason += "; line raised from " + l.Amount.String() + " to " + need.String()
			l.Status = Increased
		}
		b.use(raised-l.Amount, 0)
		l.Amount = raised
		l.Reason = reason
		l.Source = e.src
	}
}

func topUpReason(a *Account, shortfall, need Cents, capped bool) string {
	s := "outstanding " + a.Outstanding.String() + " exceeds insured limit " +
		a.InsuredLimit.String() + " by " + shortfall.String()
	if capped {
		s += "; capped at " + need.String()
	}
	return s
}

// orderGroups are a feed's unseen orders, grouped by order id: group g's
// order lines are lines[start[g]:start[g+1]], indexes into Feed.Orders.
// Two flat slices instead of a slice per order keep 100,000 orders cheap.
type orderGroups struct {
	groups []orderGroup // oldest first: date, then order id
	start  []int32
	lines  []int32
}

type orderGroup struct {
	id, reseller, file string
	date               Date
	// sheet and row are where the order's first line is.
	sheet string
	row   int
	// pos is the group's position in start, which follows first appearance.
	pos int32
}

func groupUnseen(f *Feed, seen func(OrderKey) bool) *orderGroups {
	pos := make(map[string]int32)
	var groups []orderGroup
	owner := make([]int32, len(f.Orders))
	for i := range f.Orders {
		o := &f.Orders[i]
		owner[i] = -1
		if seen != nil && seen(OrderKey{f.Wholesaler, o.OrderID}) {
			continue
		}
		g, ok := pos[o.OrderID]
		if !ok {
			g = int32(len(groups))
			pos[o.OrderID] = g
			groups = append(groups, orderGroup{id: o.OrderID, reseller: o.ResellerID, file: o.File, date: o.Date, pos: g,
				sheet: o.Sheet, row: o.Row})
		}
		owner[i] = g
	}
	start := make([]int32, len(groups)+1)
	for _, g := range owner {
		if g >= 0 {
			start[g+1]++
		}
	}
	for g := range groups {
		start[g+1] += start[g]
	}
	lines := make([]int32, start[len(groups)])
	next := slices.Clone(start[:len(groups)])
	for i, g := range owner {
		if g >= 0 {
			lines[next[g]] = int32(i)
			next[g]++
		}
	}
	slices.SortFunc(groups, func(a, b orderGroup) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.id, b.id))
	})
	return &orderGroups{groups: groups, start: start, lines: lines}
}

func (og *orderGroups) members(g orderGroup) []int32 {
	return og.lines[og.start[g.pos]:og.start[g.pos+1]]
}

// orderTriggered applies spec §3.2 to a wholesaler's unseen orders.
func (e *evaluation) orderTriggered(f *Feed, p *Program, statuses map[string]Status, og *orderGroups) {
	asOf := e.in.AsOf
	products := make([]string, len(p.Trigger.ProductContains))
	for i, s := range p.Trigger.ProductContains {
		products[i] = strings.ToLower(strings.TrimSpace(s))
	}
	b := e.budgets[p.ID]
	for _, g := range og.groups {
		if g.date > asOf || (!p.From.IsZero() && g.date < p.From) || (!p.Until.IsZero() && g.date > p.Until) {
			continue
		}
		var sum Cents
		matched := false
		for _, k := range og.members(g) {
			o := &f.Orders[k]
			// An order repeated by a later file of the run is the same
			// order: the first file that lists it defines it, as the
			// seen-orders ledger does across runs.
			if o.File != g.file || o.ResellerID != g.reseller {
				continue
			}
			if matchesCategory(o.Category, p.Trigger.Category) && matchesProduct(o.Product, products) {
				sum += o.Amount
				matched = true
			}
		}
		if !matched || sum < p.Trigger.MinOrderAmount {
			continue
		}
		if statusOf(statuses, g.reseller, 0) != Active {
			continue
		}
		until := g.date.AddMonths(p.DurationMonths).AddDays(-1)
		if until < asOf {
			continue // the line would already have ended
		}
		reason := fmt.Sprintf("order %s of %s: %s of %s (threshold %s); line of %s for %s",
			g.id, g.date, sum, triggerWords(p.Trigger), p.Trigger.MinOrderAmount, p.Amount, months(p.DurationMonths))
		e.src = Source{File: g.file, Sheet: g.sheet, Row: g.row}
		j, ok := e.valid(f.Wholesaler, p.ID, g.reseller)
		if !ok {
			e.claim(b, Line{
				Wholesaler: f.Wholesaler, Program: p.ID, ResellerID: g.reseller,
				Amount: p.Amount, ValidFrom: g.date, ValidUntil: until, Reason: reason,
			})
			continue
		}
		l := &e.lines[j]
		if until <= l.ValidUntil {
			continue // the amount never stacks and the end never moves back
		}
		l.Reason = reason + "; extended from " + l.ValidUntil.String() + " to " + until.String()
		l.ValidUntil = until
		l.Source = e.src
		if j < e.fresh {
			l.Status = Extended
		}
	}
}

func matchesCategory(category string, want []string) bool {
	if len(want) == 0 {
		return true
	}
	category = strings.TrimSpace(category)
	for _, w := range want {
		if strings.EqualFold(category, strings.TrimSpace(w)) {
			return true
		}
	}
	return false
}

// matchesProduct takes lowered needles.
func matchesProduct(product string, lowered []string) bool {
	if len(lowered) == 0 {
		return true
	}
	p := strings.ToLower(product)
	for _, w := range lowered {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// triggerWords names what a trigger counts, for reasons: "OEM Office products".
func triggerWords(t Trigger) string {
	var words []string
	if len(t.Category) > 0 {
		words = append(words, strings.Join(t.Category, "/"))
	}
	if len(t.ProductContains) > 0 {
		words = append(words, strings.Join(t.ProductContains, "/"))
	}
	words = append(words, "products")
	return strings.Join(words, " ")
}

func months(n int) string {
	if n == 1 {
		return "1 month"
	}
	return fmt.Sprintf("%d months", n)
}

// financing applies spec §3.3 to every order line of the feed, seen or
// not: an unpaid financing stays overdue run after run.
func (e *evaluation) financing(f *Feed, p *Program) {
	maxHours := p.MaxHours
	if maxHours <= 0 {
		maxHours = defaultMaxHours
	}
	limit := time.Duration(maxHours) * time.Hour
	for i := range f.Orders {
		o := &f.Orders[i]
		if o.FinancingAcceptedAt.IsZero() || !matchesPayment(o.Payment, p.PaymentValues) {
			continue
		}
		kind := FinancingLate
		var took time.Duration
		if !o.FinancingPaidAt.IsZero() {
			took = o.FinancingPaidAt.Sub(o.FinancingAcceptedAt)
		} else {
			kind = FinancingOverdue
			took = e.in.AsOfInstant.Sub(o.FinancingAcceptedAt)
		}
		if took <= limit {
			continue
		}
		e.disc = append(e.disc, Discrepancy{
			Wholesaler: f.Wholesaler, Kind: kind, ResellerID: o.ResellerID,
			Program: p.ID, OrderID: o.OrderID, Hours: int64(took / time.Hour),
		})
	}
}

func matchesPayment(payment string, values []string) bool {
	payment = strings.TrimSpace(payment)
	for _, v := range values {
		if strings.EqualFold(payment, strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

// reconcile is step 3 for one wholesaler, against the lines as they stand.
func (e *evaluation) reconcile(f *Feed) {
	n := 0
	for i := range e.lines {
		if l := &e.lines[i]; l.Wholesaler == f.Wholesaler && l.State == Valid {
			n++
		}
	}
	sums := make(map[string]Cents, n)
	for i := range e.lines {
		if l := &e.lines[i]; l.Wholesaler == f.Wholesaler && l.State == Valid {
			sums[l.ResellerID] += l.Amount
		}
	}
	for i := range f.Accounts {
		a := &f.Accounts[i]
		if a.InvalidSIREN {
			e.disc = append(e.disc, Discrepancy{Wholesaler: f.Wholesaler, Kind: InvalidSIREN, ResellerID: a.ResellerID})
		}
		sum := sums[a.ResellerID]
		if f.AppliedLineMapped && a.AppliedLine != sum {
			kind := UnderApplied
			if a.AppliedLine > sum {
				kind = OverApplied
			}
			e.disc = append(e.disc, Discrepancy{
				Wholesaler: f.Wholesaler, Kind: kind, ResellerID: a.ResellerID,
				ExpectedCents: sum, ActualCents: a.AppliedLine,
			})
		}
		delete(sums, a.ResellerID)
	}
	if len(sums) == 0 {
		return
	}
	// What is left in sums holds a valid line but no account row.
	for i := range e.lines {
		l := &e.lines[i]
		if l.Wholesaler != f.Wholesaler || l.State != Valid {
			continue
		}
		if _, missing := sums[l.ResellerID]; missing {
			e.disc = append(e.disc, Discrepancy{
				Wholesaler: f.Wholesaler, Kind: MissingAccount, ResellerID: l.ResellerID,
				Program: l.Program, ExpectedCents: l.Amount,
			})
		}
	}
}

func (e *evaluation) outcome() Outcome {
	days := max(e.in.ExpiringWithinDays, 0)
	for i := range e.lines {
		l := &e.lines[i]
		l.Expiring = l.State == Valid && int(l.ValidUntil-e.in.AsOf) <= days
	}
	slices.SortFunc(e.lines, compareLines)

	slices.SortFunc(e.disc, compareDiscrepancies)
	disc := slices.Compact(e.disc)

	slices.SortFunc(e.seen, func(a, b OrderKey) int {
		return cmp.Or(cmp.Compare(a.Wholesaler, b.Wholesaler), cmp.Compare(a.OrderID, b.OrderID))
	})
	seen := slices.Compact(e.seen)

	out := Outcome{
		Lines:         nonNil(e.lines),
		Discrepancies: nonNil(disc),
		Seen:          nonNil(seen),
	}
	e.finishBudgets(&out)
	return out
}

// compareLines orders by wholesaler, program, reseller; in one slot the
// ended line comes before the one that replaced it.
func compareLines(a, b LineChange) int {
	return cmp.Or(
		cmp.Compare(a.Wholesaler, b.Wholesaler),
		cmp.Compare(a.Program, b.Program),
		cmp.Compare(a.ResellerID, b.ResellerID),
		compareBool(a.State == Valid, b.State == Valid),
		cmp.Compare(a.ValidFrom, b.ValidFrom),
		cmp.Compare(a.ID, b.ID),
	)
}

// compareDiscrepancies orders by the contract's keys, then by every other
// field so that exact duplicates end up next to each other.
func compareDiscrepancies(a, b Discrepancy) int {
	return cmp.Or(
		cmp.Compare(a.Wholesaler, b.Wholesaler),
		cmp.Compare(a.ResellerID, b.ResellerID),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Program, b.Program),
		cmp.Compare(a.OrderID, b.OrderID),
		cmp.Compare(a.Hours, b.Hours),
		cmp.Compare(a.ExpectedCents, b.ExpectedCents),
		cmp.Compare(a.ActualCents, b.ActualCents),
	)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// nonNil keeps run.json writing [] rather than null.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}
