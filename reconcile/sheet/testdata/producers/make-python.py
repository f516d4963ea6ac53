"""make-python.py writes the workbooks of this folder that Python libraries
produce, as pandas' to_excel and many ERP scripts use them: openpyxl
(Debian's python3-openpyxl, 3.0.9) in write-only mode, which streams rows
as a large export does, and in normal mode with merged cells; XlsxWriter
(Debian's python3-xlsxwriter, 3.0.2) in normal and constant-memory mode.

    /usr/bin/python3 make-python.py

The tests read the committed files; they never need Python.
"""
import datetime
import os

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

here = os.path.dirname(os.path.abspath(__file__))
title = "Export des encours au 30/06/2009"
header = ["Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Date", "Assuré", "Marge"]
accounts = [
    ["C001", "Alpha SARL", "Actif", 9000, 12340.5, datetime.datetime(2009, 6, 30, 8, 0, 0), True],
    ["C002", "Bêta & Fils", "résilié", "5 000,00 €", 1.25, datetime.date(2009, 1, 1), False],
    ["C003", "  espaces  ", "Actif", 0, -250.75, "30/06/2009", True],
    ["C004", 'Société "Gamma" <SA>', "actif", 1e6, 0.1 + 0.2, datetime.datetime(1900, 2, 28), False],
    ["C005", "ligne\nsuivante", "Actif", 123456789.12, 3e-7, datetime.datetime(2025, 12, 31, 23, 59, 59), True],
    ["C006", "東京都 株式会社", "closed", 42, 42, "2009-06-30", False],
]
orders = [
    ["N° commande", "Code client", "Date", "Produit", "Catégorie", "Montant"],
    ["O-1", "C001", datetime.date(2009, 6, 2), "Office 2007 PME", "OEM", 1500],
    ["O-2", "C002", datetime.date(2009, 6, 3), "Windows Server", "OEM", "1 234,56"],
]


def rows():
    yield [title]
    yield []
    yield header
    for i, a in enumerate(accounts):
        r = i + 4
        yield a + ["=IF(ISNUMBER(D%d),D%d-E%d,0)" % (r, r, r)]


def write_only():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Encours")
    for i, row in enumerate(rows()):
        if i == 2:
            cells = []
            for h in row:
                c = WriteOnlyCell(ws, value=h)
                c.font = Font(bold=True)
                cells.append(c)
            row = cells
        ws.append(row)
    wo = wb.create_sheet("Commandes")
    for o in orders:
        wo.append(o)
    wb.create_sheet("Vide")
    wb.save(os.path.join(here, "openpyxl-writeonly.xlsx"))


def normal():
    wb = Workbook()
    ws = wb.active
    ws.title = "Encours"
    for row in rows():
        ws.append(row)
    ws.merge_cells("A1:H1")
    ws["J2"] = "loin"
    wo = wb.create_sheet("Commandes")
    for o in orders:
        wo.append(o)
    wb.create_sheet("Vide")
    wb.save(os.path.join(here, "openpyxl.xlsx"))


def xlsx_writer(name, options):
    wb = xlsxwriter.Workbook(os.path.join(here, name), options)
    wb.set_properties({"created": datetime.datetime(2009, 6, 30)})
    bold = wb.add_format({"bold": True})
    day = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    ws = wb.add_worksheet("Encours")
    ws.merge_range("A1:H1", title, bold)
    ws.write_row(2, 0, header, bold)
    for i, a in enumerate(accounts):
        r = i + 3
        for j, v in enumerate(a):
            if isinstance(v, (datetime.date, datetime.datetime)):
                ws.write_datetime(r, j, v, day)
            else:
                ws.write(r, j, v)
        ws.write_formula(r, 7, "=IF(ISNUMBER(D%d),D%d-E%d,0)" % (r + 1, r + 1, r + 1), None,
                         a[3] - a[4] if isinstance(a[3], (int, float)) else 0)
    ws.write_rich_string(3, 8, bold, "Gras", " et normal")
    ws.write_boolean(4, 8, True)
    ws.write_url(5, 8, "https://example.com", string="site")
    wo = wb.add_worksheet("Commandes")
    for i, o in enumerate(orders):
        for j, v in enumerate(o):
            if isinstance(v, datetime.date):
                wo.write_datetime(i, j, v, day)
            else:
                wo.write(i, j, v)
    wb.add_worksheet("Vide")
    wb.close()


write_only()
normal()
xlsx_writer("xlsxwriter.xlsx", {})
xlsx_writer("xlsxwriter-constant-memory.xlsx", {"constant_memory": True})
