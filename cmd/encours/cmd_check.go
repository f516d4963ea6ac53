package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/ledger"
)

// cmdCheck is `encours check --config FILE [--export FILE.xlsx
// --wholesaler ID [--as-of YYYY-MM-DD]]`: validates the config and the
// rules, prints the programs and the next run times; with --export, reads
// that file through the wholesaler's layout as a run would (check_export.go).
func (m *Main) cmdCheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	export := fs.String("export", "", "an export to read through a wholesaler's layout")
	wid := fs.String("wholesaler", "", "the wholesaler whose layout reads --export")
	asOfText := fs.String("as-of", "", "with --export: the run date orders are checked against (YYYY-MM-DD); default today")
	if err := fs.Parse(args); err != nil {
		return usagef("check: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q", fs.Arg(0))
	}
	if *cfgPath == "" {
		return usagef("check: --config FILE is required")
	}
	if (*export == "") != (*wid == "") {
		return usagef("check: --export FILE.xlsx and --wholesaler ID go together")
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	var asOf reconcile.Date
	if *asOfText != "" {
		if asOf, err = reconcile.ParseISO(*asOfText); err != nil {
			return usagef("check: --as-of: %v", err)
		}
	}
	if *export != "" {
		if _, ok := cfg.Wholesaler(*wid); !ok {
			return usagef("check: no wholesaler %q in %s (it has %s)", *wid, *cfgPath, strings.Join(cfg.WholesalerIDs(), ", "))
		}
	}
	sched, err := cfg.ScheduleSpec()
	if err != nil {
		return configError{err}
	}
	lc, err := m.ledgerConfig(cfg)
	if err != nil {
		return err
	}
	ledgerText, err := checkLedger(ctx, cfg, lc)
	if err != nil {
		return err
	}
	out := m.Stdout
	fmt.Fprintf(out, "config %s is valid\n", *cfgPath)
	send := "every run"
	if cfg.Mail.Send == config.SendOnChange {
		send = "only to wholesalers with news (mail.send: on_change)"
	}
	fmt.Fprintf(out, "time zone %s; inbox %s; data_dir %s; mail via %s, %s\n", cfg.Timezone, cfg.Inbox, cfg.DataDir, cfg.Mail.Transport, send)
	fmt.Fprintf(out, "ledger: %s\n", ledgerText)
	fmt.Fprintf(out, "%s\n\n", retentionText(cfg.Retention.Runs))

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHOLESALER\tNAME\tLANGUAGE\tPROGRAMS")
	for _, w := range cfg.Wholesalers {
		var ids []string
		for _, p := range cfg.Programs {
			if p.AppliesTo(w.ID) {
				ids = append(ids, p.ID)
			}
		}
		if len(ids) == 0 {
			ids = []string{"(none: read, validated and reported only)"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, w.Name, w.Language, strings.Join(ids, ", "))
	}
	tw.Flush()
	fmt.Fprintln(out)

	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tKIND\tWHOLESALERS\tTERMS")
	for _, p := range cfg.Programs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Kind, strings.Join(p.Wholesalers, ", "), terms(p))
	}
	tw.Flush()

	for _, w := range budgetWarnings(ctx, lc, cfg.Programs, reconcile.DateIn(m.Now().In(cfg.Location))) {
		fmt.Fprintf(out, "warning: %s\n", w)
	}

	fmt.Fprintf(out, "\nschedule %q; next runs (%s):\n", cfg.Schedule, cfg.Timezone)
	t := m.Now().In(cfg.Location)
	for range 3 {
		t = sched.Next(t)
		fmt.Fprintf(out, "  %s\n", t.Format("Mon 2006-01-02 15:04:05 MST"))
	}
	if *export != "" {
		if asOf == 0 {
			asOf = reconcile.DateIn(m.Now().In(cfg.Location))
		}
		return m.checkExport(ctx, cfg, *wid, *export, asOf)
	}
	return nil
}

