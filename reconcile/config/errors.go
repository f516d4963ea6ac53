package config

import (
	"fmt"
	"strings"
)

// Error is one problem in a config or rules file, located by the key path
// (wholesalers[1].layout.accounts.columns) and, when known, the line.
type Error struct {
	File string // the file name as given to Parse, Load or ParseRules
	Line int    // 1-based; 0 when unknown
	Path string // key path; empty for the whole file
	Msg  string // what is wrong and what is allowed
	Err  error  // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	b.WriteString(msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in one pass over the files; Parse, Load and
// ParseRules return all of them at once, so one edit can fix them all.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As look at each problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
