package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WaitlistChanges is what one run changed in the waitlist, for the ledger
// to write as a diff: Put holds the entries that joined or whose claim
// changed (amount, valid_until or claim), Remove the keys that left
// (granted, or no longer standing). Entries neither added, changed nor
// removed are not listed: their rank follows from Seq.
type WaitlistChanges struct {
	Put    []WaitEntry
	Remove []LineKey
}

// budget is the working state of one program's envelope in a run: what
// its valid lines use, and its waitlist. A program whose rules.yaml entry
// lost its budget but still has a waitlist gets one with no limit, so
// that its waiting resellers are granted.
type budget struct {
	p     *Program
	limit Budget
	used  Cents
	lines int
	// wait is the waitlist in rank order: the ledger's entries by Seq,
	// then those that joined in this run.
	wait []waitItem
	// at finds a live entry by wholesaler, then reseller: its index in wait.
	at map[string]map[string]int
}

// waitItem is one waitlist entry during a run.
type waitItem struct {
	WaitEntry
	// rank is the entry's rank at the start of the run; 0 for an entry
	// that joined in it.
	rank                  int
	loaded, changed, left bool
	// why, when set, says why the entry was not examined or not granted
	// for a reason other than room; else the room is the reason.
	why string
	// account is the index of the reseller's row in its wholesaler's
	// latest accounts (credit_top_up of a delivering wholesaler), or -1.
	account int
}

// room reports how much of delta (an increase) the budget allows: delta
// itself and false when it fits, else what is left (0 or more) and true.
// A nil budget is no limit.
func (b *budget) room(delta Cents) (Cents, bool) {
	if b == nil || b.limit.MaxTotal == 0 || b.used+delta <= b.limit.MaxTotal {
		return delta, false
	}
	return max(b.limit.MaxTotal-b.used, 0), true
}

// fits reports whether a new line of amount fits.
func (b *budget) fits(amount Cents) bool {
	if b == nil {
		return true
	}
	return (b.limit.MaxTotal == 0 || b.used+amount <= b.limit.MaxTotal) &&
		(b.limit.MaxBeneficiaries == 0 || b.lines < b.limit.MaxBeneficiaries)
}

func (b *budget) use(amount Cents, lines int) {
	if b != nil {
		b.used += amount
		b.lines += lines
	}
}

func (b *budget) entry(wholesaler, reseller string) (*waitItem, bool) {
	i, ok := b.at[wholesaler][reseller]
	if !ok {
		return nil, false
	}
	return &b.wait[i], true
}

func (b *budget) add(w waitItem) {
	m := b.at[w.Wholesaler]
	if m == nil {
		m = map[string]int{}
		b.at[w.Wholesaler] = m
	}
	m[w.ResellerID] = len(b.wait)
	b.wait = append(b.wait, w)
}

func (b *budget) leave(w *waitItem) {
	w.left = true
	delete(b.at[w.Wholesaler], w.ResellerID)
}

// startBudgets sets up every budgeted program (and every program with a
// waitlist) once expiry and revocation have freed their room, then
// examines each waitlist by rank (spec §8.2).
func (e *evaluation) startBudgets(statuses []map[string]Status) {
	e.budgets = map[string]*budget{}
	for i := range e.in.Programs {
		p := &e.in.Programs[i]
		if p.Budget != nil && (p.Kind == CreditTopUp || p.Kind == OrderTriggeredLine) {
			e.budgets[p.ID] = newBudget(p)
		}
	}
	e.loadWaitlist()
	if len(e.budgets) == 0 {
		return
	}
	for i := range e.lines {
		l := &e.lines[i]
		if b := e.budgets[l.Program]; b != nil && l.State == Valid {
			b.use(l.Amount, 1)
		}
	}
	feeds := map[string]int{}
	for i := range e.in.Feeds {
		feeds[e.in.Feeds[i].Wholesaler] = i
	}
	for i := range e.in.Programs {
		if b := e.budgets[e.in.Programs[i].ID]; b != nil && len(b.wait) > 0 {
			e.examine(b, feeds, statuses)
		}
	}
}

func newBudget(p *Program) *budget {
	b := &budget{p: p, at: map[string]map[string]int{}}
	if p.Budget != nil {
		b.limit = *p.Budget
	}
	return b
}

