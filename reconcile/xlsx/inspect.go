package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Reasons found by looking inside the zip before excelize reads it. Each is
// distinct from the others and from ErrTooLarge, so that a quarantine note
// says exactly what was wrong; test them with errors.Is.
var (
	// ErrZipBomb: a part that unpacks far beyond what its compressed size or
	// its header announces — the mark of a zip bomb, never of an export.
	ErrZipBomb = errors.New("zip bomb")
	// ErrTooManyParts: more zip entries than any workbook has.
	ErrTooManyParts = errors.New("too many parts in the workbook")
	// ErrSharedStrings: a shared-string table (the workbook's text) too big to load.
	ErrSharedStrings = errors.New("shared-string table too large")
	// ErrDoctype: a DOCTYPE or ENTITY declaration in a part; Excel never
	// writes one, and entity expansion is a known attack.
	ErrDoctype = errors.New("DOCTYPE or entity declaration in the workbook")
	// ErrBadSharedString: a text cell pointing past the shared-string table;
	// excelize would read it as a blank cell.
	ErrBadSharedString = errors.New("bad shared-string index")
	// ErrCellRef: a cell or row beyond XFD1048576, Excel's last cell;
	// excelize would drop it silently.
	ErrCellRef = errors.New("cell reference beyond XFD1048576")
)

const (
	// maxParts is far above what any workbook holds (a few dozen, a few
	// hundred with pictures) and keeps the zip directory small.
	maxParts = 10000
	// bombRatio is the largest compression ratio accepted for a part over
	// bombMinBytes: real sheets compress 5-50 times, deflate at most ~1030.
	bombRatio    = 200
	bombMinBytes = 1 << 20
	// maxSharedStringBytes caps the shared-string table, which excelize
	// loads whole into memory; a quarter of MaxUnzippedBytes when lower.
	maxSharedStringBytes = 256 << 20
	// maxStringsPerRow bounds the number of shared strings by MaxRows.
	maxStringsPerRow = 64
	// Excel's last column (XFD) and row.
	maxCol = 16384
	maxRow = 1048576
)

// inspect looks inside the zip before excelize reads it, counting the bytes
// each part really unpacks to rather than trusting its header, and scans
// every XML part as a stream for what excelize would read wrongly or
// silently: a DOCTYPE or entity, a shared-string index past the table, a
// cell beyond XFD1048576. Memory stays a few buffers whatever the file;
// time is bounded by lim.MaxUnzippedBytes of inflation. Macros
// (vbaProject.bin) are only counted, never read.
func inspect(zr *zip.Reader, size int64, lim Limits) error {
	lim = lim.withDefaults()
	hasWorkbook := false
	for _, zf := range zr.File {
		switch strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/")) {
		case "xl/workbook.bin":
			return fmt.Errorf("%w: the file is an Excel binary workbook (.xlsb), which encours cannot read: open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrXLSB)
		case "xl/workbook.xml":
			hasWorkbook = true
		}
	}
	if len(zr.File) > maxParts {
		return fmt.Errorf("%w: the file holds %d parts where a workbook has a few dozen (at most %d accepted): it is not an export; ask for a fresh export from the wholesaler's system",
			ErrTooManyParts, len(zr.File), maxParts)
	}
	if !hasWorkbook {
		return nil // Open names what else it is
	}

	sstCap := min(maxSharedStringBytes, lim.MaxUnzippedBytes/4)
	var declared uint64
	for _, zf := range zr.File {
		declared += zf.UncompressedSize64
		if zf.UncompressedSize64 > bombMinBytes && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > bombRatio {
			return bombError(zf.Name, size, zf.UncompressedSize64, "its header says")
		}
	}
	if declared > uint64(lim.MaxUnzippedBytes) {
		return fmt.Errorf("%w: the file unpacks to %s, over the %s limit: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
			ErrTooLarge, bytesText(int64(min(declared, 1<<62))), bytesText(lim.MaxUnzippedBytes))
	}
	for _, zf := range zr.File {
		if isSharedStrings(zf.Name) && zf.UncompressedSize64 > uint64(sstCap) {
			return sstTooLarge(zf.UncompressedSize64, sstCap)
		}
	}

	s := &scan{sstIndex: -1, maxStrings: lim.MaxRows * maxStringsPerRow}
	budget := lim.MaxUnzippedBytes
	// The shared strings first, so that sheets can be checked against them.
	for _, pass := range []bool{true, false} {
		for _, zf := range zr.File {
			if isSharedStrings(zf.Name) != pass {
				continue
			}
			n, err := s.part(zf, size, budget, sstCap)
			if err != nil {
				return err
			}
			budget -= n
		}
	}
	if s.sstIndex >= s.strings {
		return fmt.Errorf("%w: cell %s in %s refers to text number %d, but the workbook holds only %d texts, so it would read as blank: the file is damaged; export it again from Excel",
			ErrBadSharedString, s.sstCell, s.sstPart, s.sstIndex, s.strings)
	}
	return nil
}

