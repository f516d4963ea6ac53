// Command xlsxbaseline is the yardstick of encours' performance: the plain
// excelize round trip of a workbook, with nothing of encours in it. It opens
// the input with excelize's default options, reads every sheet cell by cell
// (Rows + Columns with RawCellValue), and writes each row back through a
// StreamWriter with two annotation columns and a fill on one row in ten,
// then saves with SaveAs.
//
//	go run ./cmd/xlsxbaseline -in export.xlsx -out roundtrip.xlsx
//
// cmd/bench/bench.sh runs it next to `encours run` on the same input.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	in := flag.String("in", "", "workbook to read")
	out := flag.String("out", "", "workbook to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: xlsxbaseline -in FILE.xlsx -out FILE.xlsx")
		os.Exit(2)
	}
	start := time.Now()
	rows, err := roundTrip(*in, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xlsxbaseline:", err)
		os.Exit(1)
	}
	fmt.Printf("xlsxbaseline: %d rows in %s\n", rows, time.Since(start).Round(time.Millisecond))
}

func roundTrip(in, out string) (int, error) {
	src, err := excelize.OpenFile(in)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst := excelize.NewFile()
	defer dst.Close()
	fill, err := dst.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFD966"}}})
	if err != nil {
		return 0, err
	}
	total := 0
	for i, sheet := range src.GetSheetList() {
		if i == 0 {
			if err := dst.SetSheetName("Sheet1", sheet); err != nil {
				return 0, err
			}
		} else if _, err := dst.NewSheet(sheet); err != nil {
			return 0, err
		}
		n, err := copySheet(src, dst, sheet, fill)
		if err != nil {
			return 0, fmt.Errorf("sheet %q: %w", sheet, err)
		}
		total += n
	}
	return total, dst.SaveAs(out)
}

func copySheet(src, dst *excelize.File, sheet string, fill int) (int, error) {
	rows, err := src.Rows(sheet)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	sw, err := dst.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	n := 0
	var row []any
	for rows.Next() {
		n++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return n, err
		}
		row = row[:0]
		style := 0
		if n%10 == 0 {
			style = fill
		}
		for _, c := range cells {
			row = append(row, excelize.Cell{StyleID: style, Value: c})
		}
		row = append(row, excelize.Cell{StyleID: style, Value: "décision"}, excelize.Cell{StyleID: style, Value: fmt.Sprintf("motif de la ligne %d", n)})
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return n, err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return n, err
		}
	}
	if err := rows.Error(); err != nil {
		return n, err
	}
	return n, sw.Flush()
}
