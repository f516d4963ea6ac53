// Package samples writes the committed sample exports of encours: three
// weekly deliveries (as-of 2009-04-20, 2009-04-27, 2009-05-04) from the four
// wholesalers, each in its own layout, plus the broken, duplicate and lock
// files that exercise the file lifecycle. The data is fixed: writing them
// twice gives byte-identical files.
//
//	go run ./cmd/encours gen --samples samples
//
// It prints, for every row it placed on purpose (bad rows, skipped rows),
// its sheet and Excel row number: samples/GENERATED.txt is that list, and
// samples/EXPECTED.md is written from it and from the rules.
package samples

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/encours/encours/reconcile/xlsx"
)

const (
	nbsp    = "\u00a0"
	narrow  = "\u202f"
	week1   = "2009-04-20"
	week2   = "2009-04-27"
	week3   = "2009-05-04"
	noValue = int64(-1) // "cell left empty" for optional money cells
)

var weeks = []string{week1, week2, week3}

// Write rewrites dir/exports with the sample exports and dir/onboarding
// with the exports of wholesalers encours does not know yet, and prints to log
// the rows placed on purpose (the content of samples/GENERATED.txt).
func Write(dir string, log io.Writer) error {
	return (&gen{out: dir, log: log}).run()
}

type gen struct {
	out string
	log io.Writer
}

func (g *gen) run() error {
	if err := os.RemoveAll(filepath.Join(g.out, "exports")); err != nil {
		return err
	}
	for w := range weeks {
		if err := g.write(w, "actebis", "actebis-encours-"+weeks[w]+".xlsx", actebis(w)); err != nil {
			return err
		}
		if err := g.write(w, "etc", "ETC_export_"+strings.ReplaceAll(weeks[w], "-", "")+".xlsx", etc(w)); err != nil {
			return err
		}
		if err := g.write(w, "techdata", "TD_FR_credit_"+weeks[w]+".xlsx", techdata(w)); err != nil {
			return err
		}
		if w == 0 {
			if err := g.write(w, "ingram", "IM_customers_20090420.xlsx", ingram(w)); err != nil {
				return err
			}
		}
	}
	// Week 2: an Excel lock file beside Actebis' export (ignored) and a text
	// file named like a workbook at Tech Data (quarantined).
	lock := append([]byte{0x0b}, []byte("M. Lefebvre                                                  ")...)
	if err := g.raw(1, "actebis", "~$actebis-encours-2009-04-27.xlsx", "Excel lock file (ignored)", lock); err != nil {
		return err
	}
	text := "Bonjour,\r\nveuillez trouver ci-joint l'export des encours de la semaine.\r\nCordialement,\r\nService crédit Tech Data\r\n"
	if err := g.raw(1, "techdata", "export.xlsx", "plain text, not a workbook (quarantined)", []byte(text)); err != nil {
		return err
	}
	// Week 3: a legacy .xls (OLE2 compound file) renamed .xlsx at Actebis
	// (quarantined) and a byte-identical resend of Tech Data's week-2 file
	// under another name (duplicate).
	legacy := make([]byte, 1536)
	copy(legacy, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1})
	copy(legacy[8+16:], []byte{0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00})
	if err := g.raw(2, "actebis", "ancien-format.xlsx", "legacy OLE2/.xls signature (quarantined)", legacy); err != nil {
		return err
	}
	prev, err := os.ReadFile(filepath.Join(g.out, "exports", week2, "techdata", "TD_FR_credit_2009-04-27.xlsx"))
	if err != nil {
		return err
	}
	if err := g.raw(2, "techdata", "TD_FR_credit_2009-04-27 (renvoi).xlsx", "byte-identical copy of week 2 TD_FR_credit_2009-04-27.xlsx (duplicate)", prev); err != nil {
		return err
	}
	return g.writeOnboarding()
}

func (g *gen) raw(w int, wholesaler, name, what string, b []byte) error {
	dir := filepath.Join(g.out, "exports", weeks[w], wholesaler)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(g.log, "%s %s/%s: %d bytes, %s\n", weeks[w], wholesaler, name, len(b), what)
	return os.WriteFile(filepath.Join(dir, name), b, 0o644)
}

