package xlsx

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/xlsx/tooltest"
)

// sirenBook has one account per way of typing a SIREN.
func sirenBook(f *excelize.File) {
	f.SetSheetName("Sheet1", "Encours")
	rows := [][]any{
		{"Code client", "Raison sociale", "SIREN", "Statut", "Limite assurée", "Encours"},
		{"C1", "Nombre", 552100554, "actif", 1000, 2000},
		{"C2", "Texte", "552100554", "actif", 1000, 2000},
		{"C3", "Texte espacé", "552 100 554", "actif", 1000, 2000},
		{"C4", "Nombre sans son zéro", 12345674, "actif", 1000, 2000},
		{"C5", "Texte avec son zéro", "012345674", "actif", 1000, 2000},
		{"C6", "Texte de 8 chiffres", "12345674", "actif", 1000, 2000},
		{"C7", "Clé fausse", 552100555, "actif", 1000, 2000},
		{"C8", "Lettres", "ABC", "actif", 1000, 2000},
		{"C9", "Vide", nil, "actif", 1000, 2000},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Encours", cell, &r); err != nil {
			panic(err)
		}
	}
}

var sirenWant = map[string]struct {
	siren   string
	invalid bool
}{
	"C1": {"552100554", false}, "C2": {"552100554", false}, "C3": {"552100554", false},
	"C4": {"012345674", false}, "C5": {"012345674", false}, "C6": {"", true},
	"C7": {"", true}, "C8": {"", true}, "C9": {"", false},
}

// readEncours reads the accounts of sheet "Encours" of workbook b through
// the sheet reader and a comma layout of its French headers, siren mapped
// when withSIREN.
func readEncours(t *testing.T, b []byte, withSIREN bool) layout.Accounts {
	t.Helper()
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.Rows("Encours")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string][]string{
		"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
		"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
	}
	if withSIREN {
		cols["siren"] = []string{"SIREN"}
	}
	l := layout.Layout{Decimal: "comma", DateOrder: "dmy", Accounts: layout.Sheet{Columns: cols}}
	acc, err := l.ReadAccounts(rows, "Encours", layout.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func checkSIRENs(t *testing.T, b []byte) {
	t.Helper()
	acc := readEncours(t, b, true)
	if len(acc.Rows) != len(sirenWant) {
		t.Fatalf("%d rows (rejected %+v), want %d", len(acc.Rows), acc.Rejected, len(sirenWant))
	}
	for _, a := range acc.Rows {
		if w := sirenWant[a.ResellerID]; a.SIREN != w.siren || a.InvalidSIREN != w.invalid {
			t.Errorf("%s (%s): SIREN %q invalid %v, want %q %v", a.ResellerID, a.Name, a.SIREN, a.InvalidSIREN, w.siren, w.invalid)
		}
	}
}

// TestSIRENNumberOrText reads SIRENs typed as numbers and as text from a
// workbook excelize wrote, and from the same workbook saved again by
// LibreOffice (which keeps each cell's type).
func TestSIRENNumberOrText(t *testing.T) {
	b := readFixture(t, sirenBook)
	t.Run("excelize", func(t *testing.T) { checkSIRENs(t, b) })
	t.Run("libreoffice", func(t *testing.T) {
		soffice := tooltest.Soffice(t)
		dir := t.TempDir()
		in := filepath.Join(dir, "in", "sirens.xlsx")
		if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--headless", "--convert-to", "xlsx", "--outdir", out, in)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice: %v\n%s", err, msg)
		}
		saved, err := os.ReadFile(filepath.Join(out, "sirens.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(saved, b) {
			t.Fatal("LibreOffice did not rewrite the workbook")
		}
		checkSIRENs(t, saved)
	})
}

func TestRowsIsNumber(t *testing.T) {
	b := readFixture(t, func(f *excelize.File) {
		f.SetCellValue("Sheet1", "A1", 12)
		f.SetCellValue("Sheet1", "B1", "12")
		f.SetCellValue("Sheet1", "C1", true)
		f.SetCellValue("Sheet1", "D1", 1.5)
		f.SetCellValue("Sheet1", "E1", "=A1*2") // text, not a formula
		f.SetCellValue("Sheet1", "F2", 7)
	})
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.Rows("")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := [][]bool{{true, false, false, true, false, false}, {false, false, false, false, false, true}}
	for i := 0; rows.Next(); i++ {
		for c, w := range want[i] {
			if got := rows.IsNumber(c); got != w {
				t.Errorf("row %d cell %d: IsNumber %v, want %v", i+1, c, got, w)
			}
		}
		if rows.IsNumber(-1) || rows.IsNumber(64) {
			t.Error("IsNumber out of range")
		}
	}
}
