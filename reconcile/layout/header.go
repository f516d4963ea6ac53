package layout

import (
	"errors"
	"fmt"
	"strings"
)

// HeaderScanRows is how many rows from the top are searched for the header
// row: exports often start with a title block, never a long one.
const HeaderScanRows = 20

// Errors that make a whole sheet unusable; the caller quarantines the file.
var (
	// ErrMissingHeader: no row among the first HeaderScanRows holds every
	// required header.
	ErrMissingHeader = errors.New("required column headers not found")
	// ErrNoRows: the header is there but no data row follows it.
	ErrNoRows = errors.New("no data rows under the header")
)

// RowSource streams the rows of one sheet, top to bottom. Row returns the
// Excel row number (1-based) and the raw cell values; the slice may be reused
// by the next call to Next. Err reports what stopped the stream early.
type RowSource interface {
	Next() bool
	Row() (int, []string)
	Err() error
}

// columns is a sheet's field → alias mapping, folded for matching.
type columns struct {
	fields   []string       // required, then optional
	required int            // fields[:required] are required
	alias    map[string]int // normalised alias → index in fields
	aliases  [][]string     // aliases as configured, per field, for messages
}

// compile folds the aliases of the fields of s. A field without configured
// aliases is looked for under its own name ("reseller_id").
func (s Sheet) compile(required, optional []string) columns {
	c := columns{required: len(required), alias: make(map[string]int)}
	c.fields = append(append(c.fields, required...), optional...)
	c.aliases = make([][]string, len(c.fields))
	for i, f := range c.fields {
		as := s.Columns[f]
		if len(as) == 0 {
			as = []string{f}
		}
		c.aliases[i] = as
		for _, a := range as {
			if k := normalize(a); k != "" {
				if _, taken := c.alias[k]; !taken {
					c.alias[k] = i
				}
			}
		}
	}
	return c
}

// header is a found header row.
type header struct {
	row   int
	cells []string // as found in the file
	col   []int    // per field: column index, -1 when absent
}

// match maps the cells of one row to fields; it returns the column of each
// field (-1 when absent) and how many required fields it found.
func (c columns) match(cells []string, col []int) ([]int, int) {
	col = col[:0]
	for range c.fields {
		col = append(col, -1)
	}
	found := 0
	for j, cell := range cells {
		if cell == "" {
			continue
		}
		i, ok := c.alias[normalize(cell)]
		if !ok || col[i] >= 0 {
			continue // the first column with a header wins
		}
		col[i] = j
		if i < c.required {
			found++
		}
	}
	return col, found
}

// findHeader reads src until the header row: the first of the first
// HeaderScanRows rows that holds every required header.
func (c columns) findHeader(src RowSource) (header, error) {
	var (
		best      []string
		bestRow   int
		bestFound = -1
		col       []int
	)
	for src.Next() {
		num, cells := src.Row()
		var found int
		col, found = c.match(cells, col)
		if found == c.required {
			return header{row: num, cells: clone(cells), col: col}, nil
		}
		if found > bestFound && !emptyRow(cells) {
			best, bestRow, bestFound = clone(cells), num, found
		}
		if num >= HeaderScanRows {
			break
		}
	}
	if err := src.Err(); err != nil {
		return header{}, err
	}
	return header{}, c.missing(best, bestRow)
}

// missing explains which required headers the best candidate row lacks.
func (c columns) missing(best []string, row int) error {
	var b strings.Builder
	if best == nil {
		fmt.Fprintf(&b, "the first %d rows are empty", HeaderScanRows)
	} else {
		col, _ := c.match(best, nil)
		b.WriteString("missing ")
		n := 0
		for i := 0; i < c.required; i++ {
			if col[i] >= 0 {
				continue
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			fmt.Fprintf(&b, "%s (a column headed %s)", c.fields[i], quoteList(c.aliases[i], " or "))
		}
		fmt.Fprintf(&b, "; the closest row, row %d, has the headers ", row)
		var found []string
		for _, h := range best {
			if h = trim(h); h != "" {
				found = append(found, h)
			}
		}
		b.WriteString(quoteList(found, ", "))
	}
	fmt.Fprintf(&b, ". Add or rename the columns in the export, or add the headers as aliases in the layout of config.yaml")
	return fmt.Errorf("%w: %s", ErrMissingHeader, b.String())
}

func quoteList(xs []string, sep string) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%q", x)
	}
	return b.String()
}

func clone(cells []string) []string { return append([]string(nil), cells...) }

func emptyRow(cells []string) bool {
	for _, c := range cells {
		if trim(c) != "" {
			return false
		}
	}
	return true
}
