package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchConfig is the layout of cmd/bench/bench.sh: a title block, comma
// decimals, applied_line, an orders sheet, all three programs.
const benchConfig = `timezone: Europe/Paris
inbox: inbox
data_dir: var
rules: rules.yaml
min_file_age: 0s
mail: {transport: dir, from: "Programme partenaires <partenaires@vendor.example>", program_managers: ["pm@vendor.example"]}
wholesalers:
  - id: big
    name: Grossiste Europe
    emails: ["credit@big.example"]
    language: fr
    layout:
      decimal: comma
      date_order: dmy
      accounts:
        sheet: Encours
        columns: {reseller_id: ["Code client"], reseller_name: ["Raison sociale"], status: ["Statut"],
                  insured_limit: ["Limite assurée"], outstanding: ["Encours"], applied_line: ["Ligne Microsoft"],
                  siren: ["SIREN"]}
        status_values: {terminated: ["Radié"]}
      orders:
        sheet: Commandes
        columns: {order_id: ["N° commande"], reseller_id: ["Code client"], order_date: ["Date"],
                  product: ["Article"], category: ["Famille"], amount: ["Montant HT"],
                  payment: ["Règlement"], financing_accepted_at: ["Accord financement"],
                  financing_paid_at: ["Paiement financement"]}
`

const benchRules = `programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [big],
     from: 2009-03-02, until: 2009-06-30, max_amount: 5000, round_up_to: 100}
  - {id: oem-office, name: Ligne OEM Office, kind: order_triggered_line, wholesalers: [big],
     amount: 5000, duration_months: 6,
     trigger: {category: [OEM], product_contains: [Office], min_order_amount: 1000}}
  - {id: ms-financing, name: Microsoft Financing, kind: financing_sla, wholesalers: ["*"],
     payment_values: [Microsoft Financing], max_hours: 48}
`

// benchSetup writes the bench config into dir and generates an export of
// rows accounts and orders order rows; it returns the config path and the
// export.
func benchSetup(tb testing.TB, dir string, rows, orders int) (string, string) {
	tb.Helper()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(benchConfig), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(benchRules), 0o644); err != nil {
		tb.Fatal(err)
	}
	export := filepath.Join(dir, "export.xlsx")
	m, _, errb := newTestMain()
	args := []string{"gen", "--config", cfg, "--wholesaler", "big",
		"--rows", strconv.Itoa(rows), "--orders", strconv.Itoa(orders), "--as-of", "2009-05-04", "--seed", "7", "--out", export}
	if short := os.Getenv("BENCH_SHORT"); short != "" {
		args = append(args, "--short", short) // percent of accounts over their limit
	}
	if code := m.Run(context.Background(), args); code != 0 {
		tb.Fatalf("gen: exit %d: %s", code, errb)
	}
	return cfg, export
}

// runBench runs one `encours run` on a copy of export in a fresh inbox and
// data_dir under dir.
func runBench(tb testing.TB, dir, export string) {
	tb.Helper()
	for _, d := range []string{"inbox", "var"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			tb.Fatal(err)
		}
	}
	in := filepath.Join(dir, "inbox", "big")
	if err := os.MkdirAll(in, 0o755); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(export)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(in, "export.xlsx")
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dst, old, old); err != nil {
		tb.Fatal(err)
	}
	m, _, errb := newTestMain()
	if code := m.Run(context.Background(), []string{"run", "--config", filepath.Join(dir, "config.yaml"),
		"--as-of", "2009-05-04", "--out", filepath.Join(dir, "var", "out")}); code != 0 {
		tb.Fatalf("run: exit %d: %s", code, errb)
	}
}

// BenchmarkRun is the whole run (read, evaluate, ledger, workbooks, mail)
// on a generated export; BENCH_ROWS sets its size (default 100,000 rows
// and a tenth as many orders), BENCH_SHORT the percent of accounts over
// their limit (default 10). Profile it with -cpuprofile / -memprofile.
func BenchmarkRun(b *testing.B) {
	rows := 100_000
	if s := os.Getenv("BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	dir := b.TempDir()
	_, export := benchSetup(b, dir, rows, rows/10)
	b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
		for b.Loop() {
			runBench(b, dir, export)
		}
	})
}

// TestRunSameReport runs the path the benchmarks time (a generated export
// through encours run, the compact raw rows, the row-decoding goroutine,
// workbooks written straight to disk) twice on the same input in fresh
// data dirs: run.json must be the same bytes. There is no separate path for
// large files, so this is the path a million-row export takes.
func TestRunSameReport(t *testing.T) {
	var reports [2][]byte
	dir := t.TempDir()
	_, export := benchSetup(t, dir, 3000, 400)
	for i := range reports {
		runBench(t, dir, export) // a fresh inbox and data_dir each time
		b, err := os.ReadFile(filepath.Join(dir, "var", "out", "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		reports[i] = b
	}
	if string(reports[0]) != string(reports[1]) {
		t.Fatalf("the same export gave two different run.json:\n%s", firstDiff(reports[0], reports[1]))
	}
	if len(reports[0]) < 1000 {
		t.Fatalf("run.json is suspiciously small: %s", reports[0])
	}
}
