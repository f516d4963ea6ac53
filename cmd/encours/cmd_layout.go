package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
)

// suggestRows is how many rows of each sheet layout suggest reads: enough
// to see every way a wholesaler writes its amounts, dates and statuses.
const suggestRows = 100_000

// errSuggest is an export whose accounts columns were not all found: exit 1.
var errSuggest = errors.New("layout suggest")

// cmdLayout is `encours layout suggest FILE.xlsx [--id ID]`: it reads an
// export of a wholesaler encours does not know yet and prints a
// `wholesalers:` entry whose layout reads it, ready to paste into
// config.yaml; exit 1, naming the missing fields and the headers seen,
// when the file lacks a required accounts column (nothing on stdout). An
// export without an orders sheet still gets its accounts-only entry (exit
// 0), with a notice on stderr.
func (m *Main) cmdLayout(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "suggest" {
		return usagef("layout: the only subcommand is suggest: encours layout suggest FILE.xlsx [--id ID]")
	}
	fs := flag.NewFlagSet("layout suggest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	id := fs.String("id", "", "the new wholesaler's id (default: from the file name)")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("layout suggest: %v", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("layout suggest: FILE.xlsx is required")
	}
	path := rest[0]
	if err := fs.Parse(rest[1:]); err != nil { // flags after the file
		return usagef("layout suggest: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("layout suggest: unexpected argument %q", fs.Arg(0))
	}
	if *id == "" {
		*id = slug(path)
	} else if !wholesalerID.MatchString(*id) {
		return usagef("layout suggest: --id %q: use lowercase letters, digits and dashes, starting with a letter or digit", *id)
	}
	samples, err := readSamples(ctx, path)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errSuggest, filepath.Base(path), err)
	}
	s, err := layout.Suggest(samples)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errSuggest, filepath.Base(path), err)
	}
	writeSuggestion(m.Stdout, filepath.Base(path), *id, displayName(path, *id), s)
	if s.Orders == nil {
		fmt.Fprintf(m.Stderr, "encours: layout suggest: %s: %s\n", filepath.Base(path), noOrdersNotice(s))
	}
	return nil
}

// noOrdersNotice tells, on stderr, that the suggested layout reads no
// orders, and what to do if the wholesaler's exports bring some: the YAML
// is printed all the same (exit 0), since orders are optional.
func noOrdersNotice(s layout.Suggestion) string {
	msg := fmt.Sprintf("no orders sheet: no sheet but %q has the orders' columns (%s), so the layout printed reads accounts only (enough for credit_top_up programs)",
		s.Accounts.Name, strings.Join(layout.OrderFields, ", "))
	if n := s.OrdersNear; n != nil {
		msg += fmt.Sprintf("; the closest is row %d of sheet %q, which lacks %s (its headers: %s)", n.HeaderRow, n.Sheet, strings.Join(n.Missing, ", "), quoteAll(n.Headers))
	}
	return msg + "; if this wholesaler's exports bring orders (order_triggered_line, financing_sla), rename those columns in the export and run layout suggest again, or add an orders: section to the layout by hand"
}

