package reconcile

import (
	"cmp"
	"crypto/sha256"
	"slices"
	"strconv"
)

// FindingState says whether a discrepancy is listed for the first time in
// its current episode or was already listed before (spec §10.1).
type FindingState string

// Finding states in run.json.
const (
	FindingNew  FindingState = "new"
	FindingOpen FindingState = "open"
)

// FindingKey identifies a finding across runs: spec §10.1's (wholesaler,
// kind, reseller_id, program, order_id).
type FindingKey struct {
	Wholesaler string
	Kind       DiscrepancyKind
	ResellerID string
	Program    string
	OrderID    string
}

// Key returns the finding key of a discrepancy.
func (d Discrepancy) Key() FindingKey {
	return FindingKey{d.Wholesaler, d.Kind, d.ResellerID, d.Program, d.OrderID}
}

// Finding is one episode of a discrepancy as the ledger keeps it: listed
// from FirstSeen (the run FirstRun) until the run that no longer lists it
// in a delivery of its wholesaler (ResolvedRun, ResolvedOn; empty while
// open). A finding that comes back after being resolved is a new episode.
// The embedded Discrepancy holds the key, the figures as last listed and
// the latest answer.
type Finding struct {
	Discrepancy
	FirstRun    string
	ResolvedRun string
	ResolvedOn  Date
	// AnswerFile is the response file the latest answer came from.
	AnswerFile string
}

// Open reports whether the episode is still open.
func (f Finding) Open() bool { return f.ResolvedRun == "" }

// FindingRef is the reference of one episode of a finding, as the
// wholesaler's workbook shows it in its key column and reads it back from
// a response file: ten hexadecimal digits of SHA-256 over the key and the
// episode's first run, so that an answer to an episode that was resolved
// never lands on a later one.
func FindingRef(k FindingKey, firstRun string) string {
	var buf [256]byte // the key and run fit in it but for odd ids
	in := buf[:0]
	for _, s := range []string{k.Wholesaler, string(k.Kind), k.ResellerID, k.Program, k.OrderID, firstRun} {
		in = append(append(in, s...), 0)
	}
	sum := sha256.Sum256(in)
	const digits = "0123456789ABCDEF"
	var ref [10]byte
	for i := range 5 {
		ref[2*i], ref[2*i+1] = digits[sum[i]>>4], digits[sum[i]&15]
	}
	return string(ref[:])
}

