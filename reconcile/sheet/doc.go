// Package sheet reads the worksheets of .xlsx packages as streams of rows,
// with the hostile-file checks: it refuses, with a named reason and what
// to do, what is not a workbook (a legacy .xls, an encrypted or binary
// workbook, a CSV renamed .xlsx), what is damaged, and what could exhaust
// or fool a reader (zip bombs, too many parts, DOCTYPE and entities, cells
// beyond XFD1048576, shared-string indexes past the table).
//
// It reads workbooks written by Excel and by the other tools (LibreOffice,
// spreadsheet libraries, ERP exports) as Excel does: parts found through
// the package relationships, names compared without regard to case, parts
// in the encoding their XML declaration names (ISO-8859-1 or windows-1252
// from ERP exports), and a chart, dialog or macro sheet, or a sheet whose
// part is missing, only unreadable itself. Rows come back as excelize's Rows and
// Columns(RawCellValue) returned them — raw values, row numbers as Excel's
// — without importing any spreadsheet library and without writing to disk.
package sheet
