package layout

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

func TestReadResponses(t *testing.T) {
	// The columns moved (comment first, reference last), English headers
	// in a French workbook, words in either language and any case.
	sheet := [][]string{
		{"Your comment", "Écart", "Code revendeur", "Votre réponse", "Réf. écart"},
		{"", "ligne inférieure", "C1004", "Corrigé", "A1"},
		{"déjà\nappliqué", "ligne supérieure", "C1011", "contesté", "A2"},
		{"", "compte absent", "C1010", "", "A3"},                // blank: ignored
		nil,                                                     // empty row
		{"", "financement", "400105", "in progress", "A4"},      // English word
		{"", "financement", "400106", "peut-être", "A5"},        // unknown word
		{"voir mail", "financement", "400107", "", "A6"},        // comment alone
		{"", "financement", "400108", "EN COURS", ""},           // no reference
		{"  =HYPERLINK(\"x\")  ", "x", "400109", "fixed", "A9"}, // text, kept as text
	}
	got, err := ReadResponses(&rows{data: sheet}, "Écarts", "actebis-2009-04-20.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := []ResponseRow{
		{Row: 2, Ref: "A1", Answer: reconcile.AnswerFixed},
		{Row: 3, Ref: "A2", Answer: reconcile.AnswerDisputed, Comment: "déjà appliqué"},
		{Row: 6, Ref: "A4", Answer: reconcile.AnswerInProgress},
		{Row: 10, Ref: "A9", Answer: reconcile.AnswerFixed, Comment: `=HYPERLINK("x")`},
	}
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("rows:\n%+v\nwant\n%+v", got.Rows, want)
	}
	type rej struct {
		row    int
		column string
		says   string
	}
	wantRej := []rej{{7, "Votre réponse", `"peut-être" is not an answer`}, {8, "Votre réponse", "is empty but Your comment is filled in"},
		{9, "Réf. écart", "Réf. écart is empty"}}
	if len(got.Rejected) != len(wantRej) {
		t.Fatalf("rejected: %+v", got.Rejected)
	}
	for i, w := range wantRej {
		r := got.Rejected[i]
		if r.Row != w.row || r.Column != w.column || !strings.Contains(r.Reason, w.says) || r.Sheet != "Écarts" || r.File != "actebis-2009-04-20.xlsx" {
			t.Errorf("rejected %d: %+v, want row %d column %q saying %q", i, r, w.row, w.column, w.says)
		}
	}
	if !strings.Contains(got.Rejected[0].Reason, `"corrigé"`) || !strings.Contains(got.Rejected[0].Reason, `"in_progress"`) {
		t.Errorf("the reason does not list the answers: %s", got.Rejected[0].Reason)
	}
	if got.Columns != [3]string{"Réf. écart", "Votre réponse", "Your comment"} || got.HeaderRow != 1 {
		t.Errorf("columns %q at row %d", got.Columns, got.HeaderRow)
	}

	// Without the response column the file is not a set of answers.
	_, err = ReadResponses(&rows{data: [][]string{{"Réf. écart", "Écart"}, {"A1", "x"}}}, "Écarts", "f.xlsx")
	if !errors.Is(err, ErrNoResponseColumns) || !strings.Contains(err.Error(), "Votre réponse") {
		t.Errorf("no response column: %v", err)
	}
	// A sheet with the columns but no answer at all is fine: nothing to record.
	got, err = ReadResponses(&rows{data: [][]string{{"Finding ref", "Your response"}}}, "Discrepancies", "f.xlsx")
	if err != nil && !errors.Is(err, ErrNoRows) || len(got.Rows) != 0 {
		t.Errorf("no answers: %+v, %v", got, err)
	}
}

func TestMarkerRows(t *testing.T) {
	m := reconcile.Marker{Wholesaler: "actebis", RunID: "2009-04-20-1", AsOf: reconcile.MustDate("2009-04-20")}
	var data [][]string
	for _, r := range MarkerRows(m, "abc123") {
		data = append(data, []string{r[0], r[1]})
	}
	got, sig, err := ReadMarker(&rows{data: data})
	if err != nil || got != m || sig != "abc123" {
		t.Fatalf("read back %+v %q %v", got, sig, err)
	}
	data[3][1] = "20/04/2009"
	if _, _, err := ReadMarker(&rows{data: data}); !errors.Is(err, ErrBadMarker) {
		t.Errorf("an edited as-of: %v", err)
	}
	if _, _, err := ReadMarker(&rows{data: data[:2]}); !errors.Is(err, ErrBadMarker) {
		t.Errorf("a cut marker: %v", err)
	}
}