// ResolvedFinding is one finding resolved in a run (run.json resolved):
// listed in its wholesaler's previous delivery, absent from this one.
type ResolvedFinding struct {
	Wholesaler string          `json:"wholesaler"`
	Kind       DiscrepancyKind `json:"kind"`
	ResellerID string          `json:"reseller_id"`
	Program    string          `json:"program"`
	OrderID    string          `json:"order_id"`
	FirstSeen  Date            `json:"first_seen"`
	// Response and Comment are the latest answer the wholesaler gave, if any.
	Response Answer `json:"response,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// FindingChanges is what comparing a run's discrepancies with the open
// findings decided (TrackFindings).
type FindingChanges struct {
	// Discrepancies are the run's, in their order, each with its state,
	// first_seen, reference and latest answer.
	Discrepancies []Discrepancy
	// New are the episodes this run opens; Resolved those it closes
	// (ResolvedRun and ResolvedOn set); Changed the open ones whose
	// figures differ from what the ledger holds. Open findings whose
	// figures did not change are in none of them: a run does not rewrite
	// every open finding.
	New, Resolved, Changed []Finding
}

// TrackFindings compares one run's discrepancies with the findings open
// before it (spec §10.1). Only wholesalers that delivered in this run are
// compared (delivered reports them): a discrepancy listed before and now
// is open and keeps its first_seen, one listed now only is new (first_seen
// asOf, first run runID), and an open finding absent now is resolved. The
// open findings of a wholesaler that did not deliver are left as they are.
// Several discrepancies of one key (two order lines of one order) are one
// finding. It never mutates its arguments.
func TrackFindings(open []Finding, current []Discrepancy, delivered func(wholesaler string) bool, asOf Date, runID string) FindingChanges {
	byKey := make(map[FindingKey]int, len(open))
	for i, f := range open {
		if f.Open() && delivered(f.Wholesaler) {
			byKey[f.Key()] = i
		}
	}
	out := FindingChanges{Discrepancies: make([]Discrepancy, len(current))}
	listed := make(map[FindingKey]bool, len(current))
	for i, d := range current {
		k := d.Key()
		first := !listed[k]
		listed[k] = true
		if j, ok := byKey[k]; ok {
			f := open[j]
			d.State, d.FirstSeen, d.Ref = FindingOpen, f.FirstSeen, f.Ref
			d.Response, d.Comment, d.AnsweredOn = f.Response, f.Comment, f.AnsweredOn
			if first && figuresDiffer(f.Discrepancy, d) {
				f.ExpectedCents, f.ActualCents, f.Hours = d.ExpectedCents, d.ActualCents, d.Hours
				out.Changed = append(out.Changed, f)
			}
		} else {
			d.State, d.FirstSeen = FindingNew, asOf
			if i > 0 && !first && out.Discrepancies[i-1].Key() == k {
				d.Ref = out.Discrepancies[i-1].Ref // the next order line of one order
			} else {
				d.Ref = FindingRef(k, runID)
			}
			d.Response, d.Comment, d.AnsweredOn = "", "", 0
		}
		out.Discrepancies[i] = d
	}
	out.New = NewFindings(out.Discrepancies, runID)
	for _, f := range open {
		k := f.Key()
		if _, tracked := byKey[k]; !tracked || listed[k] {
			continue
		}
		f.ResolvedRun, f.ResolvedOn = runID, asOf
		out.Resolved = append(out.Resolved, f)
	}
	slices.SortFunc(out.Resolved, compareFindings)
	return out
}

// NewFindings are the episodes that tracked discrepancies (TrackFindings'
// Discrepancies) open in run runID: one per key of the new ones, in their
// order, without an answer (a reference made in this run cannot have one).
// It is TrackFindings' New; a caller that holds the discrepancies can
// drop New and make it again when needed (at a million rows it is as
// large as the discrepancies themselves).
func NewFindings(tracked []Discrepancy, runID string) []Finding {
	n, sorted := 0, true
	for i := range tracked {
		if tracked[i].State == FindingNew {
			n++
		}
		if i > 0 && sorted && compareKeys(tracked[i-1], tracked[i]) > 0 {
			sorted = false
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Finding, 0, n)
	var seen map[FindingKey]bool // unsorted input: the keys already taken
	if !sorted {
		seen = make(map[FindingKey]bool, n)
	}
	for i := range tracked {
		d := tracked[i]
		if d.State != FindingNew {
			continue
		}
		k := d.Key()
		if sorted && len(out) > 0 && out[len(out)-1].Key() == k || !sorted && seen[k] {
			continue // sorted, a key's discrepancies are side by side
		}
		if !sorted {
			seen[k] = true
		}
		d.Response, d.Comment, d.AnsweredOn = "", "", 0
		out = append(out, Finding{Discrepancy: d, FirstRun: runID})
	}
	return slices.Clip(out)
}

func figuresDiffer(a, b Discrepancy) bool {
	return a.ExpectedCents != b.ExpectedCents || a.ActualCents != b.ActualCents || a.Hours != b.Hours
}

// compareFindings orders findings as discrepancies are: wholesaler,
// reseller, kind, program, order.
func compareFindings(a, b Finding) int { return compareKeys(a.Discrepancy, b.Discrepancy) }

// compareKeys orders discrepancies by their finding key as
// Outcome.Discrepancies are sorted: wholesaler, reseller, kind, program,
// order.
func compareKeys(a, b Discrepancy) int {
	return cmp.Or(
		cmp.Compare(a.Wholesaler, b.Wholesaler),
		cmp.Compare(a.ResellerID, b.ResellerID),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Program, b.Program),
		cmp.Compare(a.OrderID, b.OrderID),
	)
}

// ReportResolved turns resolved findings into run.json's resolved items.
func ReportResolved(fs []Finding) []ResolvedFinding {
	out := make([]ResolvedFinding, 0, len(fs))
	for _, f := range fs {
		out = append(out, ResolvedFinding{
			Wholesaler: f.Wholesaler, Kind: f.Kind, ResellerID: f.ResellerID, Program: f.Program,
			OrderID: f.OrderID, FirstSeen: f.FirstSeen, Response: f.Response, Comment: f.Comment,
		})
	}
	return out
}

// Age says for people how long a finding has been open, as of asOf:
// "4 semaines" / "4 weeks", "3 jours" / "3 days", under a week in days,
// "aujourd'hui" / "today" on its first day.
func Age(lang string, since, asOf Date) string {
	days := int(asOf - since)
	fr := lang != "en"
	switch {
	case days <= 0:
		if fr {
			return "aujourd'hui"
		}
		return "today"
	case days < 7:
		return count(fr, days, "jour", "jours", "day", "days")
	}
	return count(fr, days/7, "semaine", "semaines", "week", "weeks")
}

func count(fr bool, n int, frOne, frMany, enOne, enMany string) string {
	word := enMany
	switch {
	case fr && n == 1:
		word = frOne
	case fr:
		word = frMany
	case n == 1:
		word = enOne
	}
	return strconv.Itoa(n) + "\u00a0" + word
}
