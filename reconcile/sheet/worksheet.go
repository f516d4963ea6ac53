package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sharedStrings is the workbook's text table, kept as one string and the
// offsets of its items, so that a cell's text costs no allocation.
type sharedStrings struct {
	text string
	off  []uint32 // item i is text[off[i]:off[i+1]]
}

func (t *sharedStrings) len() int {
	if t == nil || len(t.off) == 0 {
		return 0
	}
	return len(t.off) - 1
}

func (t *sharedStrings) at(i int) string { return t.text[t.off[i]:t.off[i+1]] }

// readSharedStrings reads the <si> items of a shared-string part, at most
// maxItems of them.
func readSharedStrings(sc *scanner, maxItems int64) (*sharedStrings, error) {
	var (
		text     []byte
		off      = []uint32{0}
		rt       richText
		maxBytes = int64(^uint32(0))
	)
	for {
		kind, err := sc.next()
		if err != nil {
			return nil, err
		}
		if kind == tokEOF {
			break
		}
		if kind != tokStart || !sc.is("si") {
			continue
		}
		if int64(len(off)) > maxItems {
			return nil, fmt.Errorf("%w: the workbook holds more than %d texts, more than its %d-row limit allows: split the export, or raise limits.max_rows in config.yaml",
				ErrSharedStrings, maxItems, maxItems/maxStringsPerRow)
		}
		if text, err = rt.read(sc, text); err != nil {
			return nil, err
		}
		if int64(len(text)) > maxBytes {
			return nil, sstTooLarge(uint64(len(text)), maxBytes)
		}
		off = append(off, uint32(len(text)))
	}
	return &sharedStrings{text: string(text), off: off}, nil
}

// richText reads a string item (<si>, or a cell's <is>) as excelize's
// xlsxSI.String does: the item's own <t>, then the <t> of each run <r>
// (phonetic runs left out), then the _xHHHH_ escapes decoded. Where an
// element holds several <t>, the last one counts, as in encoding/xml.
type richText struct {
	own, runs []byte
}

// read appends the text of the item whose start tag was just read to dst.
func (rt *richText) read(sc *scanner, dst []byte) ([]byte, error) {
	if sc.selfClose {
		return dst, nil
	}
	rt.own, rt.runs = rt.own[:0], rt.runs[:0]
	inRun, runStart := false, 0
	var err error
	for {
		kind, err2 := sc.next()
		switch {
		case err2 != nil:
			return dst, err2
		case kind == tokEOF:
			return dst, sc.fail("the part ends inside a text")
		case kind == tokEnd:
			if !inRun {
				return appendBstr(dst, rt.own, rt.runs), nil
			}
			inRun = false
		case sc.is("t") && !inRun:
			rt.own, err = sc.text(rt.own[:0])
		case sc.is("t"):
			rt.runs, err = sc.text(rt.runs[:runStart])
		case sc.is("r") && !inRun:
			if !sc.selfClose {
				inRun, runStart = true, len(rt.runs)
			}
		default:
			err = sc.skip()
		}
		if err != nil {
			return dst, err
		}
	}
}

