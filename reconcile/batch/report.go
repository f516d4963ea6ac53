package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/encours/encours/reconcile"
)

// reportEncoder writes a reconcile.Report one element at a time, with the
// bytes encoding/json gives the whole value: Encoder with SetIndent("",
// "  ") for run.json (indented, final newline) and Marshal for the ledger
// (compact). encoding/json builds the whole value in memory first, then an
// indented copy of it: at a million rows that is ~200 MB for run.json and
// ~120 MB more for the ledger's copy. Here only one element is in memory.
type reportEncoder struct {
	indented, compact *bufio.Writer // either may be nil
	elem, ind         bytes.Buffer
	err               error
}

// encodeReport writes r as indented JSON into indented and as compact JSON
// into compact; either may be nil.
func encodeReport(indented, compact io.Writer, r *reconcile.Report) error {
	e := &reportEncoder{}
	if indented != nil {
		e.indented = bufio.NewWriterSize(indented, 1<<16)
	}
	if compact != nil {
		e.compact = bufio.NewWriterSize(compact, 1<<16)
	}
	e.raw("{", "{")
	e.field("as_of", r.AsOf, true)
	writeArray(e, "files", r.Files)
	writeArray(e, "lines", r.Lines)
	writeArray(e, "discrepancies", r.Discrepancies)
	writeArray(e, "rejected_rows", r.RejectedRows)
	writeArray(e, "mail", r.Mail)
	writeArray(e, "warnings", r.Warnings)
	writeArray(e, "budgets", r.Budgets)
	writeArray(e, "waitlist", r.Waitlist)
	writeArray(e, "resellers", r.Resellers)
	writeArray(e, "resolved", r.Resolved)
	writeArray(e, "responses", r.Responses)
	e.raw("\n}\n", "}")
	if e.err != nil {
		return e.err
	}
	for _, w := range []*bufio.Writer{e.indented, e.compact} {
		if w != nil {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// raw writes ind into the indented output and comp into the compact one.
func (e *reportEncoder) raw(ind, comp string) {
	if e.err != nil {
		return
	}
	if e.indented != nil {
		_, e.err = e.indented.WriteString(ind)
	}
	if e.compact != nil && e.err == nil {
		_, e.err = e.compact.WriteString(comp)
	}
}

// value writes v, indented as an element at depth levels of "  ".
func (e *reportEncoder) value(v any, prefix string) {
	if e.err != nil {
		return
	}
	e.elem.Reset()
	enc := json.NewEncoder(&e.elem) // escapes HTML, as json.Marshal does
	if e.err = enc.Encode(v); e.err != nil {
		return
	}
	b := bytes.TrimSuffix(e.elem.Bytes(), []byte("\n"))
	if e.compact != nil {
		if _, e.err = e.compact.Write(b); e.err != nil {
			return
		}
	}
	if e.indented != nil {
		e.ind.Reset()
		if e.err = json.Indent(&e.ind, b, prefix, "  "); e.err != nil {
			return
		}
		_, e.err = e.indented.Write(e.ind.Bytes())
	}
}

// field writes "key": v at the top level.
func (e *reportEncoder) field(key string, v any, first bool) {
	k, _ := json.Marshal(key)
	sep := ","
	if first {
		sep = ""
	}
	e.raw(sep+"\n  "+string(k)+": ", sep+string(k)+":")
	e.value(v, "  ")
}

// writeArray writes "key": [ items ] at the top level; a nil slice is
// null, as encoding/json writes it.
func writeArray[T any](e *reportEncoder, key string, items []T) {
	if items == nil {
		e.field(key, nil, false)
		return
	}
	k, _ := json.Marshal(key)
	if len(items) == 0 {
		e.raw(",\n  "+string(k)+": []", ","+string(k)+":[]")
		return
	}
	e.raw(",\n  "+string(k)+": [", ","+string(k)+":[")
	for i := range items {
		if i > 0 {
			e.raw(",", ",")
		}
		e.raw("\n    ", "")
		e.value(items[i], "    ")
	}
	e.raw("\n  ]", "]")
}
