package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/xlsx"
)

// unseenExports are the exports of samples/onboarding (written by encours
// gen --samples), in layouts the samples' wholesalers never use: headers
// reworded, title blocks, sheets named otherwise and in another order,
// amounts as French or English text, dates as US text. Each comes with the
// run's expectation on one reseller over its insured limit.
func unseenExports() []struct {
	file, id   string
	over       string          // a reseller over its limit
	overCents  reconcile.Cents // its mezzanine line
	wantLang   string
	wantFields []string // YAML lines the suggestion holds
} {
	return []struct {
		file, id   string
		over       string
		overCents  reconcile.Cents
		wantLang   string
		wantFields []string
	}{
		{
			file: "ALSO_France_encours_2009-05-04.xlsx", id: "also-france",
			over: "D0004", overCents: 660000, wantLang: "fr", // 12 340,50 € against 5 750,00 €
			wantFields: []string{
				`sheet: "Débiteurs"   # header on row 4, 40 rows under it`, `reseller_id: ["N° de compte"]`, `insured_limit: ["Plafond de crédit assuré"]`,
				`outstanding: ["Solde dû (€)"]`, `status: ["Situation"]`, `active: ["Ouvert"]`, `terminated: ["Radié", "Compte clôturé"]`,
				`decimal: comma`, `date_order: dmy`, `order_date: ["Date pièce"]`, `category: ["Gamme"]`, `payment: ["Mode de règlement"]`,
				`# orders: found on sheet "Ventes du mois"`,
			},
		},
		{
			file: "westcoast-credit-report.xlsx", id: "westcoast",
			over: "WC-00107", overCents: 660000, wantLang: "en", // 15,250.75 against 8,700.00
			wantFields: []string{
				`sheet: "Customer Credit"   # header on row 3`, `reseller_id: ["Cust #"]`, `insured_limit: ["Credit Insurance Limit"]`,
				`outstanding: ["Total Due"]`, `terminated: ["Deactivated"]`, `decimal: point`, `date_order: mdy`,
				`financing_accepted_at: ["Financing approval date"]`, `financing_paid_at: ["Financing payment date"]`,
			},
		},
	}
}

// layout suggest on exports of layouts never seen: each suggestion, pasted
// into a config as it is, is accepted by check, check --export reads the
// file with no rejected row, and a real run processes it with no rejected
// row and the line its figures call for.
func TestLayoutSuggestUnseenExports(t *testing.T) {
	for _, tt := range unseenExports() {
		t.Run(tt.id, func(t *testing.T) {
			dir := t.TempDir()
			export := filepath.Join(dir, "received", tt.file)
			if err := copyFile(filepath.Join("..", "..", "samples", "onboarding", tt.file), export, time.Time{}); err != nil {
				t.Fatal(err)
			}
			m, stdout, stderr := newTestMain()
			if code := m.Run(context.Background(), []string{"layout", "suggest", export, "--id", tt.id}); code != 0 {
				t.Fatalf("suggest: exit %d\n%s", code, stderr)
			}
			suggestion := stdout.String()
			for _, want := range append(tt.wantFields, "language: "+tt.wantLang, "id: "+tt.id) {
				if !strings.Contains(suggestion, want) {
					t.Errorf("suggestion lacks %q:\n%s", want, suggestion)
				}
			}
			cfg := filepath.Join(dir, "config.yaml")
			base := "timezone: Europe/Paris\ninbox: inbox\ndata_dir: var\nrules: rules.yaml\n" +
				"mail: {transport: dir, program_managers: [\"pm@vendor.example\"]}\n"
			if err := os.WriteFile(cfg, []byte(base+suggestion), 0o644); err != nil {
				t.Fatal(err)
			}
			rules := "programs:\n  - {id: mezzanine, name: Mezzanine, kind: credit_top_up, wholesalers: [\"*\"],\n" +
				"     from: 2009-03-02, until: 2009-06-30, max_amount: 50000, round_up_to: 100}\n"
			if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rules), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, stderr := cliRun(t, "check", "--config", cfg); code != 0 {
				t.Fatalf("check: exit %d\n%s\nconfig:\n%s", code, stderr, base+suggestion)
			}
			code, out, errs := checkExport(t, cfg, export, tt.id, "--as-of", "2009-05-04")
			if code != 0 || !strings.Contains(out, "no rejected row") {
				t.Fatalf("check --export: exit %d\n%s\n%s", code, out, errs)
			}
			old := time.Date(2009, 5, 4, 5, 0, 0, 0, time.UTC)
			stageFile(t, export, filepath.Join(dir, "inbox", tt.id), old)
			runOut := filepath.Join(dir, "out")
			if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-05-04", "--out", runOut); code != 0 {
				t.Fatalf("run: exit %d\n%s", code, stderr)
			}
			rep := readReport(t, filepath.Join(runOut, "run.json"))
			if len(rep.Files) != 1 || rep.Files[0].Status != reconcile.Processed {
				t.Fatalf("files = %+v", rep.Files)
			}
			if len(rep.RejectedRows) != 0 {
				t.Errorf("rejected rows: %+v", rep.RejectedRows)
			}
			found := false
			for _, l := range rep.Lines {
				if l.ResellerID == tt.over {
					found = true
					if l.AmountCents != tt.overCents || l.Status != reconcile.Granted {
						t.Errorf("%s: line %+v, want %d cents granted", tt.over, l, tt.overCents)
					}
				}
			}
			if !found {
				t.Errorf("no line for %s, which is over its limit; lines: %+v", tt.over, rep.Lines)
			}
		})
	}
}

// A file without a required accounts column: exit 1, naming the missing
// fields and the headers seen.
func TestLayoutSuggestMissingColumn(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export.xlsx")
	writeExport(t, export, xlsx.Export{Sheets: []xlsx.ExportSheet{{Name: "Clients",
		Header: []string{"Code client", "Raison sociale", "Statut", "Plafond assuré", "Ville"},
		Rows:   slices.Values([][]any{{"C1", "Alpha", "Actif", 1000, "Lyon"}})}}})
	m, stdout, stderr := newTestMain()
	code := m.Run(context.Background(), []string{"layout", "suggest", export})
	if code != exitFailed || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{"missing outstanding", `row 1 of sheet "Clients"`, `"Code client", "Raison sociale", "Statut", "Plafond assuré", "Ville"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("message lacks %q:\n%s", want, stderr)
		}
	}
	if code, _ := cliRun(t, "layout", "suggest"); code != exitUsage {
		t.Errorf("no file: exit %d, want 2", code)
	}
	if code, _ := cliRun(t, "layout", "suggest", export, "--id", "Bad Id"); code != exitUsage {
		t.Errorf("bad id: exit %d, want 2", code)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"TD_FR_credit_2009-04-20.xlsx": "td-fr-credit", "/x/IM_customers_20090420.xlsx": "im-customers",
		"2009-05-04.xlsx": "new-wholesaler", "Crédit Société.xlsx": "credit-societe", "ALSO France (1).xlsx": "also-france",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
