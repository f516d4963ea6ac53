package reconcile

import (
	"cmp"
	"slices"
	"strings"
)

// ParseSIREN reads a SIREN as a sheet gives it (spec §8.3): nine digits
// once spaces are removed (plain, non-breaking U+00A0 and narrow
// non-breaking U+202F, as "552 100 554" is often written), with a valid
// Luhn key. It returns the nine digits and true, or "" and false.
func ParseSIREN(s string) (string, bool) {
	var b [9]byte
	n := 0
	for _, r := range s {
		switch {
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t':
			continue
		case r < '0' || r > '9' || n == len(b):
			return "", false
		}
		b[n] = byte(r)
		n++
	}
	if n != len(b) || !Luhn(string(b[:])) {
		return "", false
	}
	return string(b[:]), true
}

// Luhn reports whether a string of digits passes the Luhn check (every
// second digit from the right doubled, the digits' sum a multiple of 10),
// the key of French SIREN and SIRET numbers. Anything but digits fails.
func Luhn(digits string) bool {
	if digits == "" {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Reseller is what the ledger keeps of a reseller account between runs for
// the vendor-wide view: its SIREN and name as the latest export that listed
// it gave them (SIREN empty when that export had none, or an invalid one).
type Reseller struct {
	Wholesaler, ID, SIREN, Name string
}

// CompareResellers orders resellers by wholesaler, then id, bytewise.
func CompareResellers(a, b Reseller) int {
	return cmp.Or(cmp.Compare(a.Wholesaler, b.Wholesaler), cmp.Compare(a.ID, b.ID))
}

// FindReseller looks a reseller up in a list sorted by CompareResellers.
func FindReseller(list []Reseller, wholesaler, id string) (Reseller, bool) {
	i, ok := slices.BinarySearchFunc(list, Reseller{Wholesaler: wholesaler, ID: id}, CompareResellers)
	if !ok {
		return Reseller{}, false
	}
	return list[i], true
}

// Exposures is the vendor-wide view of spec §8.3: one entry per SIREN that
// holds a valid line, all wholesalers and programs together, sorted by
// SIREN, its wholesalers sorted. who gives a line's reseller; a line whose
// reseller has no SIREN is left out. wholesalers is config.yaml's order: a
// company's name is the one the first of them that names it gives.
func Exposures(lines []LineChange, who func(wholesaler, reseller string) Reseller, wholesalers []string) []ResellerExposure {
	order := make(map[string]int, len(wholesalers))
	for i, w := range wholesalers {
		order[w] = i
	}
	rank := func(w string) int {
		if i, ok := order[w]; ok {
			return i
		}
		return len(wholesalers)
	}
	type company struct {
		i        int // in out
		nameFrom string
	}
	bySIREN := map[string]*company{}
	only := map[string][]string{}
	var out []ResellerExposure
	for i := range lines {
		l := &lines[i]
		if l.State != Valid {
			continue
		}
		r := who(l.Wholesaler, l.ResellerID)
		if r.SIREN == "" {
			continue
		}
		c := bySIREN[r.SIREN]
		if c == nil {
			c = &company{i: len(out)}
			bySIREN[r.SIREN] = c
			out = append(out, ResellerExposure{SIREN: r.SIREN})
		}
		x := &out[c.i]
		x.Lines++
		x.AmountCents += l.Amount
		switch {
		case x.Wholesalers == nil:
			// Most companies deal with one wholesaler: they share its
			// one-element list (full, so that an append copies it).
			if only[l.Wholesaler] == nil {
				only[l.Wholesaler] = []string{l.Wholesaler}
			}
			x.Wholesalers = only[l.Wholesaler]
		case !slices.Contains(x.Wholesalers, l.Wholesaler):
			x.Wholesalers = append(x.Wholesalers, l.Wholesaler)
		}
		if r.Name != "" && (x.Name == "" || rank(l.Wholesaler) < rank(c.nameFrom) ||
			(l.Wholesaler < c.nameFrom && rank(l.Wholesaler) == rank(c.nameFrom))) {
			x.Name, c.nameFrom = r.Name, l.Wholesaler
		}
	}
	for i := range out {
		slices.Sort(out[i].Wholesalers)
	}
	slices.SortFunc(out, func(a, b ResellerExposure) int { return cmp.Compare(a.SIREN, b.SIREN) })
	return nonNil(out)
}

// ProgramRuns sums up one run per program for the History sheet (spec
// §8.3): rules.yaml's programs that grant lines, in its order, then any
// other program with lines in the run, by id. Beneficiaries are companies:
// lines of one SIREN count once, a line whose reseller has no SIREN counts
// alone; siren gives a reseller's ("" when unknown).
func ProgramRuns(runID string, asOf Date, programs []Program, lines []LineChange, siren func(wholesaler, reseller string) string) []ProgramRun {
	var out []ProgramRun
	at := map[string]int{}
	add := func(id string) *ProgramRun {
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, ProgramRun{RunID: runID, AsOf: asOf, Program: id})
		}
		return &out[i]
	}
	for _, p := range programs {
		if p.Kind == CreditTopUp || p.Kind == OrderTriggeredLine {
			add(p.ID)
		}
	}
	known := len(out)
	type who struct{ program, wholesaler, reseller string }
	companies := map[who]bool{}
	for i := range lines {
		l := &lines[i]
		r := add(l.Program)
		switch l.Status {
		case Granted:
			r.Granted++
		case Ended:
			r.Expired++
		case Withdrawn:
			r.Revoked++
		}
		if l.State != Valid {
			continue
		}
		r.Lines++
		r.Exposure += l.Amount
		k := who{l.Program, l.Wholesaler, l.ResellerID}
		if s := siren(l.Wholesaler, l.ResellerID); s != "" {
			k.wholesaler, k.reseller = "", s
		}
		if !companies[k] {
			companies[k] = true
			r.Beneficiaries++
		}
	}
	slices.SortFunc(out[known:], func(a, b ProgramRun) int { return strings.Compare(a.Program, b.Program) })
	return out
}
