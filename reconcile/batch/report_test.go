package batch

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/encours/encours/reconcile"
)

// TestEncodeReport checks that the element-by-element encoder gives the
// bytes of encoding/json: Encoder with SetIndent for run.json, Marshal for
// the ledger.
func TestEncodeReport(t *testing.T) {
	full := &reconcile.Report{
		AsOf: reconcile.Date(14000),
		Files: []reconcile.FileResult{{Wholesaler: "w<1>", Name: "a & b.xlsx", SHA256: "ab", Status: reconcile.Processed},
			{Wholesaler: "w2", Status: reconcile.Quarantined, Error: "bad \"zip\"\n\u2028"}},
		Lines: []reconcile.ReportLine{{Wholesaler: "w", Program: "p", ResellerID: "r1", AmountCents: 12345,
			ValidFrom: 14000, ValidUntil: 14100, Status: reconcile.Granted, Expiring: true, Reason: "é <b>"}},
		Discrepancies: []reconcile.Discrepancy{},
		RejectedRows:  []reconcile.RejectedRow{{Wholesaler: "w", File: "f", Sheet: "s", Row: 3, Column: "c", Reason: "r"}},
		Mail:          []reconcile.MailResult{{Wholesaler: "w", Recipient: "x@y", Status: reconcile.MailQueued}},
		Warnings:      []string{"one", "two"},
	}
	for name, r := range map[string]*reconcile.Report{
		"full":  full,
		"empty": {AsOf: 1, Files: []reconcile.FileResult{}, Lines: []reconcile.ReportLine{}},
		"nil":   {},
	} {
		t.Run(name, func(t *testing.T) {
			var wantInd bytes.Buffer
			enc := json.NewEncoder(&wantInd)
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			wantComp, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var ind, comp bytes.Buffer
			if err := encodeReport(&ind, &comp, r); err != nil {
				t.Fatal(err)
			}
			if ind.String() != wantInd.String() {
				t.Errorf("indented:\n%s\nwant:\n%s", ind.String(), wantInd.String())
			}
			if comp.String() != string(wantComp) {
				t.Errorf("compact:\n%s\nwant:\n%s", comp.String(), wantComp)
			}
		})
	}
}
