package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// seasonConfig is two wholesalers sharing one credit_top_up budget,
// techdata first in config order (not alphabetical), and an order line
// with one beneficiary place at techdata.
const seasonConfig = `timezone: Europe/Paris
inbox: inbox
data_dir: var
rules: rules.yaml
min_file_age: 0s
mail: {transport: dir, from: "Programme partenaires <partenaires@vendor.example>", program_managers: ["pm@vendor.example"]}
wholesalers:
  - id: techdata
    name: Tech Data
    emails: ["credit@techdata.example"]
    language: en
    layout:
      decimal: point
      date_order: dmy
      accounts:
        sheet: Accounts
        columns: {reseller_id: [Code], reseller_name: [Name], siren: [SIREN], status: [Status],
                  insured_limit: [Limit], outstanding: [Outstanding]}
      orders:
        sheet: Orders
        columns: {order_id: [Order], reseller_id: [Code], order_date: [Date], product: [Product],
                  category: [Category], amount: [Amount]}
  - id: actebis
    name: Actebis
    emails: ["credit@actebis.example"]
    language: fr
    layout:
      decimal: comma
      date_order: dmy
      accounts:
        sheet: Accounts
        columns: {reseller_id: [Code], reseller_name: [Name], siren: [SIREN], status: [Status],
                  insured_limit: [Limit], outstanding: [Outstanding]}
`

const seasonRules = `programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [techdata, actebis],
     from: 2009-03-02, until: 2009-06-30, max_amount: 5000, round_up_to: 100,
     budget: {max_total: 10000, max_beneficiaries: 4}}
  - {id: oem, name: Ligne OEM, kind: order_triggered_line, wholesalers: [techdata], amount: 2000, duration_months: 1,
     trigger: {category: [OEM], min_order_amount: 1000}, budget: {max_beneficiaries: 1}}
`

// SIRENs of the season, with valid Luhn keys; s5 starts with a zero.
const (
	s1 = "552100554"
	s2 = "443061841"
	s3 = "732829320"
	s5 = "012345674"
)

// acct is one accounts row; siren is any (a number cell or text).
type acct struct {
	id, name string
	siren    any
	status   string
	short    int64 // euros of line it needs (0: not over its limit)
}

type ord struct {
	id, reseller, date string
	euros              int64
}

// writeBudgetExport writes one wholesaler's export with excelize: accounts with
// numbers as number cells, and orders when given.
func writeBudgetExport(t *testing.T, path string, accounts []acct, orders []ord) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Accounts")
	set := func(sheet string, row int, vals ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	set("Accounts", 1, "Code", "Name", "SIREN", "Status", "Limit", "Outstanding")
	for i, a := range accounts {
		out := 5000
		if a.short > 0 {
			out = 10000 + int(a.short) - 50 // rounds up to short euros
		}
		set("Accounts", i+2, a.id, a.name, a.siren, a.status, 10000, out)
	}
	if orders != nil {
		f.NewSheet("Orders")
		set("Orders", 1, "Order", "Code", "Date", "Product", "Category", "Amount")
		for i, o := range orders {
			set("Orders", i+2, o.id, o.reseller, o.date, "Office Pro", "OEM", o.euros)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
}

func lineText(l reconcile.ReportLine) string {
	return fmt.Sprintf("%s/%s/%s %d %s..%s %s", l.Wholesaler, l.Program, l.ResellerID, l.AmountCents/100,
		l.ValidFrom, l.ValidUntil, l.Status)
}

func waitText(w reconcile.WaitEntry) string {
	return fmt.Sprintf("%s/%s/%s %d until %s rank %d since %s", w.Wholesaler, w.Program, w.ResellerID,
		w.AmountCents/100, w.ValidUntil, w.Rank, w.Since)
}

func budgetText(b reconcile.BudgetUse) string {
	s := b.Program + ":"
	if b.MaxTotalCents != nil {
		s += fmt.Sprintf(" %d/%d €", b.UsedCents/100, *b.MaxTotalCents/100)
	} else {
		s += fmt.Sprintf(" %d € (no max_total)", b.UsedCents/100)
	}
	if b.MaxBeneficiaries != nil {
		s += fmt.Sprintf(", %d/%d", b.Beneficiaries, *b.MaxBeneficiaries)
	} else {
		s += fmt.Sprintf(", %d (no max_beneficiaries)", b.Beneficiaries)
	}
	return s + fmt.Sprintf(", %d waiting for %d €", b.Waitlisted, b.WaitlistedCents/100)
}

func resellerText(r reconcile.ResellerExposure) string {
	return fmt.Sprintf("%s %s [%s] %d lines %d €", r.SIREN, r.Name, strings.Join(r.Wholesalers, " "), r.Lines, r.AmountCents/100)
}

func discText(d reconcile.Discrepancy) string {
	return fmt.Sprintf("%s %s %s %s", d.Wholesaler, d.Kind, d.ResellerID, d.Program)
}

func texts[T any](items []T, f func(T) string) []string {
	out := []string{}
	for _, x := range items {
		out = append(out, f(x))
	}
	return out
}

// TestBudgetSeason runs four weeks on one data_dir: two wholesalers share
// one budget (the last euros go to the first in config order), lines are
// revoked, expire and are raised only as far as the budget allows,
// waitlisted resellers move up in rank order with first fit, a SIREN is
// shared across wholesalers, one typed as a number lost its leading zero,
// and one is invalid. It runs on each ledger backend; every run.json is
// the same on both.
func TestBudgetSeason(t *testing.T) {
	var same sameOnEveryBackend
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) { budgetSeason(t, b, &same) })
	}
}

