package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/whatif"
)

// cmdSimulate is `encours simulate --config FILE --rules CANDIDATE.yaml
// [--replay last|all] --out DIR [--lang fr|en]`: what the committed runs
// would have given with the candidate rules (whatif.Run). The candidate is
// validated as check validates rules: a bad one is exit 2 naming the key.
func (m *Main) cmdSimulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	rulesPath := fs.String("rules", "", "the candidate rules.yaml")
	replay := fs.String("replay", whatif.ReplayLast, "last (the latest run, from the ledger before it) or all (every run from the first)")
	out := fs.String("out", "", "folder for simulation.json and simulation-<as_of>.xlsx")
	lang := fs.String("lang", config.LangFR, "language of the workbook: fr or en")
	verbose := fs.Bool("verbose", false, "log each replayed run's steps")
	if err := fs.Parse(args); err != nil {
		return usagef("simulate: %v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usagef("simulate: unexpected argument %q", fs.Arg(0))
	case *cfgPath == "":
		return usagef("simulate: --config FILE is required")
	case *rulesPath == "":
		return usagef("simulate: --rules CANDIDATE.yaml is required")
	case *out == "":
		return usagef("simulate: --out DIR is required")
	case *replay != whatif.ReplayLast && *replay != whatif.ReplayAll:
		return usagef("simulate: --replay must be last or all, not %q", *replay)
	case *lang != config.LangFR && *lang != config.LangEN:
		return usagef("simulate: --lang must be fr or en, not %q", *lang)
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	rules, err := loadCandidate(*rulesPath, cfg)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	lc, err := m.ledgerConfig(cfg)
	if err != nil {
		return err
	}
	req := whatif.Request{Config: cfg, Ledger: lc, Rules: rules, Replay: *replay, Out: *out, Lang: *lang,
		Log: slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))}
	if f, ok := m.Stderr.(*os.File); ok && m.IsTerminal != nil && m.IsTerminal(f) {
		p := &progress{w: f}
		req.Progress = p.update
		defer p.clear()
	}
	res, err := whatif.Run(ctx, req)
	if err != nil {
		return err
	}
	m.printSimulation(res, *rulesPath, cfg, rules)
	return nil
}

// loadCandidate reads and validates the candidate rules against the
// config's wholesalers, exactly as Load validates the config's own rules.
func loadCandidate(path string, cfg *config.Config) ([]reconcile.Program, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, configError{fmt.Errorf("cannot read the candidate rules: %w", err)}
	}
	rules, err := config.ParseRules(bytes.NewReader(data), path, cfg.WholesalerIDs())
	if err != nil {
		return nil, configError{err}
	}
	return rules, nil
}

// printSimulation prints the totals per program, current → candidate,
// with each wholesaler's share, the number of changes and the outputs.
func (m *Main) printSimulation(res *whatif.Result, rulesPath string, cfg *config.Config, rules []reconcile.Program) {
	sim := res.Simulation
	out := m.Stdout
	runs := "1 run"
	if res.Replayed != 1 {
		runs = fmt.Sprintf("%d runs", res.Replayed)
	}
	fmt.Fprintf(out, "simulation of run %s (as of %s) with the rules of %s: --replay %s, %s replayed\n\n",
		res.Run.ID, sim.AsOf, rulesPath, sim.Replay, runs)

	names := map[string]string{}
	for _, p := range append(append([]reconcile.Program(nil), rules...), cfg.Programs...) {
		if names[p.ID] == "" {
			names[p.ID] = p.Name
		}
	}
	wnames := map[string]string{}
	for _, w := range cfg.Wholesalers {
		wnames[w.ID] = w.Name
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tLINES\tAMOUNT\tDIFFERENCE")
	row := func(label string, t reconcile.SimulationTotal) {
		fmt.Fprintf(tw, "%s\t%d → %d\t%s → %s\t%s\n", label, t.CurrentLines, t.CandidateLines,
			t.CurrentAmountCents, t.CandidateAmountCents, signed(t.CandidateAmountCents-t.CurrentAmountCents))
	}
	var all reconcile.SimulationTotal
	for i := 0; i < len(sim.Totals); {
		j := i
		var prog reconcile.SimulationTotal
		for ; j < len(sim.Totals) && sim.Totals[j].Program == sim.Totals[i].Program; j++ {
			add(&prog, sim.Totals[j])
		}
		id := sim.Totals[i].Program
		label := id
		if n := names[id]; n != "" && n != id {
			label = fmt.Sprintf("%s (%s)", id, n)
		}
		row(label, prog)
		for _, t := range sim.Totals[i:j] {
			w := wnames[t.Wholesaler]
			if w == "" {
				w = t.Wholesaler
			}
			row("  "+w, t)
		}
		add(&all, prog)
		i = j
	}
	row("total", all)
	tw.Flush()

	effects := map[string]int{}
	for _, c := range sim.Changes {
		effects[c.Effect()]++
	}
	fmt.Fprintf(out, "\nchanges: %d (%d gain a line, %d lose theirs, %d see it change)\n", len(sim.Changes),
		effects[reconcile.EffectGains], effects[reconcile.EffectLoses], effects[reconcile.EffectChanges])
	fmt.Fprintf(out, "outputs: %s, %s\n", res.JSON, res.Workbook)
}

func add(to *reconcile.SimulationTotal, t reconcile.SimulationTotal) {
	to.CurrentLines += t.CurrentLines
	to.CandidateLines += t.CandidateLines
	to.CurrentAmountCents += t.CurrentAmountCents
	to.CandidateAmountCents += t.CandidateAmountCents
}

// signed writes a difference with its sign: "+5 000,00 €", "-1 200,00 €", "0,00 €".
func signed(c reconcile.Cents) string {
	if c > 0 {
		return "+" + c.String()
	}
	return c.String()
}
