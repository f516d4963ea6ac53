// make-node.js writes the workbooks of this folder that JavaScript libraries
// produce: SheetJS (npm "xlsx" 0.18.5) and ExcelJS (npm "exceljs" 4.4.0).
//
//   npm install xlsx@0.18.5 exceljs@4.4.0   (anywhere; then)
//   NODE_PATH=path/to/node_modules node make-node.js
//
// The tests read the committed files; they never need node.
'use strict';
const path = require('path');
const XLSX = require('xlsx');
const ExcelJS = require('exceljs');

const out = (name) => path.join(__dirname, name);

// The same data for every writer: an accounts sheet under a title block,
// with text and numeric amounts, dates, booleans, formulas and merged
// cells, and an orders sheet.
const title = 'Export des encours au 30/06/2009';
const header = ['Code client', 'Raison sociale', 'Statut', 'Limite assurée', 'Encours', 'Date', 'Assuré', 'Marge'];
const accounts = [
  ['C001', 'Alpha SARL', 'Actif', 9000, 12340.5, new Date(Date.UTC(2009, 5, 30, 8, 0, 0)), true],
  ['C002', 'Bêta & Fils', 'résilié', '5 000,00 €', 1.25, new Date(Date.UTC(2009, 0, 1)), false],
  ['C003', '  espaces  ', 'Actif', 0, -250.75, '30/06/2009', true],
  ['C004', 'Société "Gamma" <SA>', 'actif', 1e6, 0.1 + 0.2, new Date(Date.UTC(1900, 1, 28)), false],
  ['C005', 'ligne\nsuivante', 'Actif', 123456789.12, 3e-7, new Date(Date.UTC(2025, 11, 31, 23, 59, 59)), true],
  ['C006', '東京都 株式会社', 'closed', 42, 42, '2009-06-30', false],
];
const orders = [
  ['N° commande', 'Code client', 'Date', 'Produit', 'Catégorie', 'Montant'],
  ['O-1', 'C001', new Date(Date.UTC(2009, 5, 2)), 'Office 2007 PME', 'OEM', 1500],
  ['O-2', 'C002', new Date(Date.UTC(2009, 5, 3)), 'Windows Server', 'OEM', '1 234,56'],
];

function sheetjs(name, opts) {
  const wb = XLSX.utils.book_new();
  const aoa = [[title], [], header, ...accounts];
  const ws = XLSX.utils.aoa_to_sheet(aoa, { cellDates: opts.cellDates });
  ws['!merges'] = [XLSX.utils.decode_range('A1:H1')];
  for (let r = 4; r <= 3 + accounts.length; r++) {
    // A formula with its cached value, as SheetJS keeps it.
    ws['H' + r] = { t: 'n', f: `D${r}-E${r}`, v: typeof aoa[r - 1][3] === 'number' ? aoa[r - 1][3] - aoa[r - 1][4] : 0 };
  }
  ws['I4'] = { t: 's', f: 'A4&"-x"', v: 'C001-x' };
  ws['I5'] = { t: 'e', v: 0x2a, w: '#N/A' };
  ws['!ref'] = 'A1:I' + (3 + accounts.length);
  XLSX.utils.book_append_sheet(wb, ws, 'Encours');
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(orders, { cellDates: opts.cellDates }), 'Commandes');
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([]), 'Vide');
  XLSX.writeFile(wb, out(name), { bookType: 'xlsx', bookSST: opts.sst, cellDates: opts.cellDates, compression: true });
}

function fillExcelJS(wb) {
  const ws = wb.addWorksheet('Encours');
  ws.addRow([title]);
  ws.addRow([]);
  ws.addRow(header);
  accounts.forEach((a, i) => {
    const r = i + 4;
    ws.addRow([...a, { formula: `IF(ISNUMBER(D${r}),D${r}-E${r},0)`, result: typeof a[3] === 'number' ? a[3] - a[4] : 0 }]);
  });
  ws.mergeCells('A1:H1');
  ws.getCell('I4').value = { richText: [{ font: { bold: true }, text: 'Gras' }, { text: ' et normal' }] };
  ws.getCell('I5').value = { text: 'site', hyperlink: 'https://example.com' };
  ws.getCell('I6').value = { error: '#DIV/0!' };
  ws.getCell('I7').value = { formula: 'A4&"-x"', result: 'C001-x' };
  ws.getCell('I8').value = { sharedFormula: 'H4', result: 7 };
  ws.getCell('F4').numFmt = 'dd/mm/yyyy hh:mm';
  const wo = wb.addWorksheet('Commandes');
  orders.forEach((o) => wo.addRow(o));
  wb.addWorksheet('Vide');
  return [ws, wo];
}

async function exceljs() {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'encours';
  fillExcelJS(wb);
  await wb.xlsx.writeFile(out('exceljs.xlsx'));

  // The streaming writer, inline strings (useSharedStrings false).
  const sw = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out('exceljs-stream.xlsx'), useSharedStrings: false, useStyles: true });
  for (const ws of fillExcelJS(sw)) {
    ws.commit();
  }
  await sw.commit();
}

sheetjs('sheetjs-sst.xlsx', { sst: true, cellDates: false });
sheetjs('sheetjs-nosst.xlsx', { sst: false, cellDates: false });
sheetjs('sheetjs-celldates.xlsx', { sst: false, cellDates: true });
exceljs().catch((e) => { console.error(e); process.exit(1); });
