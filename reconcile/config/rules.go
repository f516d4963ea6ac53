package config

import (
	"errors"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/encours/encours/reconcile"
)

// Keys of a program in rules.yaml: those every kind has, then each kind's own.
var (
	commonKeys = []string{"id", "name", "kind", "wholesalers"}
	kindKeys   = map[reconcile.Kind][]string{
		reconcile.CreditTopUp:        {"from", "until", "max_amount", "round_up_to", "budget"},
		reconcile.OrderTriggeredLine: {"amount", "duration_months", "trigger", "from", "until", "budget"},
		reconcile.FinancingSLA:       {"payment_values", "max_hours"},
	}
	triggerKeys = []string{"category", "product_contains", "min_order_amount"}
	budgetKeys  = []string{"max_total", "max_beneficiaries"}
)

// Program defaults (spec §3).
const (
	DefaultRoundUpTo = reconcile.Cents(100_00)
	DefaultMaxHours  = 48
)

// ParseRules reads a rules.yaml (a `programs:` list) from r; name is used in
// messages. wholesalerIDs are the configured ids a program may name (besides
// "*"). Amounts are euros in the file and cents in the result.
func ParseRules(r io.Reader, name string, wholesalerIDs []string) ([]reconcile.Program, error) {
	progs, errs := parseRules(r, name, wholesalerIDs)
	if len(errs) > 0 {
		return nil, errs
	}
	return progs, nil
}

func parseRules(in io.Reader, name string, ids []string) ([]reconcile.Program, Errors) {
	r := &reader{file: name}
	root := r.document(in)
	f := r.mapping(root, "")
	r.unknown(f, "", []string{"programs"})
	n := f.get("programs")
	if n == nil {
		return nil, r.errs
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "programs", "must be a list of programs (- {id: …, kind: …}), not %s", describe(n))
		return nil, r.errs
	}
	var out []reconcile.Program
	seen := map[string]int{}
	for i, pn := range n.Content {
		p := index("programs", i)
		prog, ok := r.program(deref(pn), p, ids)
		if prog.ID != "" {
			if j, dup := seen[prog.ID]; dup {
				r.errorf(pn, p+".id", "%q is already the id of programs[%d]; ids must be unique", prog.ID, j)
				ok = false
			} else {
				seen[prog.ID] = i
			}
		}
		if ok {
			out = append(out, prog)
		}
	}
	return out, r.errs
}

