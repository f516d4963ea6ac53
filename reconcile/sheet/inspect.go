package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Reasons found by looking inside the zip and its parts. Each is
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
	// ErrBadSharedString: a text cell pointing past the shared-string table
	// (excelize would read it as a blank cell).
	ErrBadSharedString = errors.New("bad shared-string index")
	// ErrCellRef: a cell or row beyond XFD1048576, Excel's last cell (excelize
	// would drop it silently).
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
	// maxSharedStringBytes caps the shared-string table, which is kept
	// whole in memory; a quarter of MaxUnzippedBytes when lower.
	maxSharedStringBytes = 256 << 20
	// maxStringsPerRow bounds the number of shared strings by MaxRows.
	maxStringsPerRow = 64
	// Excel's last column (XFD) and row.
	maxCol = 16384
	maxRow = 1048576
)

// checkZip looks at the zip's directory before any part is read: an
// .xlsb's binary workbook, the number of entries, the sizes their headers
// declare and their compression ratios.
func checkZip(zr *zip.Reader, size int64, lim Limits) error {
	for _, zf := range zr.File {
		if strings.EqualFold(partName(zf.Name), "xl/workbook.bin") {
			return errXLSB()
		}
	}
	if len(zr.File) > maxParts {
		return fmt.Errorf("%w: the file holds %d parts where a workbook has a few dozen (at most %d accepted): it is not an export; ask for a fresh export from the wholesaler's system",
			ErrTooManyParts, len(zr.File), maxParts)
	}
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
	return nil
}

func errXLSB() error {
	return fmt.Errorf("%w, which encours cannot read: open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrXLSB)
}

// inspect inflates every part but those in skip — the worksheets and the
// shared strings, which get the same checks in the one pass that reads
// them (worksheet.go), and the parts already parsed — counting the bytes
// each really unpacks to rather than trusting its header, and looks in the
// XML ones for a DOCTYPE or an entity declaration. It returns the bytes
// inflated. Macros (vbaProject.bin) are only counted, never read.
func inspect(zr *zip.Reader, size, budget int64, skip map[*zip.File]bool) (int64, error) {
	left := budget
	for _, zf := range zr.File {
		if skip[zf] {
			continue
		}
		n, err := readPart(zf, size, left, -1, func(br *bufio.Reader) error { return scanDoctype(br, zf.Name) })
		if err != nil {
			return 0, err
		}
		left -= n
	}
	return budget - left, nil
}

// sstCap is the most the shared-string table may unpack to.
func (l Limits) sstCap() int64 { return min(maxSharedStringBytes, l.MaxUnzippedBytes/4) }

func bombError(name string, size int64, unpacked uint64, how string) error {
	return fmt.Errorf("%w: the file is %s but its part %s unpacks to more than %s (%s), which no export does: the file was not made by Excel or an export tool; do not open it, and ask the wholesaler for a fresh export",
		ErrZipBomb, bytesText(size), name, bytesText(int64(min(unpacked, 1<<62))), how)
}

func sstTooLarge(n uint64, capBytes int64) error {
	return fmt.Errorf("%w: the workbook's text table unpacks to %s, over the %s it may take: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
		ErrSharedStrings, bytesText(int64(min(n, 1<<62))), bytesText(capBytes))
}

// readPart inflates one entry for read, counting the real bytes against
// the budget, the entry's header and the bomb ratio (and sstCap when not
// negative), and reads it to its end; it returns the bytes inflated and
// names what went wrong.
func readPart(zf *zip.File, size, budget, sstCap int64, read func(*bufio.Reader) error) (int64, error) {
	rc, c, err := openPart(zf, budget, sstCap)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	err = read(br)
	if err == nil {
		_, err = io.Copy(io.Discard, br) // count the rest
	}
	return c.n, partError(zf, c, err, size, budget, sstCap)
}

// openPart opens an entry behind a counting reader.
func openPart(zf *zip.File, budget, sstCap int64) (io.ReadCloser, *countReader, error) {
	rc, err := zf.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return nil, nil, fmt.Errorf("%w: part %s uses a compression Excel never uses: export it again from Excel", ErrTruncated, zf.Name)
		}
		return nil, nil, truncated(err)
	}
	limit := min(budget, max(bombMinBytes, bombRatio*int64(min(zf.CompressedSize64, 1<<40))))
	if sstCap >= 0 {
		limit = min(limit, sstCap)
	}
	return rc, &countReader{r: rc, left: limit}, nil
}

// partError names what stopped the reading of a part, if anything: the
// counting reader's limits come first, since they cut the input short.
func partError(zf *zip.File, c *countReader, err error, size, budget, sstCap int64) error {
	switch {
	case c.over && sstCap >= 0 && c.n > sstCap:
		return sstTooLarge(uint64(c.n), sstCap)
	case c.over && c.n > budget:
		return fmt.Errorf("%w: the file unpacks to more than %s: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
			ErrTooLarge, bytesText(lim0(budget)))
	case c.over:
		return bombError(zf.Name, size, uint64(c.n), fmt.Sprintf("%d times its compressed size", c.n/max(int64(zf.CompressedSize64), 1)))
	case errors.Is(err, zip.ErrFormat) && zf.Flags&0x8 == 0:
		// Without a data descriptor, archive/zip says ErrFormat only when
		// the part inflates past the size in its header.
		return bombError(zf.Name, size, zf.UncompressedSize64, "more than its header says")
	case err == nil, errors.Is(err, errStop):
		return err
	case isOurs(err):
		return err
	}
	return truncated(fmt.Errorf("part %s: %w", zf.Name, err))
}

func lim0(n int64) int64 { return max(n, 0) }

func isOurs(err error) bool {
	for _, e := range []error{ErrDoctype, ErrCellRef, ErrSharedStrings, ErrBadSharedString, ErrTooLarge, ErrZipBomb, ErrTruncated, ErrNotWorkbook} {
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

// scanDoctype looks in a part for a DOCTYPE or entity declaration, as a
// stream: it looks only at what follows each '<'. UTF-16 parts are read
// with their NULs dropped, which keeps the ASCII markup intact; parts that
// are not XML (pictures, macros, printer settings) are only counted.
func scanDoctype(br *bufio.Reader, name string) error {
	head, _ := br.Peek(4)
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	switch {
	case len(head) >= 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF ||
		head[0] == '<' && head[1] == 0 || head[0] == 0 && head[1] == '<'):
		br = bufio.NewReaderSize(&dropNUL{r: br}, 64<<10)
	case len(bytes.TrimLeft(head, " \t\r\n")) > 0 && bytes.TrimLeft(head, " \t\r\n")[0] != '<':
		return nil
	}
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return ignoreEOF(err)
		}
		head, _ := br.Peek(8)
		if len(head) > 0 && head[0] == '!' {
			up := bytes.ToUpper(head)
			if bytes.HasPrefix(up, []byte("!DOCTYPE")) || bytes.HasPrefix(up, []byte("!ENTITY")) {
				return fmt.Errorf("%w (part %s), which Excel never writes and which can make a reader expand text without end: the file was not made by Excel; ask the wholesaler for a fresh export",
					ErrDoctype, name)
			}
		}
	}
}

func cellRefError(sheet, what string) error {
	return fmt.Errorf("%s in sheet %q: %w, Excel's last cell, so it would be dropped without a word: the file was not made by Excel; export it again",
		what, sheet, ErrCellRef)
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
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