func isSharedStrings(name string) bool {
	return strings.EqualFold(path.Base(strings.ReplaceAll(name, "\\", "/")), "sharedStrings.xml")
}

func isSheet(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	return strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") && !strings.Contains(n[len("xl/worksheets/"):], "/")
}

func bombError(name string, size int64, unpacked uint64, how string) error {
	return fmt.Errorf("%w: the file is %s but its part %s unpacks to more than %s (%s), which no export does: the file was not made by Excel or an export tool; do not open it, and ask the wholesaler for a fresh export",
		ErrZipBomb, bytesText(size), name, bytesText(int64(min(unpacked, 1<<62))), how)
}

func sstTooLarge(n uint64, capBytes int64) error {
	return fmt.Errorf("%w: the workbook's text table unpacks to %s, over the %s it may take: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
		ErrSharedStrings, bytesText(int64(min(n, 1<<62))), bytesText(capBytes))
}

// scan is what the streaming pass over the parts has learnt.
type scan struct {
	strings    int64 // shared strings counted (<si> elements)
	maxStrings int64
	// The largest shared-string index used by a cell, and where.
	sstIndex int64
	sstCell  string
	sstPart  string
	buf      []byte // reused for attributes
}

// part inflates one entry, counting the real bytes against the budget,
// the entry's header and the bomb ratio, and scans it when it is XML.
func (s *scan) part(zf *zip.File, size, budget, sstCap int64) (int64, error) {
	rc, err := zf.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return 0, fmt.Errorf("%w: part %s uses a compression Excel never uses: export it again from Excel", ErrTruncated, zf.Name)
		}
		return 0, truncated(err)
	}
	defer rc.Close()
	limit := min(budget, max(bombMinBytes, bombRatio*int64(min(zf.CompressedSize64, 1<<40))))
	if isSharedStrings(zf.Name) {
		limit = min(limit, sstCap)
	}
	c := &countReader{r: rc, left: limit}
	br := bufio.NewReaderSize(c, 64<<10)
	scanErr := s.xml(br, zf.Name)
	if scanErr == nil {
		_, scanErr = io.Copy(io.Discard, br) // count the rest
	}
	switch {
	case c.over && isSharedStrings(zf.Name) && c.n > sstCap:
		return c.n, sstTooLarge(uint64(c.n), sstCap)
	case c.over && c.n > budget:
		return c.n, fmt.Errorf("%w: the file unpacks to more than %s: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
			ErrTooLarge, bytesText(lim0(budget)))
	case c.over:
		return c.n, bombError(zf.Name, size, uint64(c.n), fmt.Sprintf("%d times its compressed size", c.n/max(int64(zf.CompressedSize64), 1)))
	case errors.Is(scanErr, zip.ErrFormat) && zf.Flags&0x8 == 0:
		// Without a data descriptor, archive/zip says ErrFormat only when
		// the part inflates past the size in its header.
		return c.n, bombError(zf.Name, size, zf.UncompressedSize64, "more than its header says")
	case scanErr != nil:
		if isOurs(scanErr) {
			return c.n, scanErr
		}
		return c.n, truncated(fmt.Errorf("part %s: %w", zf.Name, scanErr))
	}
	return c.n, nil
}

func lim0(n int64) int64 { return max(n, 0) }

