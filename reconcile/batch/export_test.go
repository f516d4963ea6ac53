package batch

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

var exportLayout = layout.Layout{
	Decimal: "comma", DateOrder: "dmy",
	Accounts: layout.Sheet{Columns: map[string][]string{
		"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
		"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
	}},
	Orders: &layout.Sheet{Columns: map[string][]string{
		"order_id": {"N° commande"}, "reseller_id": {"Code client"}, "order_date": {"Date"},
		"product": {"Article"}, "category": {"Famille"}, "amount": {"Montant HT"},
	}},
}

// exportBook is an export whose first sheet is a chart, with a macro
// sheet, a sheet whose part is missing, and its orders on the last sheet.
func exportBook() sheettest.Book {
	accounts := sheettest.Inline(1, "Code client", "Raison sociale", "Statut", "Limite assurée", "Encours") +
		sheettest.Inline(2, "C1", "Alpha", "actif", 1000, 2000) +
		sheettest.Inline(3, "C2", "Beta", "actif", 1000, 500)
	orders := sheettest.Inline(1, "N° commande", "Code client", "Date", "Article", "Famille", "Montant HT") +
		sheettest.Inline(2, "O1", "C1", "30/04/2009", "Office", "OEM", "1 200,00") +
		sheettest.Inline(3, "O2", "C9", "30/04/2009", "Office", "OEM", "1 200,00") +
		sheettest.Inline(4, "O3", "C2", "30/05/2009", "Office", "OEM", "1 200,00")
	return sheettest.Book{Sheets: []sheettest.Sheet{
		{Name: "Graphique", Kind: "chartsheet", Part: "xl/chartsheets/sheet1.xml"},
		{Name: "Comptes", Rows: accounts},
		{Name: "Macro1", Kind: "xlMacrosheet", Part: "xl/macrosheets/sheet1.xml"},
		{Name: "Perdue", Missing: true},
		{Name: "Ventes du mois", Rows: orders},
	}}
}

// Sheets the layout does not read (chart, macro, a missing part) never
// make a file unreadable: the accounts come from the first sheet of
// cells, the orders from the sheet whose headers are the orders'.
func TestReadExportSkipsSheetsWithoutCells(t *testing.T) {
	b := exportBook().Bytes()
	e, err := ReadExport(context.Background(), bytes.NewReader(b), int64(len(b)), exportLayout,
		ExportOptions{File: "x.xlsx", Location: time.UTC, Limits: config.Default().Limits})
	if err != nil {
		t.Fatal(err)
	}
	if e.AccountsSheet != "Comptes" || len(e.Accounts.Rows) != 2 {
		t.Errorf("accounts: sheet %q, %d rows", e.AccountsSheet, len(e.Accounts.Rows))
	}
	if e.OrdersSheet != "Ventes du mois" || len(e.Orders.Rows) != 3 {
		t.Errorf("orders: sheet %q, %d rows", e.OrdersSheet, len(e.Orders.Rows))
	}
	rejected := e.Rejected(exportLayout, reconcile.MustDate("2009-05-04"))
	if len(rejected) != 2 || rejected[0].Row != 3 || rejected[0].Column != "Code client" || rejected[1].Row != 4 || rejected[1].Column != "Date" {
		t.Errorf("rejected = %+v, want the unknown reseller (row 3) and the order after as-of (row 4)", rejected)
	}
}

// A sheet the layout names is read, whatever it is: when it cannot be,
// the file is unreadable, and the reason names that sheet.
func TestReadExportNamedSheetUnreadable(t *testing.T) {
	for name, want := range map[string]error{"Graphique": sheet.ErrNotWorksheet, "Perdue": sheet.ErrTruncated} {
		l := exportLayout
		orders := *l.Orders
		orders.Name = name
		l.Orders = &orders
		b := exportBook().Bytes()
		_, err := ReadExport(context.Background(), bytes.NewReader(b), int64(len(b)), l, ExportOptions{Limits: config.Default().Limits})
		if !errors.Is(err, want) || !strings.Contains(err.Error(), name) {
			t.Errorf("orders sheet %q: %v, want %v naming it", name, err, want)
		}
	}
}
