package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile/xlsx"
)

// checkExport runs `encours check --export` and returns its exit code,
// stdout and stderr.
func checkExport(t *testing.T, cfg, export, wholesaler string, extra ...string) (int, string, string) {
	t.Helper()
	m, stdout, stderr := newTestMain()
	args := append([]string{"check", "--config", cfg, "--export", export, "--wholesaler", wholesaler}, extra...)
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

var rejectedLine = regexp.MustCompile(`(?m)^    sheet "([^"]*)", row (\d+), column "([^"]*)": (.*)$`)

// check --export reads a file as the run does: the same rejected rows,
// with sheet, row, column and reason, and the header row found; and it
// touches nothing: no data_dir, no inbox, the file as it was.
func TestCheckExportReadsAsTheRun(t *testing.T) {
	dir, cfg := copySamples(t)
	src := filepath.Join("..", "..", "samples", "exports", "2009-04-20", "techdata", "TD_FR_credit_2009-04-20.xlsx")
	export := filepath.Join(dir, "elsewhere", "TD_FR_credit_2009-04-20.xlsx")
	old := time.Date(2009, 4, 20, 5, 0, 0, 0, time.UTC)
	if err := copyFile(src, export, old); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := checkExport(t, cfg, export, "techdata", "--as-of", "2009-04-20")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`accounts: sheet "Accounts", header on row 3: "Account ID", "Company Name", "SIREN", "Account Status", "Insured Credit Limit", "Outstanding Balance"`,
		`orders: sheet "Orders", header on row 1: "Order No", "Account ID", "Order Date"`,
		"49 rows read: 44 accounts, 5 rejected",
		"the file would be processed with 10 rejected rows",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	var checked []string
	for _, m := range rejectedLine.FindAllStringSubmatch(stdout, -1) {
		checked = append(checked, strings.Join(m[1:], "|"))
	}
	for _, p := range []string{filepath.Join(dir, "var"), filepath.Join(dir, "inbox")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after check: %v", p, err)
		}
	}
	if fi, err := os.Stat(export); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("the export was touched: %v %v", fi, err)
	}

	// The run on the same file rejects the same rows.
	stageFile(t, export, filepath.Join(dir, "inbox", "techdata"), old)
	out := filepath.Join(dir, "out")
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	var run []string
	for _, r := range readReport(t, filepath.Join(out, "run.json")).RejectedRows {
		run = append(run, strings.Join([]string{r.Sheet, fmt.Sprint(r.Row), r.Column, r.Reason}, "|"))
	}
	slices.Sort(checked)
	slices.Sort(run)
	if len(run) != 10 || !slices.Equal(checked, run) {
		t.Errorf("check listed\n%s\nthe run rejected\n%s", strings.Join(checked, "\n"), strings.Join(run, "\n"))
	}
}

// writeExport writes e to path.
func writeExport(t *testing.T, path string, e xlsx.Export) {
	t.Helper()
	var buf bytes.Buffer
	if err := xlsx.WriteExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func stageFile(t *testing.T, src, dir string, mtime time.Time) {
	t.Helper()
	if err := copyFile(src, filepath.Join(dir, filepath.Base(src)), mtime); err != nil {
		t.Fatal(err)
	}
}

// A file a run would quarantine: exit 1, with the run's reason.
func TestCheckExportWouldQuarantine(t *testing.T) {
	dir, cfg := copySamples(t)
	text := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(text, []byte("Code client;Encours\nC1;12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := checkExport(t, cfg, text, "actebis")
	if code != 1 || !strings.Contains(stdout, "the file would be quarantined: not an Excel workbook") ||
		!strings.Contains(stderr, "the file would be quarantined: export.xlsx: not an Excel workbook") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A required column missing: the headers the closest row has are named.
	noOutstanding := filepath.Join(dir, "sans-encours.xlsx")
	writeExport(t, noOutstanding, xlsx.Export{Sheets: []xlsx.ExportSheet{{Name: "Encours",
		Header: []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Solde"},
		Rows:   slices.Values([][]any{{"C1", "Alpha", "Actif", 1000, 2000}})}}})
	code, stdout, _ = checkExport(t, cfg, noOutstanding, "actebis")
	if code != 1 || !strings.Contains(stdout, `required column headers not found: missing outstanding (a column headed "Encours")`) ||
		!strings.Contains(stdout, `"Solde"`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "var")); !os.IsNotExist(err) {
		t.Errorf("data_dir created: %v", err)
	}
}

func TestCheckExportUsage(t *testing.T) {
	_, cfg := copySamples(t)
	for _, args := range [][]string{
		{"check", "--config", cfg, "--export", "x.xlsx"},
		{"check", "--config", cfg, "--wholesaler", "actebis"},
		{"check", "--config", cfg, "--export", "x.xlsx", "--wholesaler", "nobody"},
		{"check", "--config", cfg, "--export", "x.xlsx", "--wholesaler", "actebis", "--as-of", "2009-13-01"},
	} {
		if code, stderr := cliRun(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, stderr)
		}
	}
}
