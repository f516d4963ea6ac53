package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/notify"
)

// cmdExplain is `encours explain --config FILE --wholesaler ID --reseller
// ID [--json]` (spec §10.4): every run that touched the reseller at the
// wholesaler, oldest first. It opens the ledger read-only and takes no
// lock, so it may run beside a daemon.
func (m *Main) cmdExplain(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("explain", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	cfgPath := fset.String("config", "", "config.yaml")
	wholesaler := fset.String("wholesaler", "", "the wholesaler's id")
	resellerID := fset.String("reseller", "", "the reseller's id at that wholesaler")
	asJSON := fset.Bool("json", false, "print JSON for tools")
	if err := fset.Parse(args); err != nil {
		return usagef("explain: %v", err)
	}
	if fset.NArg() > 0 {
		return usagef("explain: unexpected argument %q", fset.Arg(0))
	}
	if *cfgPath == "" || *wholesaler == "" || *resellerID == "" {
		return usagef("explain: --config FILE, --wholesaler ID and --reseller ID are required")
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	w, ok := cfg.Wholesaler(*wholesaler)
	if !ok {
		return configError{fmt.Errorf("explain: no wholesaler %q in %s (configured: %s)", *wholesaler, *cfgPath,
			strings.Join(cfg.WholesalerIDs(), ", "))}
	}
	never := fmt.Errorf("reseller %q was never seen at %s: the ledger holds no line, finding or answer for it; check the code as the wholesaler writes it",
		*resellerID, w.ID)
	lc, err := m.ledgerConfig(cfg)
	if err != nil {
		return err
	}
	store, err := ledger.OpenReadOnlyConfig(ctx, lc)
	if errors.Is(err, ledger.ErrNoLedger) {
		return never
	}
	if err != nil {
		return err
	}
	defer store.Close()
	h, err := store.ResellerHistory(ctx, w.ID, *resellerID)
	if err != nil {
		return fmt.Errorf("%w (a ledger from before `encours explain` is upgraded by the next `encours run`)", err)
	}
	if h.Empty() {
		return never
	}
	events := explainEvents(cfg, w.ID, *resellerID, h)
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Wholesaler string `json:"wholesaler"`
			ResellerID string `json:"reseller_id"`
			Events     []any  `json:"events"`
		}{w.ID, *resellerID, events})
	}
	printTimeline(m.Stdout, cfg, w, *resellerID, events)
	return nil
}

// explainEvent is what every event of the timeline carries.
type explainEvent struct {
	AsOf reconcile.Date `json:"as_of"`
	Run  string         `json:"run"`
	Type string         `json:"type"`
}

// lineEvent is a line decision: the run.json line fields and the export
// row it came from.
type lineEvent struct {
	explainEvent
	reconcile.ReportLine
	File  string `json:"file"`
	Sheet string `json:"sheet"`
	Row   int    `json:"row"`
}

// findingEvent is a finding listed (new, open) or resolved by a run.
type findingEvent struct {
	explainEvent
	Kind          reconcile.DiscrepancyKind `json:"kind"`
	Program       string                    `json:"program"`
	OrderID       string                    `json:"order_id"`
	State         string                    `json:"state"`
	FirstSeen     reconcile.Date            `json:"first_seen"`
	ExpectedCents reconcile.Cents           `json:"expected_cents"`
	ActualCents   reconcile.Cents           `json:"actual_cents"`
	Hours         int64                     `json:"hours"`
	Ref           string                    `json:"ref"`
}

// responseEvent is an answer the wholesaler sent back about a finding.
type responseEvent struct {
	explainEvent
	Kind     reconcile.DiscrepancyKind `json:"kind"`
	Program  string                    `json:"program"`
	OrderID  string                    `json:"order_id"`
	Response reconcile.Answer          `json:"response"`
	Comment  string                    `json:"comment"`
	File     string                    `json:"file"`
	Row      int                       `json:"row"`
}

// explainEvents puts a reseller's history in order: by as-of, then run,
// then lines, answers (read first in a run) and findings.
func explainEvents(cfg *config.Config, w, reseller string, h ledger.ResellerHistory) []any {
	type keyed struct {
		asOf  reconcile.Date
		run   string
		order int
		ev    any
	}
	var all []keyed
	add := func(asOf reconcile.Date, run string, order int, ev any) {
		all = append(all, keyed{asOf, run, order, ev})
	}
	for _, e := range h.Lines {
		l := reconcile.ReportLine{Wholesaler: w, Program: e.Program, ResellerID: reseller, AmountCents: e.Amount,
			ValidFrom: e.ValidFrom, ValidUntil: e.ValidUntil, Status: e.Status, Reason: e.Reason,
			Expiring: e.Status != reconcile.Ended && e.Status != reconcile.Withdrawn &&
				int(e.ValidUntil-e.Run.AsOf) <= cfg.ExpiringWithinDays}
		add(e.Run.AsOf, e.Run.ID, 0, lineEvent{explainEvent{e.Run.AsOf, e.Run.ID, "line"}, l,
			e.Source.File, e.Source.Sheet, e.Source.Row})
	}
	pos := map[string]int{}
	for i, d := range h.Deliveries {
		pos[d.ID] = i
	}
	for _, f := range h.Findings {
		ev := func(run string, asOf reconcile.Date, state string) findingEvent {
			return findingEvent{explainEvent: explainEvent{asOf, run, "finding"}, Kind: f.Kind, Program: f.Program,
				OrderID: f.OrderID, State: state, FirstSeen: f.FirstSeen, ExpectedCents: f.ExpectedCents,
				ActualCents: f.ActualCents, Hours: f.Hours, Ref: f.Ref}
		}
		add(f.FirstSeen, f.FirstRun, 2, ev(f.FirstRun, f.FirstSeen, string(reconcile.FindingNew)))
		first, ok := pos[f.FirstRun]
		last := len(h.Deliveries)
		if j, resolved := pos[f.ResolvedRun]; resolved {
			last = j
		}
		if ok {
			for _, d := range h.Deliveries[first+1 : max(first+1, last)] {
				add(d.AsOf, d.ID, 2, ev(d.ID, d.AsOf, string(reconcile.FindingOpen)))
			}
		}
		if !f.Open() {
			add(f.ResolvedOn, f.ResolvedRun, 2, ev(f.ResolvedRun, f.ResolvedOn, "resolved"))
		}
	}
	for _, r := range h.Responses {
		add(r.Run.AsOf, r.Run.ID, 1, responseEvent{explainEvent{r.Run.AsOf, r.Run.ID, "response"}, r.Kind, r.Program,
			r.OrderID, r.Response, r.Comment, r.File, r.Row})
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.asOf, b.asOf), cmp.Compare(runSeq(a.run), runSeq(b.run)), cmp.Compare(a.run, b.run),
			cmp.Compare(a.order, b.order))
	})
	out := make([]any, len(all))
	for i, k := range all {
		out[i] = k.ev
	}
	return out
}

