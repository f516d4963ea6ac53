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
	for _, want := range []string{"encours: layout suggest: export.xlsx: no sheet has the accounts' required columns", "missing outstanding", `row 1 of sheet "Clients"`, "rename those columns in the export", `"Code client", "Raison sociale", "Statut", "Plafond assuré", "Ville"`} {
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

// An export in ERP wordings (a Sage-like accounts sheet and a Cegid-like
// orders sheet: "N° pièce", "Libellé", "Mt HT", "Crédit appliqué"): every
// column is suggested under its field, and check --export reads the file
// through the suggestion with no rejected row.
func TestLayoutSuggestERPWordings(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "Sage_export_2009-05-04.xlsx")
	writeExport(t, export, xlsx.Export{Sheets: []xlsx.ExportSheet{
		{Name: "Tiers", Header: []string{"N° compte", "Intitulé", "Statut", "Assurance crédit", "Encours", "Crédit appliqué", "Ville"},
			Rows: slices.Values([][]any{
				{"C001", "Alpha Informatique", "Actif", "10 000,00", "12 500,00", "0,00", "Lyon"},
				{"C002", "Beta Réseaux", "Actif", "5 000,00", "1 000,00", "0,00", "Nantes"},
			})},
		{Name: "Lignes", Header: []string{"No. de pièce", "Date", "Tiers", "Libellé", "Famille", "Mt HT", "Montant TTC"},
			Rows: slices.Values([][]any{
				{"P1", "23/04/2009", "C001", "Office 2007 OEM", "OEM", "1 500,00", "1 794,00"},
				{"P2", "24/04/2009", "C002", "Souris", "Accessoires", "25,00", "29,90"},
			})},
	}})
	m, stdout, stderr := newTestMain()
	if code := m.Run(context.Background(), []string{"layout", "suggest", export, "--id", "sage"}); code != 0 {
		t.Fatalf("suggest: exit %d\n%s", code, stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr with an orders sheet: %s", stderr)
	}
	suggestion := stdout.String()
	for _, want := range []string{
		`reseller_id: ["N° compte"]`, `reseller_name: ["Intitulé"]`, `insured_limit: ["Assurance crédit"]`, `outstanding: ["Encours"]`,
		`applied_line: ["Crédit appliqué"]`, `order_id: ["No. de pièce"]`, `reseller_id: ["Tiers"]`, `product: ["Libellé"]`,
		`category: ["Famille"]`, `amount: ["Mt HT"]`, `order_date: ["Date"]`,
	} {
		if !strings.Contains(suggestion, want) {
			t.Errorf("suggestion lacks %q:\n%s", want, suggestion)
		}
	}
	cfg := filepath.Join(dir, "config.yaml")
	base := "timezone: Europe/Paris\ninbox: inbox\ndata_dir: var\nrules: rules.yaml\nmail: {transport: dir, program_managers: [\"pm@vendor.example\"]}\n"
	os.WriteFile(cfg, []byte(base+suggestion), 0o644)
	os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("programs:\n  - {id: mezzanine, name: Mezzanine, kind: credit_top_up, wholesalers: [\"*\"],\n"+
		"     from: 2009-03-02, until: 2009-06-30, max_amount: 50000, round_up_to: 100}\n"), 0o644)
	code, out, errs := checkExport(t, cfg, export, "sage", "--as-of", "2009-05-04")
	if code != 0 || !strings.Contains(out, "no rejected row") || !strings.Contains(out, "2 rows read: 2 order lines, 0 rejected") {
		t.Fatalf("check --export: exit %d\n%s\n%s", code, out, errs)
	}
}

// An export without an orders sheet: the accounts-only entry on stdout
// (exit 0, check accepts it) and a notice on stderr naming the file, the
// closest sheet and what it lacks, and what to do.
func TestLayoutSuggestNoOrdersSheet(t *testing.T) {
	accounts := xlsx.ExportSheet{Name: "Clients", Header: []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
		Rows: slices.Values([][]any{{"C1", "Alpha", "Actif", 1000, 1500}})}
	for _, tt := range []struct {
		name   string
		sheets []xlsx.ExportSheet
		says   []string
	}{
		{"accounts only", []xlsx.ExportSheet{accounts}, nil},
		{"orders sheet lacking columns", []xlsx.ExportSheet{accounts, {Name: "Ventes",
			Header: []string{"N° pièce", "Code client", "Date", "Montant HT"},
			Rows:   slices.Values([][]any{{"P1", "C1", "23/04/2009", 1500}})}},
			[]string{`the closest is row 1 of sheet "Ventes", which lacks product, category`, `"N° pièce", "Code client", "Date", "Montant HT"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			export := filepath.Join(dir, "Grossiste_2009-05-04.xlsx")
			writeExport(t, export, xlsx.Export{Sheets: tt.sheets})
			m, stdout, stderr := newTestMain()
			if code := m.Run(context.Background(), []string{"layout", "suggest", export}); code != exitOK {
				t.Fatalf("exit %d, want 0\n%s", code, stderr)
			}
			for _, want := range append([]string{
				"encours: layout suggest: Grossiste_2009-05-04.xlsx: no orders sheet:",
				`no sheet but "Clients" has the orders' columns (order_id, reseller_id, order_date, product, category, amount)`,
				"reads accounts only", "add an orders: section to the layout by hand",
			}, tt.says...) {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if !strings.Contains(stdout.String(), `sheet: "Clients"`) || strings.Contains(stdout.String(), "orders:\n") {
				t.Errorf("stdout is not the accounts-only entry:\n%s", stdout)
			}
			cfg := filepath.Join(dir, "config.yaml")
			os.WriteFile(cfg, []byte("timezone: Europe/Paris\ninbox: inbox\ndata_dir: var\nrules: rules.yaml\nmail: {transport: dir}\n"+stdout.String()), 0o644)
			os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("programs: []\n"), 0o644)
			if code, errs := cliRun(t, "check", "--config", cfg); code != 0 {
				t.Errorf("check of the accounts-only entry: exit %d\n%s", code, errs)
			}
		})
	}
}