func (g *gen) write(w int, wholesaler, name string, wb *book) error {
	dir := filepath.Join(g.out, "exports", weeks[w], wholesaler)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := xlsx.WriteExport(f, wb.export()); err != nil {
		f.Close()
		return fmt.Errorf("%s/%s: %w", wholesaler, name, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, s := range wb.sheets {
		for i, r := range s.rows {
			if r.note != "" {
				fmt.Fprintf(g.log, "%s %s/%s [%s] row %d: %s\n", weeks[w], wholesaler, name, s.name, s.firstRow()+i, r.note)
			}
		}
		fmt.Fprintf(g.log, "%s %s/%s [%s] header row %d, %d data rows\n", weeks[w], wholesaler, name, s.name, len(s.title)+1, len(s.rows))
	}
	return nil
}

// ---------------------------------------------------------------- workbook model

type row struct {
	cells []any
	note  string // why this row is there (bad row, skipped row); printed
}

type sheet struct {
	name   string
	title  [][]any
	header []string
	widths []float64
	rows   []row
}

func (s *sheet) firstRow() int { return len(s.title) + 2 }

func (s *sheet) add(note string, cells ...any) {
	s.rows = append(s.rows, row{cells: cells, note: note})
}

type book struct {
	creator  string
	title    string
	date1904 bool
	sheets   []*sheet
}

// Cell kinds beyond plain Go values: xlsx's.
type (
	money    = xlsx.Money
	day      = xlsx.Day
	stamp    = xlsx.Stamp
	boldText = xlsx.Bold
)

func d(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
func dt(y, m, dd, h, mi int) time.Time {
	return time.Date(y, time.Month(m), dd, h, mi, 0, 0, time.UTC)
}

// export is the book as xlsx writes it.
func (b *book) export() xlsx.Export {
	e := xlsx.Export{Creator: b.creator, Title: b.title, Created: time.Date(2009, 4, 1, 6, 0, 0, 0, time.UTC), Date1904: b.date1904}
	for _, s := range b.sheets {
		rows := make([][]any, len(s.rows))
		for i, r := range s.rows {
			rows[i] = r.cells
		}
		e.Sheets = append(e.Sheets, xlsx.ExportSheet{Name: s.name, Title: s.title, Header: s.header, Widths: s.widths, Rows: slices.Values(rows)})
	}
	return e
}

// ---------------------------------------------------------------- shared data

var (
	trades  = []string{"Informatique", "Bureautique", "Micro", "Réseaux", "Télécom", "Systèmes", "Solutions", "Services Informatiques", "Numérique", "Data Conseil", "Logiciels", "PC Services"}
	regions = []string{"du Berry", "de l'Yonne", "Lorraine", "d'Armor", "Comtoise", "de la Drôme", "Charentaise", "du Léman", "Ardennaise", "de Gascogne", "Vendéenne", "du Quercy", "Beauceronne", "de l'Hérault", "Angevine", "du Cotentin", "Picarde", "de Touraine", "Périgourdine"}
	forms   = []string{"SARL", "SAS", "EURL", "SA", "SASU"}
)

// name is a fixed, realistic reseller name for index i of a wholesaler.
func name(seed, i int) string {
	k := seed*31 + i
	return fmt.Sprintf("%s %s %s", trades[k%len(trades)], regions[(k*7+seed)%len(regions)], forms[(k/3)%len(forms)])
}

// siren returns a 9-digit SIREN with a valid Luhn key.
func siren(seed, i int) string {
	base := fmt.Sprintf("%08d", (31415926+seed*1234567+i*7919)%100000000)
	if base[0] == '0' {
		base = "3" + base[1:]
	}
	for k := 0; k <= 9; k++ {
		s := base + fmt.Sprint(k)
		if luhn(s) {
			return s
		}
	}
	panic("unreachable")
}

func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		n := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// filler returns the (limit, outstanding) in cents of an ordinary account
// whose outstanding always stays below its insured limit.
func filler(i, w int) (int64, int64) {
	limit := int64(5+(i*7)%36) * 1000 * 100
	pct := int64(20 + (i*13+w*5)%70)
	out := limit*pct/100 + int64((i*37)%100)
	return limit, out
}

// fr writes cents the French way, as text: variant 0 "12 340,00 €" with
// NBSP, 1 with narrow NBSP and no sign, 2 "12.340,00", 3 "12 340,00 €" with
// narrow NBSP. Negative amounts are written in parentheses.
func fr(c int64, variant int) string {
	neg := c < 0
	if neg {
		c = -c
	}
	sep := nbsp
	switch variant % 4 {
	case 1, 3:
		sep = narrow
	case 2:
		sep = "."
	}
	s := group(c/100, sep) + fmt.Sprintf(",%02d", c%100)
	if neg {
		return "(" + s + ")"
	}
	if variant%4 == 0 || variant%4 == 3 {
		s += nbsp + "€"
	}
	return s
}

// en writes cents as "12,340.50".
func en(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := group(c/100, ",") + fmt.Sprintf(".%02d", c%100)
	if neg {
		return "-" + s
	}
	return s
}

func group(n int64, sep string) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func asOf(w int) time.Time {
	t, _ := time.Parse("2006-01-02", weeks[w])
	return t
}

// ---------------------------------------------------------------- Actebis

// topUp is one Actebis account with a designed mezzanine outcome; index w of
// each array is week w. An empty status means the account is absent that week.
type topUp struct {
	id, name string
	status   [3]string
	limit    [3]int64
	out      [3]int64
	applied  [3]int64
}

func e(euros float64) int64 { // euros → cents, for readable tables
	if euros < 0 {
		return int64(euros*100 - 0.5)
	}
	return int64(euros*100 + 0.5)
}

var mezzanine = []topUp{
	{"C1001", "Informatique Durand SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(9000), e(9000), e(9000)}, [3]int64{e(12340), e(12340), e(12340)}, [3]int64{e(3400), e(3400), e(3400)}},
	{"C1002", "Bureautique Méditerranée SAS", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(10000), e(10000), e(10000)}, [3]int64{e(22500), e(22500), e(23100)}, [3]int64{e(5000), e(5000), e(5000)}},
	{"C1003", "L'Atelier Numérique SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(15000), e(15000), e(15000)}, [3]int64{e(17000), e(17000), e(17000)}, [3]int64{e(2000), e(2000), e(2000)}},
	{"C1004", "Réseaux & Systèmes de l'Ouest SAS", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(8000), e(8000), e(8000)}, [3]int64{e(8000.01), e(8000.01), e(8000.01)}, [3]int64{noValue, e(100), e(100)}},
	{"C1005", "Micro-Services Lyonnais SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(12000), e(12000), e(12000)}, [3]int64{e(12000), e(12000), e(12000)}, [3]int64{noValue, noValue, noValue}},
	{"C1006", "Compétences Informatiques SA", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(20000), e(20000), e(20000)}, [3]int64{e(21250), e(22720), e(22720)}, [3]int64{e(1300), e(2800), e(2800)}},
	{"C1007", "Côte d'Azur Bureautique SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(10000), e(10000), e(10000)}, [3]int64{e(14100), e(10900), e(7500)}, [3]int64{e(4100), e(4100), e(4100)}},
	{"C1008", "Alsace Micro Distribution SARL", [3]string{"Actif", "Radié", "Radié"},
		[3]int64{e(5000), e(5000), e(5000)}, [3]int64{e(7500), e(7500), e(7500)}, [3]int64{e(2500), noValue, noValue}},
	{"C1009", "Ordi'Services Normandie EURL", [3]string{"Radié", "Radié", "Radié"},
		[3]int64{e(5000), e(5000), e(5000)}, [3]int64{e(9000), e(9000), e(9000)}, [3]int64{noValue, noValue, noValue}},
	{"C1010", "Solutions Réseaux Bretagne SAS", [3]string{"Actif", "", ""},
		[3]int64{e(6000), 0, 0}, [3]int64{e(7750), 0, 0}, [3]int64{e(1800), 0, 0}},
	{"C1011", "Info Conseil Picardie SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(10000), e(10000), e(10000)}, [3]int64{e(10550), e(10550), e(10550)}, [3]int64{e(1000), e(600), e(600)}},
	{"C1012", "Provence Informatique SAS", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(30000), e(30000), e(30000)}, [3]int64{e(32150.50), e(32150.50), e(32150.50)}, [3]int64{e(2000), e(2200), e(2200)}},
	{"C1013", "Midi-Pyrénées Bureautique SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(25000), e(25000), e(25000)}, [3]int64{e(18000), e(18000), e(18000)}, [3]int64{noValue, e(1500), noValue}},
	{"C1014", "Aquitaine Solutions Informatiques SAS", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(10000), e(10000), e(10000)}, [3]int64{e(9000), e(14999.99), e(14999.99)}, [3]int64{noValue, e(5000), e(5000)}},
	{"C1015", "Lorraine Télécom & Informatique SARL", [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(15000), e(15000), e(15000)}, [3]int64{e(14000), e(14000), e(16020)}, [3]int64{noValue, noValue, noValue}},
	{"C1016", `=HYPERLINK("http://x","clic")`, [3]string{"Actif", "Actif", "Actif"},
		[3]int64{e(7000), e(7000), e(7000)}, [3]int64{e(3500), e(3600), e(3700)}, [3]int64{noValue, noValue, noValue}},
	{"C1017", "Savoie Net SARL", [3]string{"Actif", "Actif", "Radié"},
		[3]int64{e(4000), e(4000), e(4000)}, [3]int64{e(4050), e(4050), e(4050)}, [3]int64{e(100), e(100), e(100)}},
}

func actebis(w int) *book {
	s := &sheet{
		name: "Encours",
		title: [][]any{
			{boldText("Export encours clients — Actebis")},
			{"Date d'extraction :", day(asOf(w))},
			{},
		},
		header: []string{"Code client", "Raison sociale", "SIREN", "Statut", "Limite assurée", "Encours", "Ligne Microsoft", "Date dernière facture"},
		widths: []float64{12, 40, 12, 10, 16, 16, 16, 20},
	}
	amt := func(c int64) any {
		if c == noValue {
			return nil
		}
		return money(c)
	}
	for i, a := range mezzanine {
		if a.status[w] == "" {
			continue
		}
		s.add("", a.id, a.name, siren(1, i), a.status[w], money(a.limit[w]), money(a.out[w]), amt(a.applied[w]), day(d(2009, 4, 1+i%15)))
		if i == 7 {
			s.add("empty row (skipped silently)")
		}
	}
	for i := 0; i < 30; i++ {
		lim, out := filler(i, w)
		s.add("", fmt.Sprintf("C%d", 1020+i), name(1, i), siren(1, 100+i), "Actif", money(lim), money(out), nil, day(d(2009, 3, 2+i%27)))
	}
	s.add("rejected: Code client missing", nil, "Établissements Martin SARL", siren(1, 200), "Actif", money(e(8000)), money(e(9500)), nil, day(d(2009, 4, 2)))
	s.add("rejected: Encours unreadable (\"n.c.\")", "C1090", "Numéri'Centre SARL", siren(1, 201), "Actif", money(e(10000)), "n.c.", nil, day(d(2009, 4, 3)))
	s.add("rejected: Statut unknown (\"Suspendu\")", "C1091", "Val de Loire Informatique SARL", siren(1, 202), "Suspendu", money(e(6000)), money(e(9000)), nil, day(d(2009, 4, 6)))
	s.add("rejected: Limite assurée negative (-2 000,00)", "C1092", "Hexagone PC SAS", siren(1, 203), "Actif", money(e(-2000)), money(e(1500)), nil, day(d(2009, 4, 7)))
	s.add("rejected: duplicate Code client C1005 (first row kept)", "C1005", "Micro-Services Lyonnais SARL (doublon)", siren(1, 4), "Actif", money(e(1000)), money(e(9000)), nil, day(d(2009, 4, 8)))
	s.add("empty row (skipped silently)")
	var lim, out int64
	for _, r := range s.rows {
		if len(r.cells) > 5 && r.note == "" {
			lim += int64(r.cells[4].(money))
			out += int64(r.cells[5].(money))
		}
	}
	s.add("totals row (skipped silently)", nil, "Total", nil, nil, money(lim), money(out))
	return &book{creator: "Actebis Computer — crédit clients", title: "Export encours clients", sheets: []*sheet{s}}
}

// ---------------------------------------------------------------- ETC

type etcOrder struct {
	id, reseller string
	date         any // day, or a string for an unreadable date
	product, cat string
	amount       any // cents as int64, or a string for an unreadable amount
	note         string
}

const office = "Microsoft Office Small Business 2007 OEM"

func etcOrders(w int) []etcOrder {
	switch w {
	case 0:
		return []etcOrder{
			{"O-09-1001", "R-20001", day(d(2009, 4, 6)), office, "OEM", e(1200), ""},
			{"O-09-1002", "R-20002", day(d(2009, 4, 8)), "Office Basic 2007 OEM", "OEM", e(600), ""},
			{"O-09-1002", "R-20002", day(d(2009, 4, 8)), "Office Professional 2007 OEM 1PK", "OEM", e(450), ""},
			{"O-09-1002", "R-20002", day(d(2009, 4, 8)), "Windows Vista Business OEM", "OEM", e(800), ""},
			{"O-09-1003", "R-20003", day(d(2009, 4, 9)), "Office Home and Student 2007 OEM", "OEM", e(700), ""},
			{"O-09-1003", "R-20003", day(d(2009, 4, 9)), "Windows XP Professional OEM", "OEM", e(500), ""},
			{"O-09-1004", "R-20004", day(d(2009, 4, 10)), "Office Standard 2007 OEM", "OEM", e(999.99), ""},
			{"O-09-1005", "R-20005", day(d(2009, 4, 14)), "MS OFFICE PRO 2007 OEM", "oem", e(1000), ""},
			{"O-09-1006", "R-20006", day(d(2009, 4, 15)), "Office Standard 2007 Open License", "Licences en volume", e(3000), ""},
			{"O-09-1007", "R-20007", day(d(2009, 4, 15)), "Windows Server 2008 Standard OEM", "OEM", e(2500), ""},
			{"O-09-1008", "R-20008", day(d(2009, 3, 16)), office, "OEM", e(1500), ""},
			{"O-09-1009", "R-20009", day(d(2009, 3, 31)), "Office Professional 2007 OEM", "OEM", e(1300), ""},
			{"O-08-0810", "R-20010", day(d(2008, 8, 31)), "Office Basic 2007 OEM", "OEM", e(2000), ""},
			{"O-08-1021", "R-20011", day(d(2008, 10, 21)), office, "OEM", e(1100), ""},
			{"O-08-1028", "R-20012", day(d(2008, 10, 28)), office, "OEM", e(1050), ""},
			{"O-08-1121", "R-20013", day(d(2008, 11, 21)), office, "OEM", e(1400), ""},
			{"O-08-1122", "R-20014", day(d(2008, 11, 22)), office, "OEM", e(1400), ""},
			{"O-09-1015", "R-99999", day(d(2009, 4, 16)), office, "OEM", e(1500), "rejected: N° client R-99999 unknown reseller"},
			{"O-09-1016", "R-20016", day(d(2009, 4, 24)), office, "OEM", e(1250), "rejected: Date commande 24/04/2009 after as-of"},
			{"O-09-1017", "R-20017", day(d(2009, 4, 7)), office, "OEM", e(2000), ""},
			{"O-09-1018", "R-20018", day(d(2009, 4, 1)), office, "OEM", e(1200), ""},
			{"O-09-0955", "R-20018", day(d(2009, 2, 2)), "Office Basic 2007 OEM", "OEM", e(1000), ""},
			{"O-09-1020", "R-20019", day(d(2009, 4, 2)), office, "OEM", e(1800), ""},
			{"", "R-20021", day(d(2009, 4, 3)), office, "OEM", e(1500), "rejected: N° commande missing"},
			{"O-09-1022", "R-20022", day(d(2009, 4, 3)), office, "OEM", "mille cinq cents", "rejected: Montant HT unreadable"},
			{"O-09-1023", "R-20023", "à confirmer", office, "OEM", e(1500), "rejected: Date commande unreadable"},
		}
	case 1:
		return []etcOrder{
			{"O-09-1001", "R-20001", day(d(2009, 4, 6)), office, "OEM", e(1200), ""},
			{"O-09-1016", "R-20016", day(d(2009, 4, 24)), office, "OEM", e(1250), ""},
			{"O-09-2008", "R-20008", day(d(2009, 4, 22)), "Office Professional 2007 OEM", "OEM", e(1100), ""},
			{"O-09-2010", "R-20024", day(d(2009, 4, 23)), "Office Home and Student 2007 OEM", "OEM", e(450), ""},
			{"O-09-2011", "R-20025", "31/04/2009", office, "OEM", e(1300), "rejected: Date commande unreadable (31/04/2009)"},
		}
	default:
		return []etcOrder{
			{"O-09-3001", "R-20001", day(d(2009, 4, 29)), "Office Professional 2007 OEM", "OEM", e(1300), ""},
			{"O-09-3002", "R-20019", day(d(2009, 4, 30)), office, "OEM", e(1500), ""},
			{"O-09-3003", "R-20026", day(d(2009, 5, 4)), office, "OEM", e(1000), ""},
			{"O-09-3004", "R-20027", day(d(2009, 5, 5)), office, "OEM", e(2000), "rejected: Date commande 05/05/2009 after as-of"},
		}
	}
}

func etc(w int) *book {
	acc := &sheet{
		name:   "Clients",
		header: []string{"N° client", "Nom du revendeur", "SIREN", "État du compte", "Plafond assuré", "Encours TTC", "Commercial"},
		widths: []float64{12, 40, 12, 16, 18, 18, 18},
	}
	sales := []string{"M. Girard", "Mme Roux", "M. Fontaine", "Mme Chevalier"}
	for i := 1; i <= 50; i++ {
		id := fmt.Sprintf("R-%d", 20000+i)
		nm := name(2, i)
		switch i {
		case 4:
			nm = "L'Éclair Informatique SARL"
		case 9:
			nm = "=2+3 Conseil SARL"
		case 20:
			nm = "Bureautique Saint-Étienne & Fils SAS"
		}
		st := "Actif"
		switch {
		case i == 17:
			st = "Résilié"
		case i == 19 && w == 2:
			st = "Résilié"
		case i == 44:
			st = "Fermé"
		case i == 48:
			st = "actif"
		}
		lim, out := filler(i, w)
		outText := fr(out, i)
		if i%11 == 3 {
			outText = fr(-e(1234), 0) // credit balance
		}
		acc.add("", id, nm, siren(2, i), st, fr(lim, i+1), outText, sales[i%4])
		if i == 25 {
			acc.add("empty row (skipped silently)")
		}
	}
	acc.add("rejected: N° client missing", nil, "Compagnie Générale d'Informatique SA", siren(2, 300), "Actif", fr(e(20000), 0), fr(e(5000), 0), "M. Girard")
	acc.add("rejected: État du compte unknown (\"En sommeil\")", "R-20091", "Dauphiné Micro SARL", siren(2, 301), "En sommeil", fr(e(8000), 1), fr(e(2000), 1), "Mme Roux")
	acc.add("rejected: Plafond assuré negative", "R-20092", "Infogérance du Nord SAS", siren(2, 302), "Actif", "-3"+nbsp+"000,00"+nbsp+"€", fr(e(1000), 0), "M. Fontaine")
	acc.add("rejected: duplicate N° client R-20030 (first row kept)", "R-20030", name(2, 30)+" (doublon)", siren(2, 30), "Actif", fr(e(1000), 0), fr(e(999), 0), "Mme Chevalier")
	acc.add("rejected: Encours TTC unreadable (\"NC\")", "R-20093", "Arverne Bureautique EURL", siren(2, 303), "Actif", fr(e(5000), 0), "NC", "M. Girard")
	acc.add("totals row (skipped silently)", "TOTAL", nil, nil, nil, nil, nil, nil)

	ord := &sheet{
		name:   "Commandes",
		header: []string{"N° commande", "N° client", "Date commande", "Désignation", "Famille", "Montant HT"},
		widths: []float64{14, 12, 14, 44, 20, 16},
	}
	for _, o := range etcOrders(w) {
		var id any = o.id
		if o.id == "" {
			id = nil
		}
		var amount any
		switch x := o.amount.(type) {
		case int64:
			amount = fr(x, len(ord.rows))
		default:
			amount = x
		}
		ord.add(o.note, id, o.reseller, o.date, o.product, o.cat, amount)
	}
	ord.add("empty row (skipped silently)")
	ord.add("totals row (skipped silently)", "Total commandes", nil, nil, nil, nil, nil)
	return &book{creator: "ETC — Direction financière", title: "Export clients et commandes", sheets: []*sheet{acc, ord}}
}

// ---------------------------------------------------------------- Tech Data

type finOrder struct {
	id       string
	reseller any
	date     string
	product  string
	amount   any
	payment  string
	accepted string
	paid     string
	note     string
}

func techdataOrders(w int) []finOrder {
	switch w {
	case 0:
		return []finOrder{
			{"TD-58001", 400101, "04/14/2009", "Office Professional 2007 OEM", e(2450), "Microsoft Financing", "04/14/2009 08:00", "04/15/2009 17:30", ""},
			{"TD-58002", 400102, "04/14/2009", "Windows Server 2008 Standard", e(3890), "Microsoft Financing", "04/14/2009 09:00", "04/16/2009 09:00", ""},
			{"TD-58003", 400103, "04/13/2009", "Exchange Server 2007 Standard", e(5120.40), "Microsoft Financing", "04/13/2009 10:00", "04/15/2009 12:00", ""},
			{"TD-58004", 400104, "04/15/2009", "SQL Server 2008 Workgroup", e(1875), "Microsoft Financing", "04/15/2009 08:00", "04/17/2009 08:01", ""},
			{"TD-58005", 400105, "04/17/2009", "Small Business Server 2008 Premium", e(4310), "MICROSOFT FINANCING", "04/17/2009", "", ""},
			{"TD-58006", 400106, "04/18/2009", "Office Small Business 2007", e(1290), "Microsoft Financing", "04/18/2009 10:00", "", ""},
			{"TD-58007", 400107, "04/08/2009", "Dynamics NAV 2009 licences", e(8600), "Microsoft Financing", "04/08/2009", "04/10/2009", ""},
			{"TD-58008", 400108, "04/16/2009", "HP ProLiant ML350 G6", e(2980), "Wire transfer", "", "", ""},
			{"TD-58009", 400109, "04/16/2009", "Windows Vista Business OEM", e(640), "Credit card", "04/10/2009", "", ""},
			{"TD-58010", 400110, "13/04/2009", "Office Standard 2007", e(990), "Wire transfer", "", "", "rejected: Order Date unreadable (13/04/2009 is not month/day/year)"},
			{"TD-58011", 499999, "04/15/2009", "Office Standard 2007", e(1200), "Wire transfer", "", "", "rejected: Account ID 499999 unknown reseller"},
			{"TD-58012", 400112, "04/22/2009", "Windows Server 2008 Standard", e(3100), "Microsoft Financing", "04/22/2009 10:00", "", "rejected: Order Date 04/22/2009 after as-of"},
			{"TD-58013", 400113, "04/16/2009", "Project 2007 Standard", "TBD", "Wire transfer", "", "", "rejected: Net Amount unreadable (\"TBD\")"},
			{"TD-58014", 400114, "04/16/2009", "Visio 2007 Professional", e(720), "Microsoft Financing", "04/31/2009 10:00", "", "rejected: Financing Accepted unreadable (04/31/2009)"},
		}
	case 1:
		return []finOrder{
			{"TD-58101", 400110, "04/21/2009", "Office Professional 2007", e(1980), "Microsoft Financing", "04/21/2009 11:00", "04/22/2009 15:00", ""},
			{"TD-58102", 400111, "04/20/2009", "Windows Server 2008 Enterprise", e(6240), "Microsoft Financing", "04/20/2009 16:00", "04/23/2009 09:15", ""},
			{"TD-58103", 400112, "04/24/2009", "Small Business Server 2008 Standard", e(2150), "Microsoft Financing", "04/24/2009 08:00", "", ""},
			{"TD-58104", 400113, "04/25/2009", "Office Small Business 2007", e(1430), "Microsoft Financing", "04/25/2009 00:00", "", ""},
			{"TD-58105", nil, "04/22/2009", "Office Standard 2007", e(800), "Wire transfer", "", "", "rejected: Account ID missing"},
		}
	default:
		return []finOrder{
			{"TD-58201", 400114, "04/28/2009", "Exchange Server 2007 Standard", e(3300), "Microsoft Financing", "04/28/2009 14:00", "04/30/2009 14:00", ""},
			{"TD-58202", 400115, "04/29/2009", "SQL Server 2008 Standard", e(5890), "Microsoft Financing", "04/29/2009 09:30", "05/02/2009 10:00", ""},
			{"TD-58203", 400116, "04/30/2009", "Windows Server 2008 Standard", e(2760), "Microsoft Financing", "04/30/2009 18:00", "", ""},
		}
	}
}

func techdata(w int) *book {
	acc := &sheet{
		name: "Accounts",
		title: [][]any{
			{boldText("Tech Data France - Credit exposure report")},
			{"Generated: " + asOf(w).Format("01/02/2006") + " 06:00"},
		},
		header: []string{"Account ID", "Company Name", "SIREN", "Account Status", "Insured Credit Limit", "Outstanding Balance", "Sales Rep"},
		widths: []float64{12, 40, 12, 16, 20, 20, 16},
	}
	reps := []string{"J. Martin", "S. Bernard", "P. Morel"}
	for i := 1; i <= 44; i++ {
		nm := name(3, i)
		switch i {
		case 5:
			nm = "@Home Informatique SAS"
		case 12:
			nm = "Les Ateliers d'Émile SARL"
		}
		st := "Active"
		switch i {
		case 30, 41:
			st = "Closed"
		case 35:
			st = "ACTIVE"
		}
		lim, out := filler(i+50, w)
		var limV, outV any = money(lim), money(out)
		if i%3 == 0 {
			limV, outV = en(lim), en(out)
		}
		acc.add("", 400100+i, nm, siren(3, i), st, limV, outV, reps[i%3])
		if i == 22 {
			acc.add("empty row (skipped silently)")
		}
	}
	acc.add("rejected: Account ID missing", nil, "Groupe Informatique Rhône-Alpes SA", siren(3, 300), "Active", money(e(15000)), money(e(4000)), "J. Martin")
	acc.add("rejected: Insured Credit Limit negative (-15,000.00)", 400191, "Normandie Systèmes SAS", siren(3, 301), "Active", en(e(-15000)), money(e(2000)), "S. Bernard")
	acc.add("rejected: Account Status unknown (\"On hold\")", 400192, "Var Micro EURL", siren(3, 302), "On hold", money(e(5000)), money(e(1000)), "P. Morel")
	acc.add("rejected: duplicate Account ID 400120 (first row kept)", 400120, name(3, 20), siren(3, 20), "Active", money(e(1000)), money(e(50000)), "J. Martin")
	acc.add("rejected: Outstanding Balance unreadable (\"n/a\")", 400193, "Pays Basque Informatique SARL", siren(3, 303), "Active", money(e(9000)), "n/a", "S. Bernard")
	acc.add("totals row (skipped silently)", "Total", nil, nil, nil, nil, nil, nil)

	ord := &sheet{
		name:   "Orders",
		header: []string{"Order No", "Account ID", "Order Date", "Item Description", "Product Category", "Net Amount", "Payment Method", "Financing Accepted", "Financing Paid"},
		widths: []float64{12, 12, 12, 36, 16, 14, 22, 20, 20},
	}
	for _, o := range techdataOrders(w) {
		var amount any = o.amount
		if c, ok := o.amount.(int64); ok {
			amount = en(c)
			if len(ord.rows)%2 == 1 {
				amount = money(c)
			}
		}
		nz := func(s string) any {
			if s == "" {
				return nil
			}
			return s
		}
		ord.add(o.note, o.id, o.reseller, o.date, o.product, "Software", amount, o.payment, nz(o.accepted), nz(o.paid))
	}
	ord.add("empty row (skipped silently)")
	ord.add("totals row (skipped silently)", "Total", nil, nil, nil, nil, nil, nil, nil, nil)
	return &book{creator: "Tech Data France", title: "Credit exposure report", sheets: []*sheet{acc, ord}}
}

// ---------------------------------------------------------------- Ingram Micro

func ingram(w int) *book {
	acc := &sheet{
		name: "Customers",
		title: [][]any{
			{boldText("Ingram Micro France — Customer credit exposure")},
			{"Report date", day(asOf(w))},
		},
		header: []string{"Customer No.", "Customer Name", "SIREN", "Status", "Credit limit (insured)", "Balance", "Last review"},
		widths: []float64{14, 40, 12, 10, 22, 16, 14},
	}
	for i := 1; i <= 45; i++ {
		nm := name(4, i)
		switch i {
		case 7:
			nm = "+33 Réseaux SARL"
		case 15:
			nm = "D'Artagnan Solutions SAS"
		}
		st := "OK"
		switch i {
		case 23:
			st = "Closed"
		case 31:
			st = "Active"
		}
		lim, out := filler(i+100, w)
		acc.add("", fmt.Sprintf("FR-%06d", 100+i), nm, siren(4, i), st, money(lim), money(out), day(d(2009, 1+i%3, 1+i%28)))
		if i == 40 {
			acc.add("empty row (skipped silently)")
		}
	}
	acc.add("rejected: Customer No. missing", nil, "Sud-Ouest Distribution Informatique SAS", siren(4, 300), "OK", money(e(12000)), money(e(3000)), day(d(2009, 2, 2)))
	acc.add("rejected: Status unknown (\"Pending\")", "FR-000191", "Bourgogne PC SARL", siren(4, 301), "Pending", money(e(7000)), money(e(1000)), day(d(2009, 2, 3)))
	acc.add("rejected: Credit limit (insured) negative", "FR-000192", "Centre Réseaux EURL", siren(4, 302), "OK", money(e(-500)), money(e(100)), day(d(2009, 2, 4)))
	acc.add("rejected: duplicate Customer No. FR-000110 (first row kept)", "FR-000110", name(4, 10), siren(4, 10), "OK", money(e(100)), money(e(90000)), day(d(2009, 2, 5)))
	acc.add("rejected: Balance unreadable (\"N/A\")", "FR-000193", "Limousin Data SAS", siren(4, 303), "OK", money(e(4000)), "N/A", day(d(2009, 2, 6)))
	acc.add("totals row (skipped silently)", "Total customers: 45", nil, nil, nil, money(0), money(0), nil)

	ord := &sheet{
		name:   "Orders",
		header: []string{"Order Ref", "Customer No.", "Order Date", "Description", "Product Class", "Amount EUR", "Payment Terms", "Financing Approved", "Financing Paid"},
		widths: []float64{12, 14, 12, 36, 16, 14, 22, 20, 20},
	}
	st := func(t time.Time) any { return stamp(t) }
	ord.add("", "IM-77001", "FR-000101", "2009/04/14", "Windows Server 2008 Standard", "Software", money(e(3450)), "Microsoft Financing", st(dt(2009, 4, 14, 8, 0)), st(dt(2009, 4, 16, 8, 0)))
	ord.add("", "IM-77002", "FR-000102", "2009/04/10", "Office Professional 2007", "Software", money(e(2890)), "Microsoft Financing", st(dt(2009, 4, 10, 8, 0)), st(dt(2009, 4, 13, 14, 0)))
	ord.add("", "IM-77003", "FR-000103", "2009/04/16", "Exchange Server 2007 Standard", "Software", money(e(4120)), "Microsoft Financing", st(dt(2009, 4, 16, 17, 0)), nil)
	ord.add("", "IM-77004", "FR-000104", "2009/04/15", "SQL Server 2008 Standard", "Software", money(e(5200)), "Microsoft financing", st(dt(2009, 4, 15, 8, 0)), st(dt(2009, 4, 17, 7, 59)))
	ord.add("", "IM-77005", "FR-000105", "2009/04/17", "Lenovo ThinkCentre M58", "Hardware", money(e(1740)), "Bank transfer", nil, nil)
	ord.add("rejected: Order Date unreadable (2009/13/01)", "IM-77006", "FR-000106", "2009/13/01", "Office Standard 2007", "Software", money(e(990)), "Bank transfer", nil, nil)
	ord.add("rejected: Amount EUR unreadable (\"N/A\")", "IM-77007", "FR-000107", "2009/04/15", "Visio 2007 Standard", "Software", "N/A", "Bank transfer", nil, nil)
	ord.add("totals row (skipped silently)", "Total", nil, nil, nil, nil, money(e(17400)), nil, nil, nil)
	return &book{creator: "Ingram Micro France", title: "Customer credit exposure", date1904: true, sheets: []*sheet{acc, ord}}
}