// loadWaitlist puts the ledger's entries into their programs' budgets, in
// Seq order. Entries of a program rules.yaml no longer holds (or that no
// longer grants lines) are kept as they are.
func (e *evaluation) loadWaitlist() {
	kinds := map[string]*Program{}
	for i := range e.in.Programs {
		kinds[e.in.Programs[i].ID] = &e.in.Programs[i]
	}
	for _, w := range e.in.Waitlist {
		e.nextSeq = max(e.nextSeq, w.Seq)
		b := e.budgets[w.Program]
		if b == nil {
			p := kinds[w.Program]
			if p == nil || (p.Kind != CreditTopUp && p.Kind != OrderTriggeredLine) {
				e.waitKept = append(e.waitKept, w)
				continue
			}
			b = newBudget(p) // its budget was removed: no limit
			e.budgets[p.ID] = b
		}
		if _, dup := b.entry(w.Wholesaler, w.ResellerID); dup {
			continue // one entry per key; the ledger's key makes this unreachable
		}
		b.add(waitItem{WaitEntry: w, loaded: true, account: -1})
	}
	for _, b := range e.budgets {
		if !slices.IsSortedFunc(b.wait, compareSeq) {
			slices.SortStableFunc(b.wait, compareSeq)
			for i := range b.wait {
				b.at[b.wait[i].Wholesaler][b.wait[i].ResellerID] = i
			}
		}
		for i := range b.wait {
			b.wait[i].rank = i + 1
		}
	}
}

func compareSeq(a, b waitItem) int { return cmp.Compare(a.Seq, b.Seq) }

// examine takes one program's waitlist in rank order: an entry that no
// longer stands leaves; one that stands is granted when it fits (first
// fit: a later, smaller entry may pass one that does not).
func (e *evaluation) examine(b *budget, feeds map[string]int, statuses []map[string]Status) {
	p := b.p
	asOf := e.in.AsOf
	// The latest accounts of the waitlisted resellers of credit_top_up, in
	// one pass over each delivering wholesaler's rows.
	if p.Kind == CreditTopUp {
		for w, m := range b.at {
			fi, ok := feeds[w]
			if !ok || len(m) == 0 {
				continue
			}
			for k := range e.in.Feeds[fi].Accounts {
				if i, ok := m[e.in.Feeds[fi].Accounts[k].ResellerID]; ok && b.wait[i].account < 0 {
					b.wait[i].account = k
				}
			}
		}
	}
	for i := range b.wait {
		w := &b.wait[i]
		if !p.AppliesTo(w.Wholesaler) {
			w.why = "not examined: the program no longer applies to " + w.Wholesaler
			continue
		}
		fi, delivered := feeds[w.Wholesaler]
		var status Status
		if delivered {
			status = statuses[fi][w.ResellerID]
			if status == Terminated {
				b.leave(w) // spec §3: a terminated reseller gets nothing
				continue
			}
		}
		if _, held := e.valid(w.Wholesaler, p.ID, w.ResellerID); held {
			b.leave(w) // already holds a line: nothing left to claim
			continue
		}
		if !e.stands(b, w, delivered, status, fi) {
			b.leave(w)
			continue
		}
		if w.why != "" || !b.fits(w.AmountCents) {
			continue
		}
		// No export row decided this grant: batch gives it the reseller's
		// account row of this run, when its wholesaler delivered.
		e.src = Source{}
		from := "granted from the waitlist (rank " + strconv.Itoa(w.rank) + ", waiting since " + w.Since.String() + "): "
		e.grant(Line{Wholesaler: w.Wholesaler, Program: p.ID, ResellerID: w.ResellerID,
			Amount: w.AmountCents, ValidFrom: asOf, ValidUntil: w.ValidUntil, Reason: from + w.Claim})
		b.use(w.AmountCents, 1)
		b.leave(w)
	}
}