func budgetSeason(t *testing.T, b ledgerBackend, same *sameOnEveryBackend) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(seasonConfig), 0o644)
	os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(seasonRules), 0o644)
	b.use(t, cfg)
	inbox := filepath.Join(dir, "inbox")

	type week struct {
		asOf          string
		techdata      []acct
		orders        []ord
		actebis       []acct
		lines, wait   []string
		budgets       []string
		resellers     []string
		discrepancies []string
		reasons       map[string]string // line key → how its reason starts
	}
	weeks := []week{
		{
			// Config order: techdata's claims first. T1, T2, T3 fit (9 000 €);
			// A1's 2 000 € do not, A2's 1 000 € do (first fit), then the four
			// places are taken and A3 waits. One OEM place: T4's order (the
			// oldest) takes it, T2's waits.
			asOf: "2009-04-06",
			techdata: []acct{{"T1", "Berry Informatique", s1, "Active", 3000}, {"T2", "Data Conseil", s2, "Active", 4000},
				{"T3", "Siren Faux", "123456789", "Active", 2000}, {"T4", "Azur Micro", s5, "Active", 0}},
			orders: []ord{{"O-2", "T2", "01/04/2009", 1500}, {"O-1", "T4", "20/03/2009", 1200}},
			actebis: []acct{{"A1", "Lyon Réseaux", 732829320, "Actif", 2000}, {"A2", "BERRY INFORMATIQUE LYON", 552100554, "Actif", 1000},
				{"A3", "AZUR MICRO (LYON)", 12345674, "Actif", 500}},
			lines: []string{
				"actebis/mezzanine/A2 1000 2009-04-06..2009-06-30 granted",
				"techdata/mezzanine/T1 3000 2009-04-06..2009-06-30 granted",
				"techdata/mezzanine/T2 4000 2009-04-06..2009-06-30 granted",
				"techdata/mezzanine/T3 2000 2009-04-06..2009-06-30 granted",
				"techdata/oem/T4 2000 2009-03-20..2009-04-19 granted",
			},
			wait: []string{
				"actebis/mezzanine/A1 2000 until 2009-06-30 rank 1 since 2009-04-06",
				"actebis/mezzanine/A3 500 until 2009-06-30 rank 2 since 2009-04-06",
				"techdata/oem/T2 2000 until 2009-04-30 rank 1 since 2009-04-06",
			},
			budgets: []string{"mezzanine: 10000/10000 €, 4/4, 2 waiting for 2500 €", "oem: 2000 € (no max_total), 1/1, 1 waiting for 2000 €"},
			// A2 is the same company as T1: one entry, named as techdata
			// (first in config order) names it.
			resellers: []string{
				s5 + " Azur Micro [techdata] 1 lines 2000 €",
				s2 + " Data Conseil [techdata] 1 lines 4000 €",
				s1 + " Berry Informatique [actebis techdata] 2 lines 4000 €",
			},
			discrepancies: []string{"techdata invalid_siren T3 "},
		},
		{
			// Only actebis delivers: A2 is terminated, its line revoked;
			// A1 (2 000 €) still does not fit the 1 000 € freed, A3 (500 €)
			// passes it. A4's new claim waits behind A1. techdata's lines
			// keep their SIRENs and names from the ledger: A3, whose SIREN
			// was typed as a number without its leading zero, is T4's company.
			asOf: "2009-04-13",
			actebis: []acct{{"A1", "Lyon Réseaux", 732829320, "Actif", 2000}, {"A2", "BERRY INFORMATIQUE LYON", 552100554, "Résilié", 1000},
				{"A3", "AZUR MICRO (LYON)", 12345674, "Actif", 500}, {"A4", "Data Conseil Lyon", s2, "Actif", 300}},
			lines: []string{
				"actebis/mezzanine/A2 1000 2009-04-06..2009-06-30 revoked",
				"actebis/mezzanine/A3 500 2009-04-13..2009-06-30 granted",
				"techdata/mezzanine/T1 3000 2009-04-06..2009-06-30 active",
				"techdata/mezzanine/T2 4000 2009-04-06..2009-06-30 active",
				"techdata/mezzanine/T3 2000 2009-04-06..2009-06-30 active",
				"techdata/oem/T4 2000 2009-03-20..2009-04-19 active",
			},
			reasons: map[string]string{"actebis/mezzanine/A3": "granted from the waitlist (rank 2, waiting since 2009-04-06): outstanding 10 450,00 €"},
			wait: []string{
				"actebis/mezzanine/A1 2000 until 2009-06-30 rank 1 since 2009-04-06",
				"actebis/mezzanine/A4 300 until 2009-06-30 rank 2 since 2009-04-13",
				"techdata/oem/T2 2000 until 2009-04-30 rank 1 since 2009-04-06",
			},
			budgets: []string{"mezzanine: 9500/10000 €, 4/4, 2 waiting for 2300 €", "oem: 2000 € (no max_total), 1/1, 1 waiting for 2000 €"},
			resellers: []string{
				s5 + " Azur Micro [actebis techdata] 2 lines 2500 €",
				s2 + " Data Conseil [techdata] 1 lines 4000 €",
				s1 + " Berry Informatique [techdata] 1 lines 3000 €",
			},
		},
		{
			// techdata again: T1 needs 4 000 € now, the budget allows 500 €
			// more; T4's OEM line has expired, T2's waiting order moves up;
			// T1's new order waits. actebis did not deliver: its entries stay.
			asOf: "2009-04-20",
			techdata: []acct{{"T1", "Berry Informatique", s1, "Active", 4000}, {"T2", "Data Conseil", s2, "Active", 4000},
				{"T3", "Siren Faux", "123456789", "Active", 0}, {"T4", "Azur Micro", s5, "Active", 0}},
			orders: []ord{{"O-3", "T1", "15/04/2009", 1000}},
			lines: []string{
				"actebis/mezzanine/A3 500 2009-04-13..2009-06-30 active",
				"techdata/mezzanine/T1 3500 2009-04-06..2009-06-30 increased",
				"techdata/mezzanine/T2 4000 2009-04-06..2009-06-30 active",
				"techdata/mezzanine/T3 2000 2009-04-06..2009-06-30 active",
				"techdata/oem/T2 2000 2009-04-20..2009-04-30 granted",
				"techdata/oem/T4 2000 2009-03-20..2009-04-19 expired",
			},
			reasons: map[string]string{
				"techdata/mezzanine/T1": "outstanding 13 950,00 € exceeds insured limit 10 000,00 € by 3 950,00 €; line raised from 3 000,00 € to 3 500,00 € instead of 4 000,00 €: capped by the program budget, which had 500,00 € left",
				"techdata/oem/T2":       "granted from the waitlist (rank 1, waiting since 2009-04-06): order O-2 of 2009-04-01",
			},
			wait: []string{
				"actebis/mezzanine/A1 2000 until 2009-06-30 rank 1 since 2009-04-06",
				"actebis/mezzanine/A4 300 until 2009-06-30 rank 2 since 2009-04-13",
				"techdata/oem/T1 2000 until 2009-05-14 rank 1 since 2009-04-20",
			},
			budgets: []string{"mezzanine: 10000/10000 €, 4/4, 2 waiting for 2300 €", "oem: 2000 € (no max_total), 1/1, 1 waiting for 2000 €"},
			resellers: []string{
				s5 + " AZUR MICRO (LYON) [actebis] 1 lines 500 €",
				s2 + " Data Conseil [techdata] 2 lines 6000 €",
				s1 + " Berry Informatique [techdata] 1 lines 3500 €",
			},
			discrepancies: []string{"techdata invalid_siren T3 "},
		},
		{
			// actebis: A1 is no longer short and leaves; A4 moves up to rank 1
			// and still waits; A3's SIREN, typed as text now, is the same.
			asOf: "2009-04-27",
			actebis: []acct{{"A1", "Lyon Réseaux", 732829320, "Actif", 0}, {"A3", "AZUR MICRO (LYON)", "012 345 674", "Actif", 500},
				{"A4", "Data Conseil Lyon", s2, "Actif", 300}},
			lines: []string{
				"actebis/mezzanine/A3 500 2009-04-13..2009-06-30 active",
				"techdata/mezzanine/T1 3500 2009-04-06..2009-06-30 active",
				"techdata/mezzanine/T2 4000 2009-04-06..2009-06-30 active",
				"techdata/mezzanine/T3 2000 2009-04-06..2009-06-30 active",
				"techdata/oem/T2 2000 2009-04-20..2009-04-30 active",
			},
			wait: []string{
				"actebis/mezzanine/A4 300 until 2009-06-30 rank 1 since 2009-04-13",
				"techdata/oem/T1 2000 until 2009-05-14 rank 1 since 2009-04-20",
			},
			budgets: []string{"mezzanine: 10000/10000 €, 4/4, 1 waiting for 300 €", "oem: 2000 € (no max_total), 1/1, 1 waiting for 2000 €"},
			resellers: []string{
				s5 + " AZUR MICRO (LYON) [actebis] 1 lines 500 €",
				s2 + " Data Conseil [techdata] 2 lines 6000 €",
				s1 + " Berry Informatique [techdata] 1 lines 3500 €",
			},
		},
	}
	for _, w := range weeks {
		if w.techdata != nil {
			writeBudgetExport(t, filepath.Join(inbox, "techdata", "td-"+w.asOf+".xlsx"), w.techdata, nonNilOrders(w.orders))
		}
		if w.actebis != nil {
			writeBudgetExport(t, filepath.Join(inbox, "actebis", "actebis-"+w.asOf+".xlsx"), w.actebis, nil)
		}
		out := filepath.Join(dir, "out", w.asOf)
		if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", w.asOf, "--out", out); code != 0 {
			t.Fatalf("run %s: exit %d\n%s", w.asOf, code, stderr)
		}
		r := readReport(t, filepath.Join(out, "run.json"))
		raw, err := os.ReadFile(filepath.Join(out, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		same.check(t, b, "run.json of "+w.asOf, raw)
		check := func(what string, got, want []string) {
			t.Helper()
			if !reflect.DeepEqual(got, nonNilStrings(want)) {
				t.Errorf("run %s %s:\n got %q\nwant %q", w.asOf, what, got, want)
			}
		}
		check("lines", texts(r.Lines, lineText), w.lines)
		check("waitlist", texts(r.Waitlist, waitText), w.wait)
		check("budgets", texts(r.Budgets, budgetText), w.budgets)
		check("resellers", texts(r.Resellers, resellerText), w.resellers)
		check("discrepancies", texts(r.Discrepancies, discText), w.discrepancies)
		for _, l := range r.Lines {
			key := l.Wholesaler + "/" + l.Program + "/" + l.ResellerID
			if want, ok := w.reasons[key]; ok && !strings.HasPrefix(l.Reason, want) {
				t.Errorf("run %s reason of %s:\n got %q\nwant %q...", w.asOf, key, l.Reason, want)
			}
		}
		for _, e := range r.Waitlist {
			if !strings.Contains(e.Reason, "waitlisted") {
				t.Errorf("run %s: waitlist reason of %s does not say why it waits: %q", w.asOf, e.ResellerID, e.Reason)
			}
		}
		if len(r.Warnings) != 0 {
			t.Errorf("run %s warnings: %q", w.asOf, r.Warnings)
		}
	}
	noSQLiteFile(t, b, filepath.Join(dir, "var"))
}