func isOurs(err error) bool {
	for _, e := range []error{ErrDoctype, ErrCellRef, ErrSharedStrings, ErrBadSharedString} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// countReader counts what it passes and stops one byte past left.
type countReader struct {
	r    io.Reader
	n    int64
	left int64
	over bool
}

func (c *countReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.left -= int64(n)
	if c.left < 0 {
		c.over = true
		return n, io.EOF
	}
	return n, err
}

// xml scans one part as a stream of markup. It is not an XML parser: it
// looks at tag names and the attributes of cells only, which is all it
// needs, in bounded memory. UTF-16 parts are read with their NULs dropped,
// which keeps the ASCII markup intact.
func (s *scan) xml(br *bufio.Reader, name string) error {
	head, _ := br.Peek(4)
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	switch {
	case len(head) >= 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF ||
		head[0] == '<' && head[1] == 0 || head[0] == 0 && head[1] == '<'):
		br = bufio.NewReaderSize(&dropNUL{r: br}, 64<<10)
	case len(bytes.TrimLeft(head, " \t\r\n")) > 0 && bytes.TrimLeft(head, " \t\r\n")[0] != '<':
		return nil // not XML: a picture, macros, printer settings
	}
	sheet := isSheet(name)
	sst := isSharedStrings(name)
	var tag []byte
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
		tag = tag[:0]
		for len(tag) < 16 {
			b, err := br.ReadByte()
			if err != nil {
				return ignoreEOF(err)
			}
			if b == ' ' || b == '>' || b == '/' && len(tag) > 0 || b == '\t' || b == '\r' || b == '\n' {
				br.UnreadByte()
				break
			}
			tag = append(tag, b)
		}
		if len(tag) > 0 && tag[0] == '!' {
			up := strings.ToUpper(string(tag))
			if strings.HasPrefix(up, "!DOCTYPE") || strings.HasPrefix(up, "!ENTITY") {
				return fmt.Errorf("%w: part %s declares a DOCTYPE or entities, which Excel never writes and which can make a reader expand text without end: the file was not made by Excel; ask the wholesaler for a fresh export",
					ErrDoctype, name)
			}
			continue
		}
		local := tag
		if i := bytes.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		switch {
		case sst && string(local) == "si":
			s.strings++
			if s.strings > s.maxStrings {
				return fmt.Errorf("%w: the workbook holds more than %d texts, more than its %d-row limit allows: split the export, or raise limits.max_rows in config.yaml",
					ErrSharedStrings, s.maxStrings, s.maxStrings/maxStringsPerRow)
			}
		case sheet && string(local) == "row":
			attrs, err := readAttrs(br, s.buf)
			s.buf = attrs
			if err != nil {
				return ignoreEOF(err)
			}
			if r := attr(attrs, "r"); r != "" {
				if n, err := strconv.ParseInt(r, 10, 64); err != nil || n < 1 || n > maxRow {
					return cellRefError(name, "row "+r)
				}
			}
		case sheet && string(local) == "c":
			attrs, err := readAttrs(br, s.buf)
			s.buf = attrs
			if err != nil {
				return ignoreEOF(err)
			}
			ref := attr(attrs, "r")
			if ref != "" && !validRef(ref) {
				return cellRefError(name, "cell "+ref)
			}
			if attr(attrs, "t") != "s" || bytes.HasSuffix(attrs, []byte("/")) {
				continue
			}
			v, err := cellValue(br)
			if err != nil {
				return ignoreEOF(err)
			}
			if v == "" {
				continue
			}
			idx, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || idx < 0 {
				return fmt.Errorf("%w: cell %s in %s refers to text %q, which is not a text number, so it would read as blank: the file is damaged; export it again from Excel",
					ErrBadSharedString, ref, name, v)
			}
			if idx > s.sstIndex {
				s.sstIndex, s.sstCell, s.sstPart = idx, ref, name
			}
		}
	}
}

func cellRefError(name, what string) error {
	return fmt.Errorf("%w: %s in %s lies beyond Excel's last cell XFD1048576, so it would be dropped without a word: the file was not made by Excel; export it again",
		ErrCellRef, what, name)
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// readAttrs reads up to the end of a start tag, keeping at most 1 KiB of
// it: a cell's attributes are short, and the rest is skipped.
func readAttrs(br *bufio.Reader, out []byte) ([]byte, error) {
	out = out[:0]
	var quote byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			return out, err
		}
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			return out, nil
		}
		if len(out) < 1024 {
			out = append(out, b)
		}
	}
}

// attr returns the value of a plain (unprefixed) attribute.
func attr(attrs []byte, name string) string {
	for i := 0; i < len(attrs); {
		j := bytes.IndexByte(attrs[i:], '=')
		if j < 0 {
			return ""
		}
		key := strings.TrimSpace(string(attrs[i : i+j]))
		rest := attrs[i+j+1:]
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return ""
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return ""
		}
		if key == name {
			return string(rest[1 : 1+end])
		}
		i = len(attrs) - len(rest) + end + 2
	}
	return ""
}

// cellValue reads the text of the cell's <v> element, if it has one
// before </c>; at most 32 bytes of it.
func cellValue(br *bufio.Reader) (string, error) {
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return "", err
		}
		name, err := readAttrs(br, nil)
		if err != nil {
			return "", err
		}
		var local string
		if f := bytes.Fields(name); len(f) > 0 {
			local = string(f[0])
		}
		if i := strings.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		switch local {
		case "v":
			var v []byte
			for {
				b, err := br.ReadByte()
				if err != nil {
					return "", err
				}
				if b == '<' {
					br.UnreadByte()
					return string(v), nil
				}
				if len(v) < 32 {
					v = append(v, b)
				}
			}
		case "/c", "c", "v/":
			return "", nil
		}
	}
}

// validRef reports whether ref is a cell reference within XFD1048576, like
// "B7" or "$B$7". Anything else is beyond Excel's grid, or not a cell.
func validRef(ref string) bool {
	i := 0
	col := 0
	for i < len(ref) && (ref[i] == '$' && i == 0 || ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		if ref[i] != '$' {
			c := ref[i]
			if c >= 'a' {
				c -= 'a' - 'A'
			}
			col = col*26 + int(c-'A'+1)
			if col > maxCol {
				return false
			}
		}
		i++
	}
	if col == 0 {
		return false
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	if i == len(ref) || len(ref)-i > 7 {
		return false
	}
	row := 0
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return false
		}
		row = row*10 + int(ref[i]-'0')
	}
	return row >= 1 && row <= maxRow
}

// dropNUL drops NUL bytes, turning UTF-16 markup into ASCII enough to scan.
type dropNUL struct{ r io.Reader }

func (d *dropNUL) Read(p []byte) (int, error) {
	for {
		n, err := d.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b != 0 {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