func kindNames() string {
	s := make([]string, len(reconcile.Kinds))
	for i, k := range reconcile.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func (r *reader) program(n *yaml.Node, p string, ids []string) (reconcile.Program, bool) {
	before := len(r.errs)
	var prog reconcile.Program
	f := r.mapping(n, p)

	if s, ok := r.str(f.get("id"), p+".id"); !ok {
		if f.get("id") == nil {
			r.errorf(n, p+".id", "is missing; give a short id like mezzanine (lowercase letters, digits, dashes)")
		}
	} else if !idRE.MatchString(s) {
		r.errorf(f.get("id"), p+".id", "%q is not a valid id; use lowercase letters, digits and dashes, starting with a letter or digit (like oem-office)", s)
	} else {
		prog.ID = s
	}
	if s, ok := r.str(f.get("name"), p+".name"); ok && strings.TrimSpace(s) != "" {
		prog.Name = strings.TrimSpace(s)
	} else if f.get("name") == nil || ok {
		r.errorf(n, p+".name", "is missing; give the program's name as people know it")
	}

	kindKnown := false
	if s, ok := r.str(f.get("kind"), p+".kind"); !ok {
		if f.get("kind") == nil {
			r.errorf(n, p+".kind", "is missing (allowed: %s)", kindNames())
		}
	} else if _, known := kindKeys[reconcile.Kind(s)]; !known {
		r.errorf(f.get("kind"), p+".kind", "unknown kind %q (allowed: %s)", s, kindNames())
	} else {
		prog.Kind = reconcile.Kind(s)
		kindKnown = true
	}

	prog.Wholesalers = r.programWholesalers(f, p, n, ids)

	// Keys: with a known kind, a key of another kind is refused by name;
	// with an unknown kind, only keys of no kind at all are.
	for _, k := range f.keys {
		if contains(commonKeys, k) {
			continue
		}
		key := f.m[k].key
		if kindKnown {
			if contains(kindKeys[prog.Kind], k) {
				continue
			}
			if owner := kindsWith(k); owner != "" {
				r.errorf(key, join(p, k), "does not apply to kind %s (it belongs to %s); %s takes: %s",
					prog.Kind, owner, prog.Kind, strings.Join(kindKeys[prog.Kind], ", "))
				continue
			}
			r.errorf(key, join(p, k), "unknown key (allowed for %s: %s)", prog.Kind,
				strings.Join(append(append([]string{}, commonKeys...), kindKeys[prog.Kind]...), ", "))
			continue
		}
		if kindsWith(k) == "" {
			r.errorf(key, join(p, k), "unknown key")
		}
	}

	switch prog.Kind {
	case reconcile.CreditTopUp:
		prog.From = r.date(f, p, "from", n, true)
		prog.Until = r.date(f, p, "until", n, true)
		r.window(f, p, prog)
		prog.MaxAmount = r.amount(f, p, "max_amount", n, true, true)
		prog.RoundUpTo = DefaultRoundUpTo
		if f.has("round_up_to") {
			prog.RoundUpTo = r.amount(f, p, "round_up_to", n, true, true)
		}
		prog.Budget = r.budget(f, p)
	case reconcile.OrderTriggeredLine:
		prog.Amount = r.amount(f, p, "amount", n, true, true)
		if dn := f.get("duration_months"); dn == nil {
			r.errorf(n, p+".duration_months", "is missing; give how many months a line lasts (1 or more)")
		} else if v, ok := r.integer(dn, p+".duration_months"); ok {
			if v < 1 {
				r.errorf(dn, p+".duration_months", "must be 1 or more, not %d", v)
			} else {
				prog.DurationMonths = v
			}
		}
		prog.Trigger = r.trigger(f.get("trigger"), p+".trigger", n)
		prog.From = r.date(f, p, "from", n, false)
		prog.Until = r.date(f, p, "until", n, false)
		r.window(f, p, prog)
		prog.Budget = r.budget(f, p)
	case reconcile.FinancingSLA:
		vals, _ := r.strings(f.get("payment_values"), p+".payment_values")
		for _, it := range vals {
			v := strings.TrimSpace(it.s)
			if v == "" {
				r.errorf(it.n, index(p+".payment_values", it.i), "is empty; write the payment word as it appears in the orders sheet")
				continue
			}
			prog.PaymentValues = append(prog.PaymentValues, v)
		}
		if len(prog.PaymentValues) == 0 && len(vals) == 0 {
			r.errorf(n, p+".payment_values", "is missing; list the payment values that mean vendor financing, like [Microsoft Financing]")
		}
		prog.MaxHours = DefaultMaxHours
		if hn := f.get("max_hours"); hn != nil {
			if v, ok := r.integer(hn, p+".max_hours"); ok {
				if v <= 0 {
					r.errorf(hn, p+".max_hours", "must be greater than 0, not %d", v)
				} else {
					prog.MaxHours = v
				}
			}
		}
	}
	return prog, len(r.errs) == before
}

// kindsWith names the kinds that take key, or "" when none does.
func kindsWith(key string) string {
	var owners []string
	for _, k := range reconcile.Kinds {
		if contains(kindKeys[k], key) {
			owners = append(owners, string(k))
		}
	}
	return strings.Join(owners, ", ")
}

func (r *reader) programWholesalers(f fields, p string, n *yaml.Node, ids []string) []string {
	wp := p + ".wholesalers"
	wn := f.get("wholesalers")
	list, ok := r.strings(wn, wp)
	if !ok && wn == nil {
		r.errorf(n, wp, "is missing; list wholesaler ids like [actebis], or [\"*\"] for all (configured: %s)", strings.Join(ids, ", "))
		return nil
	}
	if ok && len(list) == 0 {
		r.errorf(wn, wp, "is empty; list wholesaler ids like [actebis], or [\"*\"] for all (configured: %s)", strings.Join(ids, ", "))
		return nil
	}
	var out []string
	for _, it := range list {
		w, i := strings.TrimSpace(it.s), it.i
		switch {
		case w == "*":
			if len(list) > 1 {
				r.errorf(it.n, index(wp, i), "\"*\" means all wholesalers and must stand alone")
				continue
			}
		case !contains(ids, w):
			r.errorf(it.n, index(wp, i), "unknown wholesaler %q (configured: %s, or \"*\" for all)", w, strings.Join(ids, ", "))
			continue
		case contains(out, w):
			r.errorf(it.n, index(wp, i), "%q is listed twice", w)
			continue
		}
		out = append(out, w)
	}
	return out
}

func (r *reader) date(f fields, p, key string, parent *yaml.Node, required bool) reconcile.Date {
	kp := join(p, key)
	n := f.get(key)
	if n == nil {
		if required {
			r.errorf(parent, kp, "is missing; give a date like 2009-06-30")
		}
		return 0
	}
	s, ok := r.str(n, kp)
	if !ok {
		return 0
	}
	d, err := reconcile.ParseISO(strings.TrimSpace(s))
	if err != nil {
		r.errorf(n, kp, "%v", err)
		return 0
	}
	return d
}

func (r *reader) window(f fields, p string, prog reconcile.Program) {
	if !prog.From.IsZero() && !prog.Until.IsZero() && prog.From > prog.Until {
		r.errorf(f.get("until"), p+".until", "%s is before from %s", prog.Until, prog.From)
	}
}

// amount reads an amount in euros. positive requires > 0, otherwise >= 0.
func (r *reader) amount(f fields, p, key string, parent *yaml.Node, required, positive bool) reconcile.Cents {
	kp := join(p, key)
	n := f.get(key)
	if n == nil {
		if required {
			r.errorf(parent, kp, "is missing; give an amount in euros like 5000 or 5000.50")
		}
		return 0
	}
	s, ok := r.str(n, kp)
	if !ok {
		return 0
	}
	c, err := ParseEuros(s)
	switch {
	case errors.Is(err, errNegative) && positive, err == nil && positive && c == 0:
		r.errorf(n, kp, "must be more than 0 (got %s)", strings.TrimSpace(s))
	case errors.Is(err, errNegative):
		r.errorf(n, kp, "must be 0 or more (got %s)", strings.TrimSpace(s))
	case err != nil:
		r.errorf(n, kp, "%v", err)
	default:
		return c
	}
	return 0
}

// budget reads a program's optional budget: {max_total: EUR,
// max_beneficiaries: N}, either or both. nil when the key is absent.
func (r *reader) budget(f fields, p string) *reconcile.Budget {
	n := f.get("budget")
	if n == nil {
		return nil
	}
	bp := join(p, "budget")
	if n.Kind != yaml.MappingNode {
		r.errorf(n, bp, "must be a mapping like {max_total: 30000, max_beneficiaries: 12}, not %s", describe(n))
		return nil
	}
	bf := r.mapping(n, bp)
	before := len(r.errs)
	r.unknown(bf, bp, budgetKeys)
	var b reconcile.Budget
	if bf.has("max_total") {
		b.MaxTotal = r.amount(bf, bp, "max_total", n, true, true)
	}
	if mn := bf.get("max_beneficiaries"); mn != nil {
		if v, ok := r.integer(mn, bp+".max_beneficiaries"); ok {
			if v < 1 {
				r.errorf(mn, bp+".max_beneficiaries", "must be 1 or more (got %d)", v)
			} else {
				b.MaxBeneficiaries = v
			}
		}
	}
	if len(r.errs) > before {
		return nil
	}
	if b.MaxTotal == 0 && b.MaxBeneficiaries == 0 {
		r.errorf(n, bp, "is empty; give max_total (euros), max_beneficiaries (a count) or both, or remove budget")
		return nil
	}
	return &b
}

func (r *reader) trigger(n *yaml.Node, p string, parent *yaml.Node) reconcile.Trigger {
	var t reconcile.Trigger
	if n == nil {
		r.errorf(parent, p, "is missing; say which orders qualify: {category: [...], product_contains: [...], min_order_amount: 1000}")
		return t
	}
	f := r.mapping(n, p)
	r.unknown(f, p, triggerKeys)
	words := func(key string) []string {
		kp := join(p, key)
		list, _ := r.strings(f.get(key), kp)
		var out []string
		for _, it := range list {
			w := strings.TrimSpace(it.s)
			if w == "" {
				r.errorf(it.n, index(kp, it.i), "is empty; remove it or write a word")
				continue
			}
			out = append(out, w)
		}
		return out
	}
	t.Category = words("category")
	t.ProductContains = words("product_contains")
	if len(t.Category) == 0 && len(t.ProductContains) == 0 && !f.has("category") && !f.has("product_contains") {
		r.errorf(n, p, "needs category or product_contains (or both), or every order would qualify")
	}
	t.MinOrderAmount = r.amount(f, p, "min_order_amount", n, false, false)
	return t
}
