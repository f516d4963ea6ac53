package whatif

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/encours/encours/reconcile"
)

// encodeSimulation writes simulation.json indented as encoding/json would
// (two spaces), one element at a time: both sides of a million-line run
// would otherwise be built whole in memory, then an indented copy of them.
func encodeSimulation(w io.Writer, sim *reconcile.Simulation) error {
	e := &encoder{w: bufio.NewWriterSize(w, 1<<16)}
	e.raw("{\n  ")
	e.key("as_of")
	e.value(sim.AsOf, "  ")
	e.raw(",\n  ")
	e.key("replay")
	e.value(sim.Replay, "  ")
	for _, side := range []struct {
		name string
		o    reconcile.SimulationOutcome
	}{{"current", sim.Current}, {"candidate", sim.Candidate}} {
		e.raw(",\n  ")
		e.key(side.name)
		e.raw("{\n    ")
		array(e, "lines", side.o.Lines, "    ")
		e.raw(",\n    ")
		array(e, "discrepancies", side.o.Discrepancies, "    ")
		e.raw(",\n    ")
		array(e, "rejected_rows", side.o.RejectedRows, "    ")
		e.raw(",\n    ")
		array(e, "waitlist", side.o.Waitlist, "    ")
		e.raw(",\n    ")
		array(e, "budgets", side.o.Budgets, "    ")
		e.raw("\n  }")
	}
	e.raw(",\n  ")
	array(e, "totals", sim.Totals, "  ")
	e.raw(",\n  ")
	array(e, "changes", sim.Changes, "  ")
	e.raw("\n}\n")
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

type encoder struct {
	w        *bufio.Writer
	elem, in bytes.Buffer
	err      error
}

func (e *encoder) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *encoder) key(k string) {
	e.value(k, "")
	e.raw(": ")
}

// value writes v indented as an element whose line starts with prefix.
func (e *encoder) value(v any, prefix string) {
	if e.err != nil {
		return
	}
	e.elem.Reset()
	enc := json.NewEncoder(&e.elem)
	if e.err = enc.Encode(v); e.err != nil {
		return
	}
	e.in.Reset()
	if e.err = json.Indent(&e.in, bytes.TrimSuffix(e.elem.Bytes(), []byte("\n")), prefix, "  "); e.err != nil {
		return
	}
	_, e.err = e.w.Write(e.in.Bytes())
}

// array writes "key": [ items ] with items one level below prefix; empty
// is [].
func array[T any](e *encoder, key string, items []T, prefix string) {
	e.key(key)
	if len(items) == 0 {
		e.raw("[]")
		return
	}
	e.raw("[")
	inner := prefix + "  "
	for i := range items {
		if i > 0 {
			e.raw(",")
		}
		e.raw("\n" + inner)
		e.value(items[i], inner)
	}
	e.raw("\n" + prefix + "]")
}
