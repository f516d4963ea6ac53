package sheet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// benchExport builds an accounts sheet of n rows × 12 columns as a
// streaming writer does (inline strings): a title block, then numbers,
// text amounts and distinct strings.
func benchExport(n int) []byte {
	var rows strings.Builder
	rows.WriteString(sheettest.Inline(1, "Export des encours"))
	rows.WriteString(sheettest.Inline(3, "Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Ligne Microsoft",
		"SIREN", "Adresse", "Code postal", "Ville", "Téléphone", "Commercial"))
	for i := range n {
		out := any(float64(i%5000) * 10.5)
		if i%7 == 3 {
			out = fmt.Sprintf("%d %03d,50 €", i%90+1, i%1000)
		}
		rows.WriteString(sheettest.Inline(i+4,
			fmt.Sprintf("C%07d", i), fmt.Sprintf("SARL Revendeur %07d", i), "actif", 10000, out, "",
			fmt.Sprintf("%09d", 300000000+i), fmt.Sprintf("%d rue Victor Hugo", i%200), "75011", "Paris",
			fmt.Sprintf("01 %02d %02d %02d %02d", i%100, i/100%100, i%97, i%89), "M. Durand"))
	}
	return sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Sheet1", Rows: rows.String()}}}.Bytes()
}

var benchLayout = layout.Layout{Decimal: "comma", DateOrder: "dmy", Accounts: layout.Sheet{Columns: map[string][]string{
	"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
	"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"}, "applied_line": {"Ligne Microsoft"},
	"siren": {"SIREN"},
}}}

// BenchmarkReadAccounts is the whole read of one export: Open (checks,
// unzip), the streamed rows, and the layout turning them into accounts.
func BenchmarkReadAccounts(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		data := benchExport(n)
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				wb, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
				if err != nil {
					b.Fatal(err)
				}
				rows, err := wb.Rows("")
				if err != nil {
					b.Fatal(err)
				}
				acc, err := benchLayout.ReadAccounts(rows, "Sheet1", layout.ReadOptions{OnRow: func(int, []string) {}})
				rows.Close()
				wb.Close()
				if err != nil || len(acc.Rows) != n {
					b.Fatalf("%d rows, %d rejected, err %v", len(acc.Rows), len(acc.Rejected), err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