// appendBstr appends a+b with excelize's decoding of _xHHHH_ escapes (the
// way Excel writes control characters): "_x005F_" is "_", an escape that
// is not a valid character vanishes.
func appendBstr(dst, a, b []byte) []byte {
	start := len(dst)
	dst = append(append(dst, a...), b...)
	if !bytes.Contains(dst[start:], []byte("_x")) {
		return dst
	}
	s := string(dst[start:])
	dst = dst[:start]
	for {
		i := strings.Index(s, "_x")
		if i < 0 {
			return append(dst, s...)
		}
		if i+7 <= len(s) && s[i+6] == '_' {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil && isHex4(s[i+2:i+6]) {
				dst = append(dst, s[:i]...)
				if utf8.ValidRune(rune(r)) {
					dst = utf8.AppendRune(dst, rune(r))
				}
				s = s[i+7:]
				continue
			}
		}
		dst = append(dst, s[:i+1]...)
		s = s[i+1:]
	}
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// errStop ends a sheet's reading when the reader is closed.
var errStop = errors.New("stopped")

// sheetReader turns a worksheet part into rows, exactly as excelize's
// Rows + Columns(RawCellValue) would, and checks in the same pass what
// excelize would read wrongly without a word: a cell or row beyond
// XFD1048576, a shared-string index past the table.
type sheetReader struct {
	sc    *scanner
	sst   *sharedStrings
	sheet string
	max   int64

	cur, seek int  // excelize's curRow and the row being built
	have      bool // a row is being built
	done      int  // the last row handed out
	col       int
	cells     []string
	// numbers has bit i set when cells[i] is stored as a number (no type,
	// or t="n"), not as text: layout.NumberCells.
	numbers uint64
	v       []byte
	is      []byte
	ref     []byte
	rt      richText
}

// run reads the sheet to its end, handing every row to emit: empty rows
// between two <row> elements included, so that numbers are Excel's.
func (p *sheetReader) run(emit func(num int, cells []string, numbers uint64) error) error {
	for {
		kind, err := p.sc.next()
		if err != nil {
			return err
		}
		switch {
		case kind == tokEOF:
			return p.flush(emit)
		case kind == tokEnd:
			if p.sc.is("sheetData") {
				return p.flush(emit)
			}
		case p.sc.is("row"):
			n, err := p.rowNumber()
			if err != nil {
				return err
			}
			p.cur = n
			if p.have && p.cur <= p.seek {
				continue // excelize merges a row that goes backwards into the current one
			}
			if err := p.flush(emit); err != nil {
				return err
			}
			p.seek, p.have, p.col, p.cells, p.numbers = p.cur, true, 0, p.cells[:0], 0
		case p.sc.is("c") && p.have:
			if err := p.cell(); err != nil {
				return err
			}
		}
	}
}

func (p *sheetReader) rowNumber() (int, error) {
	r, ok := p.sc.attr("r")
	if !ok {
		return p.cur + 1, nil
	}
	n, err := strconv.ParseInt(r, 10, 64)
	if err != nil || n < 1 || n > maxRow {
		return 0, cellRefError(p.sheet, "row "+r)
	}
	return int(n), nil
}

// flush hands out the row being built, after the empty rows before it.
func (p *sheetReader) flush(emit func(int, []string, uint64) error) error {
	if !p.have {
		return nil
	}
	p.have = false
	for p.done < p.seek {
		p.done++
		if int64(p.done) > p.max {
			return fmt.Errorf("%w: sheet %q has more than %d rows: split the export, or raise limits.max_rows in config.yaml", ErrTooLarge, p.sheet, p.max)
		}
		var cells []string
		var numbers uint64
		if p.done == p.seek && len(p.cells) > 0 {
			cells = make([]string, len(p.cells))
			copy(cells, p.cells)
			numbers = p.numbers
		}
		if err := emit(p.done, cells, numbers); err != nil {
			return err
		}
	}
	return nil
}

// cell reads one <c> element and places its value like excelize: at its
// reference's column, or after the previous cell; empty values are left
// out unless the cell has a formula.
func (p *sheetReader) cell() error {
	sc := p.sc
	p.col++
	var ref string
	if raw, _ := sc.rawAttr("r"); len(raw) > 0 {
		col, ok := refColumn(raw)
		if !ok || bytes.IndexByte(raw, '&') >= 0 {
			ref, _ = sc.attr("r")
			if col, ok = refColumn([]byte(ref)); !ok {
				return cellRefError(p.sheet, "cell "+ref)
			}
		}
		p.col = col
		p.ref = append(p.ref[:0], raw...)
	} else {
		p.ref = p.ref[:0]
	}
	var typ string
	if raw, ok := sc.rawAttr("t"); ok {
		switch string(raw) {
		case "s":
			typ = "s"
		case "inlineStr":
			typ = "inlineStr"
		default:
			typ, _ = sc.attr("t")
		}
	}
	if sc.selfClose {
		return nil
	}
	hasV, hasF, hasIS := false, false, false
	p.v, p.is = p.v[:0], p.is[:0]
	for done := false; !done; {
		kind, err := sc.next()
		switch {
		case err != nil:
			return err
		case kind == tokEOF:
			return sc.fail("the part ends inside a cell")
		case kind == tokEnd:
			done = sc.is("c")
		case sc.is("v"):
			hasV = true
			p.v, err = sc.text(p.v[:0])
		case sc.is("f"):
			hasF = true
			err = sc.skip()
		case sc.is("is"):
			hasIS = true
			p.is, err = p.rt.read(sc, p.is[:0])
		}
		if err != nil {
			return err
		}
	}
	var val string
	switch {
	case typ == "s" && hasV && len(p.v) > 0:
		s, err := p.shared()
		if err != nil {
			return err
		}
		val = s
	case typ == "s":
	case typ == "inlineStr" && hasIS:
		val = string(p.is)
	default:
		val = string(p.v)
	}
	if val == "" && !hasF {
		return nil
	}
	for i := len(p.cells) + 1; i < p.col; i++ {
		p.cells = append(p.cells, "")
	}
	if i := len(p.cells); i < 64 && (typ == "" || typ == "n") {
		p.numbers |= 1 << i
	}
	p.cells = append(p.cells, val)
	return nil
}

func (p *sheetReader) shared() (string, error) {
	idx, err := atoi(p.v)
	ref := string(p.ref)
	if ref == "" {
		ref = cellName(p.col, p.seek)
	}
	if err != nil || idx < 0 {
		return "", fmt.Errorf("%w: cell %s in sheet %q refers to text %q, which is not a text number, so it would read as blank: the file is damaged; export it again from Excel",
			ErrBadSharedString, ref, p.sheet, p.v)
	}
	if idx >= p.sst.len() {
		return "", fmt.Errorf("%w: cell %s in sheet %q refers to text number %d, but the workbook holds only %d texts, so it would read as blank: the file is damaged; export it again from Excel",
			ErrBadSharedString, ref, p.sheet, idx, p.sst.len())
	}
	return p.sst.at(idx), nil
}

// atoi is strconv.Atoi(strings.TrimSpace(string(b))) without the copies
// for the common case of plain digits.
func atoi(b []byte) (int, error) {
	n := 0
	for i, c := range b {
		if c < '0' || c > '9' || i >= 9 {
			return strconv.Atoi(strings.TrimSpace(string(b)))
		}
		n = n*10 + int(c-'0')
	}
	if len(b) == 0 {
		return strconv.Atoi("")
	}
	return n, nil
}

// refColumn returns the column of a cell reference within XFD1048576, like
// "B7" or "$B$7".
func refColumn(ref []byte) (int, bool) {
	col, row, i := 0, 0, 0
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		if col = col*26 + int(c-'A'+1); col > maxCol {
			return 0, false
		}
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	if col == 0 || i == len(ref) || len(ref)-i > 7 {
		return 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, false
		}
		row = row*10 + int(ref[i]-'0')
	}
	return col, row >= 1 && row <= maxRow
}

// cellName writes a cell reference: 28, 4 is "AB4".
func cellName(col, row int) string {
	var b []byte
	for ; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b) + strconv.Itoa(row)
}
