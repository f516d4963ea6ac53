package layout

import (
	"errors"
	"fmt"

	"github.com/encours/encours/reconcile"
)

// The columns of a wholesaler's Discrepancies sheet that bring its answers
// back (spec §10.2), in the order of ResponseHeaders. Columns are found by
// their header, in either language, wherever the wholesaler moved them.
const (
	ResponseRef = iota
	ResponseAnswer
	ResponseComment
)

var responseHeaders = [2][3]string{
	{"Réf. écart", "Votre réponse", "Votre commentaire"},
	{"Finding ref", "Your response", "Your comment"},
}

// ResponseHeaders returns the headers of the reference, response and
// comment columns in a language ("fr" or "en").
func ResponseHeaders(lang string) [3]string {
	if lang == "en" {
		return responseHeaders[1]
	}
	return responseHeaders[0]
}

// ResponseRow is one answered row of a response file.
type ResponseRow struct {
	Row     int
	Ref     string
	Answer  reconcile.Answer
	Comment string
}

// Responses is what ReadResponses read from a Discrepancies sheet.
type Responses struct {
	Rows     []ResponseRow
	Rejected []reconcile.RejectedRow
	// Header is the header row as found; Columns the headers, as written
	// in the file, of the reference, response and comment columns.
	Header    []string
	HeaderRow int
	Columns   [3]string
}

// ErrNoResponseColumns: the sheet lacks the reference or the response
// column; the file cannot be read as answers.
var ErrNoResponseColumns = errors.New("the response columns are missing")

// ReadResponses reads the answers of a wholesaler's Discrepancies sheet
// sent back to encours: the rows whose response is filled in. A row
// without a response and without a comment is ignored; a response word
// that is not one of the list, a comment without a response and a row
// without its reference are rejected rows (file, sheet, row, column,
// reason). Comments are cleaned (reconcile.CleanComment). Only a sheet
// without the reference or the response column is an error.
func ReadResponses(src RowSource, sheet, file string) (Responses, error) {
	var s Sheet
	s.Columns = map[string][]string{}
	fields := []string{"ref", "response", "comment"}
	for i, f := range fields {
		s.Columns[f] = []string{responseHeaders[0][i], responseHeaders[1][i]}
	}
	r := sheetReader{sheet: sheet, o: ReadOptions{File: file}}
	words := reconcile.AnswerWords()
	answers := map[string]reconcile.Answer{}
	for w, a := range words {
		answers[normalize(w)] = a
	}
	var out Responses
	err := r.rows(src, fields[:2], fields[2:], s, ResponseRef, func(num int, cells []string) {
		word := r.cell(cells, ResponseAnswer)
		comment := ""
		if r.h.col[ResponseComment] >= 0 {
			comment = reconcile.CleanComment(r.cell(cells, ResponseComment))
		}
		ref := r.cell(cells, ResponseRef)
		switch {
		case word == "" && comment == "":
			return
		case word == "":
			r.fail(ResponseAnswer, "%s is empty but %s is filled in: choose %s in the list, or the comment is not recorded",
				r.colName(ResponseAnswer), r.colName(ResponseComment), wordList())
		default:
			a, ok := answers[normalize(word)]
			if !ok {
				r.fail(ResponseAnswer, "%s %q is not an answer: choose %s in the list", r.colName(ResponseAnswer), word, wordList())
			}
			if ref == "" {
				r.fail(ResponseRef, "%s is empty: answer in the row of the finding and leave its reference as it is", r.colName(ResponseRef))
			}
			if !r.reject(num) {
				out.Rows = append(out.Rows, ResponseRow{Row: num, Ref: ref, Answer: a, Comment: comment})
			}
		}
		r.reject(num)
	})
	if errors.Is(err, ErrMissingHeader) {
		h := responseHeaders
		return out, fmt.Errorf("%w: sheet %q has no column headed %q (%q) and %q (%q); answer in the workbook encours sent, without renaming or removing its columns",
			ErrNoResponseColumns, sheet, h[0][ResponseRef], h[1][ResponseRef], h[0][ResponseAnswer], h[1][ResponseAnswer])
	}
	if err != nil {
		return out, err
	}
	out.Rejected = r.rejects
	out.Header, out.HeaderRow = r.h.cells, r.h.row
	for i := range out.Columns {
		if r.h.col[i] >= 0 {
			out.Columns[i] = r.colName(i)
		}
	}
	return out, nil
}

// wordList names the answers a reader may choose, in both languages.
func wordList() string {
	var fr, en []string
	for _, a := range reconcile.Answers {
		fr, en = append(fr, a.Word("fr")), append(en, a.Word("en"))
	}
	return quoteList(fr, ", ") + " (" + quoteList(en, ", ") + ")"
}

// MarkerSheet is the name of the very hidden sheet in which a wholesaler's
// workbook carries its marker (spec §10.2): document properties do not
// survive every tool, a very hidden sheet does (LibreOffice keeps it as
// hidden).
const MarkerSheet = "encours-responses"

// The labels of the marker sheet's rows, in column A; the values are in
// column B.
var markerLabels = [...]string{"marker", "wholesaler", "run", "as_of", "signature"}

// markerTitle is column B of the first row: what the sheet is.
const markerTitle = "encours-responses-v1"

// MarkerRows returns the marker sheet's rows for a signed marker.
func MarkerRows(m reconcile.Marker, signature string) [][2]string {
	return [][2]string{
		{markerLabels[0], markerTitle}, {markerLabels[1], m.Wholesaler}, {markerLabels[2], m.RunID},
		{markerLabels[3], m.AsOf.String()}, {markerLabels[4], signature},
	}
}

// ErrBadMarker: the marker sheet is there but does not read as a marker.
var ErrBadMarker = errors.New("the workbook's encours marker is damaged")

// ReadMarker reads the marker sheet of a workbook and returns the marker
// and its signature, unverified.
func ReadMarker(src RowSource) (reconcile.Marker, string, error) {
	vals := map[string]string{}
	for src.Next() {
		_, cells := src.Row()
		if len(cells) >= 2 {
			vals[normalize(cells[0])] = trim(cells[1])
		}
	}
	if err := src.Err(); err != nil {
		return reconcile.Marker{}, "", err
	}
	m := reconcile.Marker{Wholesaler: vals[markerLabels[1]], RunID: vals[markerLabels[2]]}
	asOf, err := reconcile.ParseISO(vals[markerLabels[3]])
	if vals[markerLabels[0]] != markerTitle || m.Wholesaler == "" || m.RunID == "" || err != nil || vals[markerLabels[4]] == "" {
		return reconcile.Marker{}, "", fmt.Errorf("%w (sheet %q was edited): send back the workbook encours sent, with only its answer columns filled in",
			ErrBadMarker, MarkerSheet)
	}
	m.AsOf = asOf
	return m, vals[markerLabels[4]], nil
}
