package xlsx

import (
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/xuri/excelize/v2"
)

// Export is a workbook shaped like a wholesaler's export — per sheet, a
// title block, a header row and rows of plain cells — as the generator of
// test exports (encours gen) writes them: the committed samples, the large
// exports of the benchmarks, the fixtures of tests.
type Export struct {
	// Creator and Title go into the document properties.
	Creator, Title string
	// Created is the document's creation and modification time; zero
	// leaves excelize's (the time of writing).
	Created time.Time
	// Date1904 writes the workbook in the 1904 date system.
	Date1904 bool
	Sheets   []ExportSheet
}

// ExportSheet is one sheet of an Export. Its cells are Go values: string
// (always text, even "=…"), int, int64, float64, bool, nil (an empty
// cell), or one of Money, Day, Stamp and Bold.
type ExportSheet struct {
	Name string
	// Title are the rows above the header (a nil row is an empty row).
	Title [][]any
	// Header is the header row, in bold on a blue fill.
	Header []string
	// Rows are the data rows, under the header.
	Rows iter.Seq[[]any]
	// Widths are the columns' widths, from column A.
	Widths []float64
	// Stream writes the sheet row by row (excelize's StreamWriter), for
	// sheets too large to hold: same cells and styles.
	Stream bool
}

// Cell kinds of an ExportSheet beyond plain Go values.
type (
	// Money is an amount in cents, written as a number in a euro format.
	Money int64
	// Day is a date, written as a real Excel date (dd/mm/yyyy).
	Day time.Time
	// Stamp is a date and time, written as a real Excel date-time.
	Stamp time.Time
	// Bold is text in bold, larger: a title.
	Bold string
)

// exportStyles are the style ids of an Export's cell kinds.
type exportStyles struct{ money, day, stamp, header, bold int }

// WriteExport writes e as an .xlsx to w. The same Export gives the same
// bytes when Created is set.
func WriteExport(w io.Writer, e Export) error {
	f := excelize.NewFile()
	defer f.Close()
	if e.Date1904 {
		t := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &t}); err != nil {
			return err
		}
	}
	props := &excelize.DocProperties{Creator: e.Creator, LastModifiedBy: e.Creator, Title: e.Title}
	if !e.Created.IsZero() {
		props.Created = e.Created.UTC().Format(time.RFC3339)
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	moneyFmt := `#,##0.00\ "€"`
	dtFmt := "dd/mm/yyyy hh:mm"
	var st exportStyles
	var err error
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.money, &excelize.Style{CustomNumFmt: &moneyFmt}},
		{&st.day, &excelize.Style{NumFmt: 14}},
		{&st.stamp, &excelize.Style{CustomNumFmt: &dtFmt}},
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}}},
		{&st.bold, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
	} {
		if *s.id, err = f.NewStyle(s.style); err != nil {
			return err
		}
	}
	for i, s := range e.Sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", s.Name)
		} else {
			_, err = f.NewSheet(s.Name)
		}
		if err != nil {
			return err
		}
		if s.Stream {
			err = st.streamSheet(f, s)
		} else {
			err = st.sheet(f, s)
		}
		if err != nil {
			return fmt.Errorf("sheet %q: %w", s.Name, err)
		}
	}
	// Path tells excelize the kind of package, as SaveAs does.
	f.Path = "export.xlsx"
	return f.Write(w)
}

// sheet writes s cell by cell.
func (st exportStyles) sheet(f *excelize.File, s ExportSheet) error {
	put := func(r, c int, v any) error {
		cell, _ := excelize.CoordinatesToCellName(c+1, r)
		switch x := v.(type) {
		case nil:
			return nil
		case Money:
			if err := f.SetCellFloat(s.Name, cell, float64(x)/100, -1, 64); err != nil {
				return err
			}
			return f.SetCellStyle(s.Name, cell, cell, st.money)
		case Day:
			if err := f.SetCellValue(s.Name, cell, time.Time(x)); err != nil {
				return err
			}
			return f.SetCellStyle(s.Name, cell, cell, st.day)
		case Stamp:
			if err := f.SetCellValue(s.Name, cell, time.Time(x)); err != nil {
				return err
			}
			return f.SetCellStyle(s.Name, cell, cell, st.stamp)
		case Bold:
			if err := f.SetCellStr(s.Name, cell, string(x)); err != nil {
				return err
			}
			return f.SetCellStyle(s.Name, cell, cell, st.bold)
		case string:
			return f.SetCellStr(s.Name, cell, x) // always text, even "=…"
		case int:
			return f.SetCellInt(s.Name, cell, int64(x))
		default:
			return f.SetCellValue(s.Name, cell, v)
		}
	}
	r := 1
	for _, row := range s.Title {
		for c, v := range row {
			if err := put(r, c, v); err != nil {
				return err
			}
		}
		r++
	}
	if len(s.Header) > 0 {
		for c, h := range s.Header {
			if err := put(r, c, h); err != nil {
				return err
			}
		}
		first, _ := excelize.CoordinatesToCellName(1, r)
		last, _ := excelize.CoordinatesToCellName(len(s.Header), r)
		if err := f.SetCellStyle(s.Name, first, last, st.header); err != nil {
			return err
		}
		r++
	}
	if s.Rows != nil {
		for row := range s.Rows {
			for c, v := range row {
				if err := put(r, c, v); err != nil {
					return err
				}
			}
			r++
		}
	}
	for c, w := range s.Widths {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(s.Name, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

// streamSheet writes s row by row.
func (st exportStyles) streamSheet(f *excelize.File, s ExportSheet) error {
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return err
	}
	for c, w := range s.Widths {
		if err := sw.SetColWidth(c+1, c+1, w); err != nil {
			return err
		}
	}
	r := 1
	var cells []any
	set := func(row []any) error {
		cells = cells[:0]
		for _, v := range row {
			cells = append(cells, st.streamCell(v))
		}
		cell, _ := excelize.CoordinatesToCellName(1, r)
		r++
		if len(cells) == 0 {
			return nil
		}
		return sw.SetRow(cell, cells)
	}
	for _, row := range s.Title {
		if err := set(row); err != nil {
			return err
		}
	}
	if len(s.Header) > 0 {
		header := make([]any, len(s.Header))
		for i, h := range s.Header {
			header[i] = excelize.Cell{StyleID: st.header, Value: h}
		}
		if err := set(header); err != nil {
			return err
		}
	}
	if s.Rows != nil {
		for row := range s.Rows {
			if err := set(row); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// streamCell is v as the StreamWriter takes it.
func (st exportStyles) streamCell(v any) any {
	switch x := v.(type) {
	case Money:
		return excelize.Cell{StyleID: st.money, Value: float64(x) / 100}
	case Day:
		return excelize.Cell{StyleID: st.day, Value: time.Time(x)}
	case Stamp:
		return excelize.Cell{StyleID: st.stamp, Value: time.Time(x)}
	case Bold:
		return excelize.Cell{StyleID: st.bold, Value: string(x)}
	}
	return v
}
