package samples

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/encours/encours/reconcile/xlsx"
)

// Onboarding is an export of a wholesaler encours does not know yet, in a
// layout no sample uses, for encours layout suggest (the README's worked
// example and the tests).
type Onboarding struct {
	File   string
	Export xlsx.Export
}

// Unseen returns the onboarding exports: ALSO France (French headers of its
// own, a title block, a notes sheet first, French text amounts, dates as
// text day first, its own status words) and Westcoast (English, amounts
// and dates as US text, its orders sheet first).
func Unseen() []Onboarding {
	created := time.Date(2009, 5, 4, 6, 0, 0, 0, time.UTC)

	// ALSO France: French, title block, notes sheet first, French text amounts,
	// text dates day first, a status vocabulary of its own.
	var also [][]any
	statuses := []string{"Ouvert", "Ouvert", "Actif", "Ouvert", "Radié", "Ouvert", "Compte clôturé", "Ouvert"}
	for i := range 40 {
		limit, out := int64(5000+i*250)*100, int64(2000+i*100)*100
		id := fmt.Sprintf("D%04d", i+1)
		var lim, bal any = xlsx.Money(limit), xlsx.Money(out)
		if i%2 == 0 {
			lim = fmt.Sprintf("%d%s%03d,00 €", limit/100/1000, nbsp, limit/100%1000)
		}
		if i == 3 { // over its limit: 12 340,50 € against 5 750,00 €
			bal = "12" + nbsp + "340,50" + nbsp + "€"
		}
		also = append(also, []any{id, fmt.Sprintf("Informatique %d SARL", i+1), statuses[i%len(statuses)], lim, bal, "M. Durand", "Lyon"})
	}
	alsoOrders := [][]any{
		{"V-1001", "D0001", "23/04/2009", "Office Professionnel 2007 OEM", "OEM", "1 500,00", "Virement"},
		{"V-1002", "D0002", day(d(2009, 4, 28)), "Souris optique", "Accessoires", "25,90", "Chèque"},
		{"V-1003", "D0004", "02/05/2009", "Windows Server 2008", "Licences", "2" + nbsp + "100,00", "Virement"},
	}

	// Westcoast: English, US amounts and dates as text, accounts second.
	var west [][]any
	for i := range 30 {
		st := []string{"Open", "Open", "Open", "Closed", "Deactivated"}[i%5]
		lim := fmt.Sprintf("%d,%03d.00", (8000+i*100)/1000, (8000+i*100)%1000)
		bal := any(float64(3000 + i*10))
		if i == 7 { // over: 15,250.75 against 8,700.00
			bal = "15,250.75"
		}
		west = append(west, []any{fmt.Sprintf("WC-%05d", 100+i), fmt.Sprintf("Reseller %d Ltd", i+1), st, lim, bal})
	}
	westOrders := [][]any{
		{"SO-9001", "WC-00100", "04/23/2009", "Office Small Business 2007", "OEM", "1,250.00", "Microsoft Financing", "04/23/2009 10:00", "04/24/2009 09:30"},
		{"SO-9002", "WC-00101", "04/03/2009", "USB mouse", "Accessories", "19.90", "Net 30", "", ""},
		{"SO-9003", "WC-00102", "05/01/2009", "Exchange Server CAL", "Licences", "3,400.00", "Net 30", "", ""},
	}
	return []Onboarding{
		{"ALSO_France_encours_2009-05-04.xlsx", xlsx.Export{Creator: "ALSO France — crédit", Title: "Encours débiteurs", Created: created, Sheets: []xlsx.ExportSheet{
			{Name: "Lisez-moi", Title: [][]any{{"Export automatique"}, {"Contact : credit@also.example"}}},
			{Name: "Débiteurs", Title: [][]any{{boldText("ALSO France — encours débiteurs")}, {"Édité le 04/05/2009"}, nil},
				Header: []string{"N° de compte", "Dénomination sociale", "Situation", "Plafond de crédit assuré", "Solde dû (€)", "Commercial", "Ville"},
				Widths: []float64{14, 30, 16, 24, 16, 14, 12},
				Rows:   slices.Values(append(also, []any{"Total", "", "", "", "999 999,00"}))},
			{Name: "Ventes du mois", Header: []string{"Réf. commande", "Code tiers", "Date pièce", "Libellé article", "Gamme", "Montant HT", "Mode de règlement"},
				Rows: slices.Values(alsoOrders)},
		}}},
		{"westcoast-credit-report.xlsx", xlsx.Export{Creator: "Westcoast credit control", Title: "Customer credit exposure", Created: created, Sheets: []xlsx.ExportSheet{
			{Name: "Sales", Header: []string{"Sales Order", "Customer ID", "Date of order", "Item", "Product Line", "Line Amount", "Payment Type", "Financing approval date", "Financing payment date"},
				Rows: slices.Values(westOrders)},
			{Name: "Customer Credit", Title: [][]any{{"Westcoast — customer credit exposure"}, nil},
				Header: []string{"Cust #", "Customer Name", "Acct Status", "Credit Insurance Limit", "Total Due"},
				Rows:   slices.Values(west)},
		}}},
	}
}

// writeOnboarding writes the onboarding exports into dir/onboarding.
func (g *gen) writeOnboarding() error {
	dir := filepath.Join(g.out, "onboarding")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, o := range Unseen() {
		f, err := os.Create(filepath.Join(dir, o.File))
		if err != nil {
			return err
		}
		if err := xlsx.WriteExport(f, o.Export); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", o.File, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(g.log, "onboarding/%s: a wholesaler encours does not know yet (encours layout suggest)\n", o.File)
	}
	return nil
}
