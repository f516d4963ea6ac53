"""The openpyxl round trip of cmd/bench/bench.sh: read_only in, write_only
out, two annotation columns and a fill on one row in ten."""
import sys
from openpyxl import load_workbook, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill

src = load_workbook(sys.argv[1], read_only=True, data_only=True)
dst = Workbook(write_only=True)
fill = PatternFill("solid", fgColor="FFD966")
for ws in src.worksheets:
    out = dst.create_sheet(ws.title)
    # read_only trusts the sheet's <dimension>, which excelize's
    # StreamWriter (encours gen) leaves at A1: read every row instead.
    ws.reset_dimensions()
    for n, row in enumerate(ws.iter_rows(values_only=True), 1):
        vals = list(row) + ["décision", "motif de la ligne %d" % n]
        if n % 10 == 0:
            cells = []
            for v in vals:
                c = WriteOnlyCell(out, value=v)
                c.fill = fill
                cells.append(c)
            out.append(cells)
        else:
            out.append(vals)
dst.save(sys.argv[2])
