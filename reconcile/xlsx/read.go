package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/layout"
)

// Reasons a file cannot be read as a whole. Open wraps them with a message
// for the person who sent the file; test them with errors.Is.
var (
	// ErrNotWorkbook: not an Excel workbook at all (text, PDF, another zip).
	ErrNotWorkbook = errors.New("not an Excel workbook")
	// ErrTruncated: a workbook that is damaged or incomplete.
	ErrTruncated = errors.New("damaged or incomplete workbook")
	// ErrLegacyXLS: an Excel 97-2003 .xls file, even when renamed .xlsx.
	ErrLegacyXLS = errors.New("legacy Excel 97-2003 workbook")
	// ErrEncrypted: a workbook protected by a password to open.
	ErrEncrypted = errors.New("password-protected workbook")
	// ErrXLSB: an Excel binary workbook (.xlsb).
	ErrXLSB = errors.New("Excel binary workbook (.xlsb)")
	// ErrTooLarge: over one of the Limits.
	ErrTooLarge = errors.New("workbook too large")
	// ErrSheetNotFound: the workbook has no sheet of that name.
	ErrSheetNotFound = errors.New("sheet not found")
)

// Default limits, used for the zero fields of Limits.
const (
	DefaultMaxFileBytes     = 100 << 20
	DefaultMaxUnzippedBytes = 1 << 30
	DefaultMaxRows          = 1048576
	// xmlInMemory is the largest sheet or shared-strings part kept in
	// memory; bigger parts spill to a temp file, removed by Close.
	xmlInMemory = 16 << 20
)

// Limits bound what Open accepts, so that one odd file cannot exhaust the
// machine. Zero fields take the defaults: 100 MiB, 1 GiB unzipped,
// 1 048 576 rows per sheet, and the system's temp directory.
type Limits struct {
	MaxFileBytes     int64
	MaxUnzippedBytes int64
	MaxRows          int64
	// TmpDir is where large sheets are unzipped while being read.
	TmpDir string
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxUnzippedBytes <= 0 {
		l.MaxUnzippedBytes = DefaultMaxUnzippedBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	return l
}

// Workbook is an open workbook, read-only. Close it on every path: it may
// hold temp files.
type Workbook struct {
	f        *excelize.File
	tmp      string
	date1904 bool
	sheets   []string
	maxRows  int64
}

var (
	oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipSignature = []byte("PK\x03\x04")
	// An encrypted OOXML file is an OLE2 container holding these streams;
	// directory entry names are UTF-16LE.
	encryptionInfo = utf16le("EncryptionInfo")
)

// Open reads the workbook of size bytes from r. It checks the size and the
// kind of file before handing it to excelize, and returns errors wrapping
// ErrTooLarge, ErrNotWorkbook, ErrTruncated, ErrLegacyXLS, ErrEncrypted or
// ErrXLSB with a plain-language message that says what to do.
func Open(r io.ReaderAt, size int64, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if size > lim.MaxFileBytes {
		return nil, fmt.Errorf("%w: the file is %s, over the %s limit: export fewer rows or columns, or raise limits.max_file_bytes in config.yaml",
			ErrTooLarge, bytesText(size), bytesText(lim.MaxFileBytes))
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: the file is empty: export it again from Excel", ErrNotWorkbook)
	}
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		head = head[:n]
	}
	switch {
	case bytes.Equal(head, oleSignature):
		return nil, classifyOLE(r, size)
	case !bytes.HasPrefix(head, zipSignature) && !bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return nil, fmt.Errorf("%w: the file is not an Excel workbook (perhaps a CSV, PDF or web page renamed .xlsx): open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrNotWorkbook)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, truncated(err)
	}
	if err := inspect(zr, size, lim); err != nil {
		return nil, err
	}
	var unzipped uint64
	hasWorkbook := false
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		switch name {
		case "xl/workbook.bin":
			return nil, fmt.Errorf("%w: the file is an Excel binary workbook (.xlsb), which encours cannot read: open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrXLSB)
		case "xl/workbook.xml":
			hasWorkbook = true
		}
		unzipped += zf.UncompressedSize64
		if unzipped > uint64(lim.MaxUnzippedBytes) {
			return nil, fmt.Errorf("%w: the file unpacks to more than %s: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml",
				ErrTooLarge, bytesText(lim.MaxUnzippedBytes))
		}
	}
	if !hasWorkbook {
		return nil, fmt.Errorf("%w: the file is a zip archive but not an Excel workbook (perhaps a Word document or a zipped folder): send the .xlsx export itself", ErrNotWorkbook)
	}

	// A private temp directory, removed by Close, also catches the temp
	// files excelize leaves behind when it fails half-way through opening.
	tmp, err := os.MkdirTemp(lim.TmpDir, "encours-xlsx-")
	if err != nil {
		return nil, fmt.Errorf("open workbook: temp directory: %w", err)
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxUnzippedBytes,
		UnzipXMLSizeLimit: min(xmlInMemory, lim.MaxUnzippedBytes),
		TmpDir:            tmp,
	})
	wb := &Workbook{f: f, tmp: tmp, maxRows: lim.MaxRows}
	if err != nil {
		wb.Close()
		return nil, classifyExcelize(err)
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		wb.Close()
		return nil, truncated(err)
	}
	wb.date1904 = props.Date1904 != nil && *props.Date1904
	wb.sheets = f.GetSheetList()
	if len(wb.sheets) == 0 {
		wb.Close()
		return nil, fmt.Errorf("%w: the workbook has no sheet: export it again from Excel", ErrNotWorkbook)
	}
	return wb, nil
}