// stands applies spec §8.2 to one entry of a reseller that is not known
// terminated, recomputing its claim where the latest export says more. It
// sets w.why when the entry stays without being granted this run.
func (e *evaluation) stands(b *budget, w *waitItem, delivered bool, status Status, fi int) bool {
	p, asOf := b.p, e.in.AsOf
	switch p.Kind {
	case CreditTopUp:
		if p.Until.IsZero() || asOf > p.Until {
			return false // the program has ended: nothing will be granted any more
		}
		if delivered {
			// Absent from the latest export, or no shortfall any more: the
			// export shows no claim.
			if w.account < 0 {
				return false
			}
			a := &e.in.Feeds[fi].Accounts[w.account]
			if status != Active {
				return false
			}
			shortfall := a.Outstanding - a.InsuredLimit
			if shortfall <= 0 {
				return false
			}
			need, capped := topUpNeed(p, shortfall)
			w.update(need, p.Until, topUpReason(a, shortfall, need, capped))
		} else {
			w.update(w.AmountCents, p.Until, w.Claim)
		}
		if !p.From.IsZero() && asOf < p.From {
			w.why = "not granted before the program opens on " + p.From.String()
		}
	case OrderTriggeredLine:
		if w.ValidUntil < asOf {
			return false // the line it claims would have ended
		}
		if !p.Until.IsZero() && asOf > p.Until {
			return false // the program's window has closed
		}
		w.update(p.Amount, w.ValidUntil, w.Claim)
		if delivered && status == 0 {
			w.why = "not granted in this run: " + w.Wholesaler + "'s accounts of this run do not list the reseller"
		}
	}
	return true
}

// update sets an entry's claim, noting whether it changed.
func (w *waitItem) update(amount Cents, until Date, claim string) {
	if w.AmountCents != amount || w.ValidUntil != until || w.Claim != claim {
		w.AmountCents, w.ValidUntil, w.Claim = amount, until, claim
		w.changed = true
	}
}

// topUpNeed is spec §3.1's need for a shortfall, and whether max_amount
// capped it.
func topUpNeed(p *Program, shortfall Cents) (Cents, bool) {
	step := p.RoundUpTo
	if step <= 0 {
		step = defaultRoundUpTo
	}
	need := shortfall.CeilTo(step)
	if p.MaxAmount > 0 && need > p.MaxAmount {
		return p.MaxAmount, true
	}
	return need, false
}

// claim takes one of this run's claims for a new line (spec §8.1): granted
// when it fits entirely, else it joins the waitlist, or updates the entry
// its key already has there (keeping its rank). Without a budget it is
// granted.
func (e *evaluation) claim(b *budget, l Line) {
	if b == nil {
		e.grant(l)
		return
	}
	if w, ok := b.entry(l.Wholesaler, l.ResellerID); ok {
		until := l.ValidUntil
		if b.p.Kind == OrderTriggeredLine && w.ValidUntil >= until {
			return // the entry already claims as long: nothing new
		}
		w.update(l.Amount, until, l.Reason)
		return
	}
	if b.fits(l.Amount) {
		e.grant(l)
		b.use(l.Amount, 1)
		return
	}
	e.nextSeq++
	b.add(waitItem{WaitEntry: WaitEntry{Wholesaler: l.Wholesaler, Program: l.Program, ResellerID: l.ResellerID,
		AmountCents: l.Amount, ValidUntil: l.ValidUntil, Since: e.in.AsOf, Seq: e.nextSeq, Claim: l.Reason},
		account: -1})
}

