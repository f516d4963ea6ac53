package notify

import (
	"github.com/encours/encours/reconcile"
)

var asOf = reconcile.MustDate("2009-05-04")

// sample is a wholesaler's summary with a bit of everything.
func sample(wholesaler, lang string) Summary {
	d := reconcile.MustDate
	return Summary{
		RunID: "run-2009-05-04-1", AsOf: asOf, Language: lang, Vendor: "Microsoft",
		Wholesaler: wholesaler, WholesalerName: "Actebis", Received: true,
		Programs: map[string]string{"mezzanine": "Programme Mezzanine", "ms-financing": "Microsoft Financing"},
		Lines: []reconcile.ReportLine{
			{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C001", AmountCents: 340000,
				ValidFrom: asOf, ValidUntil: d("2009-06-30"), Status: reconcile.Granted,
				Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"},
			{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C002", AmountCents: 500000,
				ValidFrom: d("2009-03-02"), ValidUntil: d("2009-05-20"), Status: reconcile.Increased, Expiring: true,
				Reason: "outstanding 21 000,00 € exceeds insured limit 15 000,00 € by 6 000,00 €; capped at 5 000,00 €"},
			{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C003", AmountCents: 120000,
				ValidFrom: d("2009-03-09"), ValidUntil: d("2009-05-31"), Status: reconcile.Unchanged, Expiring: true},
			{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C004", AmountCents: 80000,
				ValidFrom: d("2009-03-02"), ValidUntil: d("2009-06-30"), Status: reconcile.Withdrawn,
				Reason: "reseller terminated"},
		},
		Discrepancies: []reconcile.Discrepancy{
			{Wholesaler: wholesaler, Kind: reconcile.UnderApplied, ResellerID: "C001", ExpectedCents: 340000, ActualCents: 300000},
			{Wholesaler: wholesaler, Kind: reconcile.FinancingLate, ResellerID: "C002", Program: "ms-financing", OrderID: "A-778", Hours: 73},
		},
		Rejected: []reconcile.RejectedRow{
			{Wholesaler: wholesaler, File: "encours-s19.xlsx", Sheet: "Encours", Row: 12, Column: "Limite assurée",
				Reason: `"douze mille" is not a number`},
		},
		Files: []reconcile.FileResult{
			{Wholesaler: wholesaler, Name: "encours-s19.xlsx", SHA256: "ab", Status: reconcile.Processed},
			{Wholesaler: wholesaler, Name: "vieux.xls", SHA256: "cd", Status: reconcile.Quarantined,
				Error: "legacy .xls workbook: save it as .xlsx (Excel 2007 or later) and drop it again"},
		},
		Attachment: Attachment{Name: "actebis-2009-05-04.xlsx", Data: []byte("PK\x03\x04 fake workbook")},
	}
}
