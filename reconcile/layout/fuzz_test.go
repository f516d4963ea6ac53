package layout

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzHeader feeds sheets written as text (rows split on newlines, cells
// on tabs) to header detection and the accounts reader: nothing panics, a
// sheet is either read or refused with ErrMissingHeader or ErrNoRows, and
// every row read has an id and a row number under the header.
func FuzzHeader(f *testing.F) {
	header := strings.Join(accountsHeader, "\t")
	for _, s := range []string{
		header + "\nC1\tAlpha\tok\t1\t1",
		"Export au 04/05/2009\n\n" + header + "\nC1\tAlpha\tactif\t5 000,00 €\t(1 234,00)\nTotal\t\t\t0\t0",
		"CODE  CLIENT\tRAISON SOCIALE\tstatut\tLIMITE ASSUREE\tencours\nC1\tA\tok\t1\t1",
		header,
		"Code client\tNom\n C1 \tA",
		"\u00a0Code\u00a0client\u00a0\tRaison sociale\tStatut\tLimite assurée\tEncours\n\u00a0C1\u00a0\tA\tok\t1\t1",
		strings.Repeat("\n", 25) + header + "\nC1\tA\tok\t1\t1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var data [][]string
		for _, line := range strings.Split(s, "\n") {
			if line == "" {
				data = append(data, nil)
				continue
			}
			data = append(data, strings.Split(line, "\t"))
		}
		acc, err := actebis.ReadAccounts(&rows{data: data}, "Encours", ReadOptions{File: "f.xlsx", Location: time.UTC})
		if err != nil {
			if !errors.Is(err, ErrMissingHeader) && !errors.Is(err, ErrNoRows) {
				t.Fatalf("unexpected error class: %v", err)
			}
			if !strings.Contains(err.Error(), `sheet "Encours"`) {
				t.Fatalf("error does not name the sheet: %v", err)
			}
			return
		}
		for _, a := range acc.Rows {
			if strings.TrimSpace(a.ResellerID) == "" || a.Row < 2 || a.Row > len(data) {
				t.Fatalf("row read with no id or out of the sheet: %+v", a)
			}
			if a.ResellerID != strings.TrimSpace(a.ResellerID) || strings.ContainsRune(a.ResellerID, '\u00a0') && strings.Trim(a.ResellerID, "\u00a0") != a.ResellerID {
				t.Fatalf("id not trimmed: %q", a.ResellerID)
			}
		}
	})
}