// finishBudgets fills the outcome's waitlist, its changes for the ledger,
// the budgets' use and the warnings of budgets already exceeded.
func (e *evaluation) finishBudgets(out *Outcome) {
	live, put := len(e.waitKept), 0
	for _, b := range e.budgets {
		for j := range b.wait {
			if w := &b.wait[j]; !w.left {
				live++
				if !w.loaded || w.changed {
					put++
				}
			}
		}
	}
	out.Waitlist = make([]WaitEntry, 0, live)
	out.WaitlistChanges.Put = make([]WaitEntry, 0, put)
	out.Budgets = []BudgetUse{}
	for i := range e.in.Programs {
		p := &e.in.Programs[i]
		b := e.budgets[p.ID]
		if b == nil || b.p != p {
			continue
		}
		u := BudgetUse{Program: p.ID, UsedCents: b.used, Beneficiaries: b.lines}
		rank := 0
		for j := range b.wait {
			w := &b.wait[j]
			switch {
			case w.left:
				if w.loaded {
					out.WaitlistChanges.Remove = append(out.WaitlistChanges.Remove, w.Key())
				}
				continue
			case !w.loaded || w.changed:
				out.WaitlistChanges.Put = append(out.WaitlistChanges.Put, w.WaitEntry)
			}
			rank++
			w.Rank = rank
			why := w.why
			if why == "" {
				why = b.waiting(w.AmountCents)
			}
			w.Reason = w.Claim + "; " + why
			out.Waitlist = append(out.Waitlist, w.WaitEntry)
			u.Waitlisted++
			u.WaitlistedCents += w.AmountCents
		}
		if p.Budget == nil {
			continue
		}
		if p.Budget.MaxTotal > 0 {
			u.MaxTotalCents = &p.Budget.MaxTotal
		}
		if p.Budget.MaxBeneficiaries > 0 {
			u.MaxBeneficiaries = &p.Budget.MaxBeneficiaries
		}
		out.Budgets = append(out.Budgets, u)
		if w := b.overWarning(); w != "" {
			e.warnings = append(e.warnings, w)
		}
	}
	// Entries of programs this run does not know keep their ranks.
	ranks := map[string]int{}
	slices.SortStableFunc(e.waitKept, func(a, b WaitEntry) int {
		return cmp.Or(cmp.Compare(a.Program, b.Program), cmp.Compare(a.Seq, b.Seq))
	})
	for _, w := range e.waitKept {
		ranks[w.Program]++
		w.Rank = ranks[w.Program]
		w.Reason = w.Claim + "; not examined: rules.yaml has no program " + w.Program + " that grants lines"
		out.Waitlist = append(out.Waitlist, w)
	}
	slices.SortStableFunc(out.Waitlist, func(a, b WaitEntry) int {
		return cmp.Or(cmp.Compare(a.Program, b.Program), cmp.Compare(a.Rank, b.Rank))
	})
	out.Warnings = nonNil(e.warnings)
}

// waiting says why an entry claiming amount that stands still waits, as
// the budget is after the run: the limits that leave no room for it, and
// only those (a claim that the amount left would cover waits for a
// beneficiary place alone). Room only shrinks after the waitlist is
// examined, so what did not fit then does not fit at the end.
func (b *budget) waiting(amount Cents) string {
	var why []string
	if b.limit.MaxBeneficiaries > 0 && b.lines >= b.limit.MaxBeneficiaries {
		if n := b.limit.MaxBeneficiaries; n == 1 {
			why = append(why, "the program budget's only beneficiary place is taken")
		} else {
			why = append(why, fmt.Sprintf("the program budget's %d beneficiary places are all taken", n))
		}
	}
	if left := max(b.limit.MaxTotal-b.used, 0); b.limit.MaxTotal > 0 && amount > left {
		why = append(why, "the program budget has "+left.String()+" left of "+b.limit.MaxTotal.String())
	}
	if len(why) == 0 {
		return "waitlisted"
	}
	return "waitlisted: " + strings.Join(why, "; ")
}

// overWarning is the run's warning when the valid lines already exceed a
// limit (a budget lowered or introduced below what is granted).
func (b *budget) overWarning() string { return BudgetWarning(b.p, b.used, b.lines) }

// BudgetWarning is the warning for a budgeted program whose valid lines
// use more than its budget allows (one introduced or lowered below what is
// already granted): nothing is revoked, and nothing new is granted until
// room frees. It is "" when the lines are within the budget. The sentence
// starts with "budget: <program id>: ", for readers that translate it.
func BudgetWarning(p *Program, used Cents, lines int) string {
	if p.Budget == nil {
		return ""
	}
	var over []string
	if m := p.Budget.MaxTotal; m > 0 && used > m {
		over = append(over, fmt.Sprintf("use %s, over max_total %s by %s", used, m, used-m))
	}
	if m := p.Budget.MaxBeneficiaries; m > 0 && lines > m {
		over = append(over, fmt.Sprintf("number %d, over max_beneficiaries %d by %d", lines, m, lines-m))
	}
	if len(over) == 0 {
		return ""
	}
	return "budget: " + p.ID + ": the program's valid lines " + strings.Join(over, " and ") +
		"; nothing is revoked, and nothing new is granted until lines end and free room"
}
