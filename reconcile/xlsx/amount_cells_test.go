package xlsx

import (
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// TestNumberCellsInACommaLayout: in a layout whose text amounts are
// written "1.234,56", a cell stored as a number is read as the number it
// is, even when its raw value looks like dot thousands ("350.004" is
// 350,00 €, not 350 004,00 €); the same characters typed as text keep the
// French reading.
func TestNumberCellsInACommaLayout(t *testing.T) {
	b := readFixture(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "Encours")
		rows := [][]any{
			{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
			{"N1", "Nombre, trois décimales", "actif", 0, 350.004},
			{"N2", "Nombre, groupes de trois", "actif", 0, 1234.567},
			{"N3", "Nombre", "actif", 0, 12.5},
			{"T1", "Texte à la française", "actif", 0, "350.004"},
			{"T2", "Texte avec virgule", "actif", 0, "1.234,56"},
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Encours", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	})
	acc := readEncours(t, b, false)
	want := map[string]reconcile.Cents{"N1": 35000, "N2": 123457, "N3": 1250, "T1": 35000400, "T2": 123456}
	if len(acc.Rows) != len(want) {
		t.Fatalf("%d rows (rejected %+v), want %d", len(acc.Rows), acc.Rejected, len(want))
	}
	for _, a := range acc.Rows {
		if a.Outstanding != want[a.ResellerID] {
			t.Errorf("%s (%s): outstanding %d cents, want %d", a.ResellerID, a.Name, a.Outstanding, want[a.ResellerID])
		}
	}
}