// classifyOLE tells an encrypted OOXML workbook from a legacy .xls: both
// are OLE2 containers, only the former holds an EncryptionInfo stream.
func classifyOLE(r io.ReaderAt, size int64) error {
	if containsAt(r, size, encryptionInfo) {
		return fmt.Errorf("%w: the workbook is protected by a password to open: remove the password (File > Info > Protect Workbook) and send it again", ErrEncrypted)
	}
	return fmt.Errorf("%w: the file is an old Excel 97-2003 workbook (.xls), even if its name ends in .xlsx: open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrLegacyXLS)
}

// classifyExcelize maps what excelize says when opening fails.
func classifyExcelize(err error) error {
	switch {
	case strings.Contains(err.Error(), "unzip size exceeds"):
		return fmt.Errorf("%w: the file unpacks to more than the configured limit: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml (%v)", ErrTooLarge, err)
	case errors.Is(err, excelize.ErrWorkbookFileFormat):
		return fmt.Errorf("%w: the file is not a workbook encours can read (%v): open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrNotWorkbook, err)
	}
	return truncated(err)
}

func truncated(err error) error {
	var corrupt flate.CorruptInputError
	detail := err.Error()
	if errors.As(err, &corrupt) || errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		detail = "the zip structure is broken"
	}
	return fmt.Errorf("%w: the file is damaged or incomplete, perhaps cut short while being copied (%s): export it again from Excel and copy it once more", ErrTruncated, detail)
}

// containsAt reports whether pat occurs in the first size bytes of r,
// reading overlapping windows so that a match across two is not missed.
func containsAt(r io.ReaderAt, size int64, pat []byte) bool {
	const chunk = 64 << 10
	buf := make([]byte, chunk+len(pat)-1)
	for off := int64(0); off < size; off += chunk {
		n, _ := r.ReadAt(buf, off)
		if bytes.Contains(buf[:n], pat) {
			return true
		}
		if n < len(buf) {
			return false
		}
	}
	return false
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// bytesText writes a size for people: "12.3 MiB".
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Date1904 reports whether the workbook counts dates from 1904 (set by
// old Mac Excel): the same serial is then four years later.
func (w *Workbook) Date1904() bool { return w.date1904 }

// SheetNames returns the sheets' names in workbook order.
func (w *Workbook) SheetNames() []string { return append([]string(nil), w.sheets...) }

// Rows streams the rows of a sheet; "" means the first sheet. A name
// matches exactly, or else ignoring case, accents and spaces. A missing
// sheet is an error wrapping ErrSheetNotFound that names the sheets found.
func (w *Workbook) Rows(sheet string) (*Rows, error) {
	name, ok := w.findSheet(sheet)
	if !ok {
		return nil, fmt.Errorf("%w: there is no sheet %q; the workbook has %s: rename the sheet, or set the sheet name in the layout of config.yaml",
			ErrSheetNotFound, sheet, quoteList(w.sheets))
	}
	rows, err := w.f.Rows(name)
	if err != nil {
		return nil, truncated(fmt.Errorf("sheet %q: %w", name, err))
	}
	r := &Rows{rows: rows, sheet: name, max: w.maxRows}
	r.start()
	return r, nil
}

func (w *Workbook) findSheet(sheet string) (string, bool) {
	if sheet == "" {
		return w.sheets[0], true
	}
	for _, s := range w.sheets {
		if s == sheet {
			return s, true
		}
	}
	want := layout.Fold(sheet)
	for _, s := range w.sheets {
		if layout.Fold(s) == want {
			return s, true
		}
	}
	return "", false
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// Close releases the workbook and removes its temp files.
func (w *Workbook) Close() error {
	var err error
	if w.f != nil {
		err = w.f.Close()
		w.f = nil
	}
	if w.tmp != "" {
		if rerr := os.RemoveAll(w.tmp); err == nil {
			err = rerr
		}
		w.tmp = ""
	}
	return err
}

// Rows streams a sheet's rows with their raw values. It implements
// layout.RowSource; Close it when done.
//
// A goroutine decodes the sheet (excelize's XML decoding is most of the
// cost of reading) and hands rows over in batches, so that the caller's
// parsing runs on another core meanwhile.
type Rows struct {
	rows  *excelize.Rows
	sheet string
	max   int64
	num   int
	cells []string
	err   error

	batches chan rowBatch
	stop    chan struct{}
	done    chan struct{}
	cur     rowBatch
	pos     int
}

// rowBatch is a run of decoded rows; err, set on the last batch, is what
// stopped the decoding early.
type rowBatch struct {
	nums  []int
	cells [][]string
	err   error
}

// rowBatchSize is how many rows go over the channel at once: large enough
// that the hand-over costs nothing, small enough to stay in cache.
const rowBatchSize = 512

func (r *Rows) start() {
	r.batches = make(chan rowBatch, 4)
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go r.decode()
}

// decode runs in its own goroutine until the sheet ends, fails, or Close.
func (r *Rows) decode() {
	defer close(r.done)
	defer close(r.batches)
	num := 0
	b := rowBatch{}
	send := func() bool {
		select {
		case r.batches <- b:
			b = rowBatch{nums: make([]int, 0, rowBatchSize), cells: make([][]string, 0, rowBatchSize)}
			return true
		case <-r.stop:
			return false
		}
	}
	for r.rows.Next() {
		num++
		if int64(num) > r.max {
			b.err = fmt.Errorf("%w: sheet %q has more than %d rows: split the export, or raise limits.max_rows in config.yaml", ErrTooLarge, r.sheet, r.max)
			send()
			return
		}
		cells, err := r.rows.Columns()
		if err != nil {
			b.err = r.fail(err, num)
			send()
			return
		}
		b.nums = append(b.nums, num)
		b.cells = append(b.cells, cells)
		if len(b.nums) == rowBatchSize && !send() {
			return
		}
	}
	if err := r.rows.Error(); err != nil {
		b.err = r.fail(err, num)
	}
	send()
}

// Next moves to the next row, empty rows included, so that row numbers
// are Excel's.
func (r *Rows) Next() bool {
	for r.err == nil && r.batches != nil {
		if r.pos < len(r.cur.nums) {
			r.num, r.cells = r.cur.nums[r.pos], r.cur.cells[r.pos]
			r.cur.cells[r.pos] = nil
			r.pos++
			return true
		}
		if r.cur.err != nil {
			r.err = r.cur.err
			return false
		}
		b, ok := <-r.batches
		if !ok {
			r.batches = nil
			return false
		}
		r.cur, r.pos = b, 0
	}
	return false
}

func (r *Rows) fail(err error, num int) error {
	if errors.Is(err, excelize.ErrMaxRows) {
		return fmt.Errorf("%w: sheet %q goes beyond Excel's last row", ErrTruncated, r.sheet)
	}
	return truncated(fmt.Errorf("sheet %q, row %d: %w", r.sheet, num, err))
}

// Row returns the current row's Excel number (1-based) and raw values:
// numbers and dates as Excel stores them ("5000.5", "39994"), text as typed.
// Trailing empty cells are absent.
func (r *Rows) Row() (int, []string) { return r.num, r.cells }

// Err reports what stopped the rows early, if anything.
func (r *Rows) Err() error { return r.err }

// Close stops the decoding and releases the sheet's reader.
func (r *Rows) Close() error {
	if r.rows == nil {
		return nil
	}
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
	err := r.rows.Close()
	r.rows = nil
	if err != nil && r.err != nil {
		return nil // already reported by Err
	}
	return err
}