func nonNilOrders(o []ord) []ord {
	if o == nil {
		return []ord{}
	}
	return o
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestCheckBudgets: check shows each budget, and warns with the figures
// when a budget is below what the ledger's valid lines already use; it
// only reads the configured ledger, without a lock, and never creates
// one. The run then warns too, and revokes nothing.
func TestCheckBudgets(t *testing.T) {
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) { checkBudgets(t, b) })
	}
}

func checkBudgets(t *testing.T, b ledgerBackend) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(seasonConfig), 0o644)
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte(seasonRules), 0o644)
	lc := b.use(t, cfg)
	check := func() string {
		t.Helper()
		m, stdout, stderr := newTestMain()
		m.Now = func() time.Time { return time.Date(2009, 4, 7, 9, 0, 0, 0, time.UTC) }
		if code := m.Run(t.Context(), []string{"check", "--config", cfg}); code != 0 {
			t.Fatalf("check: exit %d\n%s", code, stderr)
		}
		return stdout.String()
	}

	out := check()
	for _, want := range []string{
		"until 2009-06-30; budget: 10 000,00 € in total, at most 4 beneficiaries\n",
		"(category OEM, product containing ); budget: at most 1 beneficiary\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warning") {
		t.Errorf("check warns without a ledger:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "var")); !os.IsNotExist(err) {
		t.Fatalf("check created data_dir: %v", err)
	}

	writeBudgetExport(t, filepath.Join(dir, "inbox", "techdata", "td.xlsx"), []acct{
		{"T1", "Berry Informatique", s1, "Active", 3000}, {"T2", "Data Conseil", s2, "Active", 4000},
		{"T3", "Azur Micro", s5, "Active", 2000}, {"T4", "Lyon Réseaux", s3, "Active", 1000}}, []ord{})
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-06", "--out", filepath.Join(dir, "out", "1")); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	before := ledgerDump(t, lc)
	if out := check(); strings.Contains(out, "warning") {
		t.Errorf("check warns within the budget:\n%s", out)
	}

	// The vendor lowers the budget below the 10 000 € and 4 lines granted.
	os.WriteFile(rules, []byte(strings.Replace(seasonRules, "{max_total: 10000, max_beneficiaries: 4}", "{max_total: 8000.50, max_beneficiaries: 3}", 1)), 0o644)
	warning := "budget: mezzanine: the program's valid lines use 10 000,00 €, over max_total 8 000,50 € by 1 999,50 € " +
		"and number 4, over max_beneficiaries 3 by 1; nothing is revoked, and nothing new is granted until lines end and free room"
	// Another run holds the ledger meanwhile: check needs no lock.
	release := holdRunLock(t, lc, filepath.Join(dir, "var"))
	if out := check(); !strings.Contains(out, "warning: "+warning+"\n") {
		t.Errorf("check does not warn %q:\n%s", warning, out)
	}
	release()
	if after := ledgerDump(t, lc); after != before {
		t.Errorf("check changed the ledger:\n%s", firstDiff([]byte(after), []byte(before)))
	}

	writeBudgetExport(t, filepath.Join(dir, "inbox", "techdata", "td2.xlsx"), []acct{
		{"T1", "Berry Informatique", s1, "Active", 3000}, {"T2", "Data Conseil", s2, "Active", 4000},
		{"T3", "Azur Micro", s5, "Active", 2000}, {"T4", "Lyon Réseaux", s3, "Active", 1000}, {"T5", "Nouveau", nil, "Active", 100}}, []ord{})
	out2 := filepath.Join(dir, "out", "2")
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-13", "--out", out2); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	r := readReport(t, filepath.Join(out2, "run.json"))
	if !reflect.DeepEqual(r.Warnings, []string{warning}) {
		t.Errorf("run warnings %q, want %q", r.Warnings, warning)
	}
	for _, l := range r.Lines {
		if l.Status != reconcile.Unchanged {
			t.Errorf("a budget below the lines changed %s: %s", l.ResellerID, l.Status)
		}
	}
	if got := texts(r.Waitlist, waitText); !reflect.DeepEqual(got, []string{"techdata/mezzanine/T5 100 until 2009-06-30 rank 1 since 2009-04-13"}) {
		t.Errorf("waitlist %q", got)
	}
}
