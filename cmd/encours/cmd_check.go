package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
)

// cmdCheck is `encours check --config FILE`: validates the config and the
// rules, prints the programs and the next run times.
func (m *Main) cmdCheck(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	if err := fs.Parse(args); err != nil {
		return usagef("check: %v", err)
	}
	if *cfgPath == "" {
		return usagef("check: --config FILE is required")
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	sched, err := cfg.ScheduleSpec()
	if err != nil {
		return configError{err}
	}
	out := m.Stdout
	fmt.Fprintf(out, "config %s is valid\n", *cfgPath)
	send := "every run"
	if cfg.Mail.Send == config.SendOnChange {
		send = "only to wholesalers with news (mail.send: on_change)"
	}
	fmt.Fprintf(out, "time zone %s; inbox %s; data_dir %s; mail via %s, %s\n\n", cfg.Timezone, cfg.Inbox, cfg.DataDir, cfg.Mail.Transport, send)

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

	fmt.Fprintf(out, "\nschedule %q; next runs (%s):\n", cfg.Schedule, cfg.Timezone)
	t := m.Now().In(cfg.Location)
	for range 3 {
		t = sched.Next(t)
		fmt.Fprintf(out, "  %s\n", t.Format("Mon 2006-01-02 15:04:05 MST"))
	}
	return nil
}

// terms says a program's parameters in one line.
func terms(p reconcile.Program) string {
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