// runSeq is n of a run id "<as_of>-<n>", the order of runs of one as-of.
func runSeq(id string) int {
	rest, _ := strings.CutSuffix(id, "-dry")
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		if n, err := strconv.Atoi(rest[i+1:]); err == nil {
			return n
		}
	}
	return 0
}

// printTimeline writes the history for people, in the wholesaler's
// language: a heading per run, one line per event.
func printTimeline(out io.Writer, cfg *config.Config, w config.Wholesaler, reseller string, events []any) {
	lang := w.Language
	fr := lang != "en"
	pick := func(f, e string) string {
		if fr {
			return f
		}
		return e
	}
	programs := map[string]string{}
	for _, p := range cfg.Programs {
		programs[p.ID] = p.Name
	}
	program := func(id string) string {
		if n := programs[id]; n != "" {
			return n
		}
		return id
	}
	colon := pick(" : ", ": ")
	fmt.Fprintf(out, pick("%s · revendeur %s : historique\n", "%s · reseller %s: history\n"), w.Name, reseller)
	run := ""
	for _, e := range events {
		var head explainEvent
		switch x := e.(type) {
		case lineEvent:
			head = x.explainEvent
		case findingEvent:
			head = x.explainEvent
		case responseEvent:
			head = x.explainEvent
		}
		if head.Run != run {
			run = head.Run
			fmt.Fprintf(out, pick("\n%s · exécution %s\n", "\n%s · run %s\n"), head.AsOf.Format(lang), run)
		}
		switch x := e.(type) {
		case lineEvent:
			fmt.Fprintf(out, "  %s  %s%s%s, %s, %s %s\n", pick("ligne  ", "line   "), program(x.Program), colon,
				notify.StatusWord(lang, x.Status), x.AmountCents.Format(lang), pick("jusqu'au", "until"), x.ValidUntil.Format(lang))
			if x.Reason != "" {
				fmt.Fprintf(out, "           %s\n", notify.LocalReason(lang, x.Reason))
			}
			if x.File != "" {
				fmt.Fprintf(out, pick("           d'après %s, feuille %s, ligne %d\n", "           from %s, sheet %s, row %d\n"), x.File, x.Sheet, x.Row)
			}
		case findingEvent:
			state := map[string][2]string{"new": {"nouveau", "new"}, "open": {"toujours ouvert", "still open"},
				"resolved": {"résolu", "resolved"}}[x.State]
			fmt.Fprintf(out, "  %s  %s%s%s%s", pick("écart  ", "finding"), notify.KindWord(lang, x.Kind), orderText(fr, x.OrderID),
				colon, pick(state[0], state[1]))
			switch {
			case x.State == "resolved":
			case x.Kind == reconcile.OverApplied || x.Kind == reconcile.UnderApplied:
				fmt.Fprintf(out, pick(" (attendu %s, appliqué %s)", " (expected %s, applied %s)"), x.ExpectedCents.Format(lang), x.ActualCents.Format(lang))
			case x.Kind == reconcile.FinancingLate || x.Kind == reconcile.FinancingOverdue:
				fmt.Fprintf(out, pick(" (%d heures)", " (%d hours)"), x.Hours)
			}
			if x.State != "new" {
				fmt.Fprintf(out, pick(", signalé le %s (%s)", ", reported on %s (%s)"), x.FirstSeen.Format(lang), reconcile.Age(lang, x.FirstSeen, x.AsOf))
			}
			fmt.Fprintln(out)
		case responseEvent:
			fmt.Fprintf(out, "  %s  %s%s%s%s", pick("réponse", "answer "), notify.KindWord(lang, x.Kind), orderText(fr, x.OrderID), colon,
				x.Response.Word(lang))
			if x.Comment != "" {
				fmt.Fprintf(out, pick(" — « %s »", " — “%s”"), x.Comment)
			}
			fmt.Fprintf(out, pick(" (%s, ligne %d)\n", " (%s, row %d)\n"), x.File, x.Row)
		}
	}
}

func orderText(fr bool, order string) string {
	switch {
	case order == "":
		return ""
	case fr:
		return ", commande " + order
	}
	return ", order " + order
}