// budgetWarnings compares each budget with the lines the ledger lc holds
// valid on today (those that expire before it would free their room at
// the next run). The ledger is only read, without a lock: check never
// creates data_dir nor a ledger, and says nothing when there is none yet.
func budgetWarnings(ctx context.Context, lc ledger.Config, programs []reconcile.Program, today reconcile.Date) []string {
	budgeted := false
	for _, p := range programs {
		budgeted = budgeted || p.Budget != nil
	}
	if !budgeted {
		return nil
	}
	store, err := ledger.OpenReadOnlyConfig(ctx, lc)
	if errors.Is(err, ledger.ErrNoLedger) {
		return nil
	}
	if err != nil {
		return []string{fmt.Sprintf("cannot read the ledger to compare the budgets with the lines granted: %v", err)}
	}
	defer store.Close()
	lines, err := store.ValidLines(ctx)
	if err != nil {
		return []string{fmt.Sprintf("cannot read the ledger to compare the budgets with the lines granted: %v", err)}
	}
	type use struct {
		used  reconcile.Cents
		lines int
	}
	uses := map[string]*use{}
	for _, l := range lines {
		if l.ValidUntil < today {
			continue
		}
		u := uses[l.Program]
		if u == nil {
			u = &use{}
			uses[l.Program] = u
		}
		u.used += l.Amount
		u.lines++
	}
	var out []string
	for i := range programs {
		if u := uses[programs[i].ID]; u != nil {
			if w := reconcile.BudgetWarning(&programs[i], u.used, u.lines); w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

// checkLedger says which ledger the config names and, for PostgreSQL,
// tries to connect: a failure says what failed (host unreachable,
// authentication, missing database) and is a config error. The DSN is
// never printed whole: its password is masked.
func checkLedger(ctx context.Context, cfg *config.Config, lc ledger.Config) (string, error) {
	if lc.Driver != ledger.Postgres {
		return "sqlite, " + lc.Path, nil
	}
	from := "ledger.dsn"
	if cfg.Ledger.DSNEnv != "" {
		from = "$" + cfg.Ledger.DSNEnv
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := ledger.Ping(ctx, lc); err != nil {
		return "", configError{fmt.Errorf("ledger (DSN from %s): %w", from, err)}
	}
	return fmt.Sprintf("postgres, %s (DSN from %s): connected", ledger.Describe(lc.DSN), from), nil
}

// retentionText says what retention.runs does.
func retentionText(keep time.Duration) string {
	if keep <= 0 {
		return "retention: every run folder is kept (retention.runs: 0)"
	}
	d := keep.String()
	if keep%(24*time.Hour) == 0 {
		d = fmt.Sprintf("%d days", keep/(24*time.Hour))
	}
	return fmt.Sprintf("retention: after each run, the folders of runs more than %s older (by as-of) are removed from data_dir/runs", d)
}

// terms says a program's parameters in one line.
func terms(p reconcile.Program) string {
	return kindTerms(p) + budgetTerms(p.Budget)
}

// budgetTerms says a program's budget, if it has one.
func budgetTerms(b *reconcile.Budget) string {
	if b == nil {
		return ""
	}
	var parts []string
	if b.MaxTotal > 0 {
		parts = append(parts, b.MaxTotal.String()+" in total")
	}
	switch {
	case b.MaxBeneficiaries == 1:
		parts = append(parts, "at most 1 beneficiary")
	case b.MaxBeneficiaries > 1:
		parts = append(parts, fmt.Sprintf("at most %d beneficiaries", b.MaxBeneficiaries))
	}
	return "; budget: " + strings.Join(parts, ", ")
}

func kindTerms(p reconcile.Program) string {
	switch p.Kind {
	case reconcile.CreditTopUp:
		return fmt.Sprintf("%s: up to %s, rounded up to %s, from %s until %s",
			p.Name, p.MaxAmount, p.RoundUpTo, p.From, p.Until)
	case reconcile.OrderTriggeredLine:
		s := fmt.Sprintf("%s: %s for %d months after an order of at least %s (category %s, product containing %s)",
			p.Name, p.Amount, p.DurationMonths, p.Trigger.MinOrderAmount,
			strings.Join(p.Trigger.Category, "/"), strings.Join(p.Trigger.ProductContains, "/"))
		if !p.From.IsZero() || !p.Until.IsZero() {
			s += fmt.Sprintf(", orders from %s until %s", p.From, p.Until)
		}
		return s
	case reconcile.FinancingSLA:
		return fmt.Sprintf("%s: payment %s within %d hours", p.Name, strings.Join(p.PaymentValues, "/"), p.MaxHours)
	}
	return p.Name
}