var wholesalerID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// readSamples reads the first suggestRows rows of every worksheet.
func readSamples(ctx context.Context, path string) ([]layout.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	wb, err := sheet.Open(f, info.Size(), sheet.Limits{})
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	var out []layout.Sample
	for _, name := range wb.Worksheets() {
		rows, err := wb.Rows(name)
		if err != nil {
			return nil, err
		}
		s := layout.Sample{Name: name}
		for rows.Next() && len(s.Rows) < suggestRows {
			num, cells := rows.Row()
			s.Rows = append(s.Rows, layout.SampleRow{Num: num, Cells: cells})
			if len(s.Rows)%4096 == 0 && ctx.Err() != nil {
				break
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sheet %q: %w", name, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// slug makes a wholesaler id of a file name: lower case without accents,
// dashes, without the dates and numbers exports carry
// ("TD_FR_credit_2009-04-20.xlsx" is "td-fr-credit").
func slug(path string) string {
	var parts []string
	for _, w := range nameWords(path) {
		var b strings.Builder
		for _, r := range layout.Fold(w) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		if b.Len() > 0 {
			parts = append(parts, b.String())
		}
	}
	if s := strings.Join(parts, "-"); wholesalerID.MatchString(s) {
		return s
	}
	return "new-wholesaler"
}

// displayName is the name people read: the file name's words, or the id.
func displayName(path, id string) string {
	if w := nameWords(path); len(w) > 0 {
		return strings.Join(w, " ")
	}
	return id
}

var nonWord = regexp.MustCompile(`[^\p{L}\p{N}]+`)

// nameWords are the words of a file name, without numbers and dates.
func nameWords(path string) []string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var out []string
	for _, w := range nonWord.Split(stem, -1) {
		if strings.Trim(w, "0123456789") != "" {
			out = append(out, w)
		}
	}
	return out
}

// writeSuggestion prints the wholesalers: entry, with comments for what the
// data could not decide.
func writeSuggestion(out io.Writer, file, id, name string, s layout.Suggestion) {
	p := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	p("# Suggested by encours layout suggest from %s. Paste it into the wholesalers: list of", file)
	p("# config.yaml, fill in emails, then check an export with:")
	p("#   encours check --config config.yaml --export %s --wholesaler %s", yamlQuote(file), id)
	p("wholesalers:")
	p("  - id: %s", id)
	p("    name: %s", yamlQuote(name))
	p("    emails: []              # the addresses of its credit team: its summary and workbook go nowhere until then")
	p("    language: %s            # its mail and workbook; guessed from the headers", s.Language)
	p("    layout:")
	p("      # %s", s.Decimal.Evidence)
	p("      decimal: %s", s.Decimal.Choice)
	p("      # %s", s.DateOrder.Evidence)
	p("      date_order: %s", s.DateOrder.Choice)
	p("      accounts:")
	p("        sheet: %s   # header on row %d, %d rows under it", yamlQuote(s.Accounts.Name), s.Accounts.HeaderRow, s.Accounts.DataRows)
	writeColumns(out, "        ", s.Layout.Accounts.Columns, layout.AccountFields, layout.AccountOptionalFields)
	writeStatuses(out, s)
	switch {
	case s.Orders != nil:
		p("      # orders: found on sheet %q (header on row %d, %d rows under it); no sheet name, so that", s.Orders.Name, s.Orders.HeaderRow, s.Orders.DataRows)
		p("      # any sheet but the accounts' with these headers is read, whatever the export calls it")
		p("      orders:")
		writeColumns(out, "        ", s.Layout.Orders.Columns, layout.OrderFields, layout.OrderOptionalFields)
	case s.OrdersNear != nil:
		p("      # no orders sheet: sheet %q, row %d, comes closest but lacks %s", s.OrdersNear.Sheet, s.OrdersNear.HeaderRow, strings.Join(s.OrdersNear.Missing, ", "))
		p("      # (its headers: %s); add an orders: section by hand if it holds orders", quoteAll(s.OrdersNear.Headers))
	default:
		p("      # no orders sheet found: this wholesaler's exports bring accounts only")
	}
}

func writeColumns(out io.Writer, indent string, cols map[string][]string, required, optional []string) {
	fmt.Fprintf(out, "%scolumns:\n", indent)
	var missing []string
	for _, f := range append(append([]string(nil), required...), optional...) {
		a, ok := cols[f]
		if !ok {
			if !slices.Contains(required, f) {
				missing = append(missing, f)
			}
			continue
		}
		fmt.Fprintf(out, "%s  %s: [%s]\n", indent, f, yamlQuote(a[0]))
	}
	if len(missing) > 0 {
		fmt.Fprintf(out, "%s  # not found (optional): %s\n", indent, strings.Join(missing, ", "))
	}
}

func writeStatuses(out io.Writer, s layout.Suggestion) {
	var builtin, unplaced []string
	for _, st := range s.Statuses {
		switch {
		case st.Builtin:
			builtin = append(builtin, fmt.Sprintf("%s (%s, %s)", yamlQuote(st.Value), st.Meaning, rows(st.Rows)))
		case st.Meaning == "":
			unplaced = append(unplaced, fmt.Sprintf("%s (%s)", yamlQuote(st.Value), rows(st.Rows)))
		}
	}
	if len(builtin) > 0 {
		fmt.Fprintf(out, "        # statuses read as they are: %s\n", strings.Join(builtin, ", "))
	}
	sv := s.Layout.Accounts.StatusValues
	if len(sv) > 0 {
		fmt.Fprintf(out, "        status_values:\n")
	}
	for _, meaning := range []string{"active", "terminated"} {
		if len(sv[meaning]) == 0 {
			continue
		}
		var q []string
		for _, v := range sv[meaning] {
			q = append(q, yamlQuote(v))
		}
		fmt.Fprintf(out, "          %s: [%s]\n", meaning, strings.Join(q, ", "))
	}
	if len(unplaced) > 0 {
		fmt.Fprintf(out, "        # not placed: %s. A run rejects their rows until each is added to\n", strings.Join(unplaced, ", "))
		fmt.Fprintf(out, "        # status_values, under active (lines granted) or terminated (lines revoked)\n")
	}
}

func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = yamlQuote(x)
	}
	return strings.Join(q, ", ")
}

// yamlQuote writes s as a YAML double-quoted scalar: Go's quoting, whose
// escapes YAML reads the same.
func yamlQuote(s string) string { return fmt.Sprintf("%q", s) }
