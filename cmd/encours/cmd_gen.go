package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

// excelMaxRows is the last row of a worksheet.
const excelMaxRows = 1048576

// cmdGen is `encours gen --config FILE --wholesaler ID --rows N [--orders M]
// --out FILE.xlsx [--seed S] [--as-of YYYY-MM-DD]`: it writes a large export
// in that wholesaler's configured layout, for benchmarks and load tests.
//
// It is the only place outside reconcile/xlsx that imports excelize, like
// cmd/samplegen: it writes test data, never a report.
func (m *Main) cmdGen(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	wid := fs.String("wholesaler", "", "wholesaler id whose layout to write")
	rows := fs.Int("rows", 1000, "accounts data rows")
	orders := fs.Int("orders", 0, "order rows (needs an orders layout)")
	out := fs.String("out", "", "the .xlsx to write")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same rows")
	asOfText := fs.String("as-of", "", "orders are dated in the 90 days up to this date (default today)")
	short := fs.Int("short", 10, "percent of accounts over their insured limit (at most 98: 2% are terminated)")
	if err := fs.Parse(args); err != nil {
		return usagef("gen: %v", err)
	}
	if *cfgPath == "" || *wid == "" || *out == "" {
		return usagef("gen: --config FILE, --wholesaler ID and --out FILE.xlsx are required")
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	w, ok := cfg.Wholesaler(*wid)
	if !ok {
		return usagef("gen: no wholesaler %q in %s", *wid, *cfgPath)
	}
	asOf := reconcile.DateIn(m.Now().In(cfg.Location))
	if *asOfText != "" {
		if asOf, err = reconcile.ParseISO(*asOfText); err != nil {
			return usagef("gen: --as-of: %v", err)
		}
	}
	g := &generator{l: w.Layout, rnd: rand.New(rand.NewPCG(*seed, 0x656e636f757273)), asOf: asOf,
		prefix: strings.ToUpper(w.ID[:min(2, len(w.ID))])}
	if *rows < 1 || *rows > excelMaxRows-g.titleRows()-1 {
		return usagef("gen: --rows must be between 1 and %d", excelMaxRows-g.titleRows()-1)
	}
	if *short < 0 || *short > 98 {
		return usagef("gen: --short must be between 0 and 98 (percent)")
	}
	g.short = *short
	if *orders < 0 || *orders > excelMaxRows-1 {
		return usagef("gen: --orders must be between 0 and %d", excelMaxRows-1)
	}
	if *orders > 0 && w.Layout.Orders == nil {
		return usagef("gen: wholesaler %q has no orders layout", *wid)
	}
	start := m.Now()
	if err := g.write(*out, *rows, *orders); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	info, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s: %d accounts, %d order rows, %d bytes in %s\n",
		*out, *rows, *orders, info.Size(), m.Now().Sub(start).Round(time.Millisecond))
	return nil
}

// generator writes one synthetic export.
type generator struct {
	l      layout.Layout
	rnd    *rand.Rand
	asOf   reconcile.Date
	prefix string
	date   int // style id of real dates
	stamp  int // style id of date-times
	ids    []string
	active []int // indexes into ids of active resellers
	short  int   // percent of accounts over their insured limit
}

// titleRows is the title block above the accounts header.
func (g *generator) titleRows() int { return 3 }

// filler columns bring the accounts sheet to about 12 columns, as real
// exports carry addresses and contacts encours does not read.
var filler = []string{"Adresse", "Code postal", "Ville", "Téléphone", "Commercial", "Segment", "Date création"}

func alias(s layout.Sheet, field string) string {
	if a := s.Columns[field]; len(a) > 0 {
		return a[0]
	}
	return field
}

func (g *generator) write(path string, rows, orders int) error {
	f := excelize.NewFile()
	defer f.Close()
	var err error
	if g.date, err = f.NewStyle(&excelize.Style{NumFmt: 14}); err != nil {
		return err
	}
	if g.stamp, err = f.NewStyle(&excelize.Style{NumFmt: 22}); err != nil {
		return err
	}
	acc := g.l.Accounts.Name
	if acc == "" {
		acc = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", acc); err != nil {
		return err
	}
	if err := g.accounts(f, acc, rows); err != nil {
		return err
	}
	if orders > 0 {
		name := g.l.Orders.Name
		if name == "" {
			name = "Orders"
		}
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := g.orders(f, name, orders); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gen-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := f.Write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// money writes an amount mostly as a number cell, and one in seven as
// text in the layout's own writing ("12 340,00 €"), as hand-kept sheets do.
func (g *generator) money(c int64, i int) any {
	if i%7 != 3 {
		return float64(c) / 100
	}
	units, cents := c/100, c%100
	neg := c < 0
	if neg {
		units, cents = -units, -cents
	}
	digits := strconv.FormatInt(units, 10)
	sep, dec := "\u00a0", ","
	if g.l.Decimal == layout.DecimalPoint {
		sep, dec = ",", "."
	}
	var b strings.Builder
	for k, r := range digits {
		if k > 0 && (len(digits)-k)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("%s%s%02d", b.String(), dec, cents)
	if g.l.Decimal != layout.DecimalPoint {
		s += " €"
	}
	if neg {
		s = "(" + s + ")"
	}
	return s
}

func (g *generator) serial(d reconcile.Date) float64 {
	return float64(d - reconcile.DateOf(1899, time.December, 30))
}

var (
	cities  = []string{"Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes", "Bordeaux", "Strasbourg", "Rennes", "Nice"}
	streets = []string{"rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo", "place du Marché", "chemin des Vignes"}
	forms   = []string{"SARL", "SAS", "SA", "EURL", "SNC"}
	sellers = []string{"M. Durand", "Mme Petit", "M. Moreau", "Mme Lefebvre", "M. Garnier", "Mme Roux"}
	segs    = []string{"PME", "Grands comptes", "Revendeur", "Intégrateur", "Éducation"}
)

func (g *generator) accounts(f *excelize.File, sheet string, n int) error {
	s := g.l.Accounts
	fields := append(append([]string{}, layout.AccountFields...), layout.AccountOptionalFields...)
	var head []string
	var mapped []string
	for _, fd := range fields {
		if _, ok := s.Columns[fd]; ok || contains(layout.AccountFields, fd) {
			head = append(head, alias(s, fd))
			mapped = append(mapped, fd)
		}
	}
	for _, x := range filler {
		if len(head) >= 12 {
			break
		}
		head = append(head, x)
		mapped = append(mapped, x)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"Export des encours clients"}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{"Édité le " + g.asOf.String()}); err != nil {
		return err
	}
	hdr := make([]any, len(head))
	for i, h := range head {
		hdr[i] = h
	}
	hr := g.titleRows() + 1
	if err := sw.SetRow("A"+strconv.Itoa(hr), hdr); err != nil {
		return err
	}
	terminated := "terminated"
	if t := s.StatusValues["terminated"]; len(t) > 0 {
		terminated = t[0]
	}
	g.ids = make([]string, n)
	row := make([]any, len(head))
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s%07d", g.prefix, i+1)
		g.ids[i] = id
		r := g.rnd
		limit := int64(r.IntN(50)+1) * 100_000 // 1 000 to 50 000 €
		out := limit * int64(r.IntN(90)+5) / 100
		status := "actif"
		switch x := r.IntN(100); {
		case x < 2:
			status = terminated
		case x < 2+g.short: // over the insured limit
			out = limit + int64(r.IntN(800_000)) + 1
		}
		if status != terminated {
			g.active = append(g.active, i)
		}
		if r.IntN(500) == 0 {
			out = -int64(r.IntN(100_000)) // a credit balance
		}
		for k, fd := range mapped {
			switch fd {
			case "reseller_id":
				row[k] = id
			case "reseller_name":
				row[k] = fmt.Sprintf("%s %s %07d", forms[r.IntN(len(forms))], cities[r.IntN(len(cities))], i+1)
			case "status":
				row[k] = status
			case "insured_limit":
				row[k] = g.money(limit, i)
			case "outstanding":
				row[k] = g.money(out, i+1)
			case "siren":
				row[k] = sirenOf(300_000_000+r.IntN(600_000_000), i)
			case "applied_line":
				if r.IntN(20) == 0 {
					row[k] = g.money(int64(r.IntN(50))*10_000, i)
				} else {
					row[k] = nil
				}
			case "Adresse":
				row[k] = fmt.Sprintf("%d %s", r.IntN(200)+1, streets[r.IntN(len(streets))])
			case "Code postal":
				row[k] = fmt.Sprintf("%05d", 1000+r.IntN(94000))
			case "Ville":
				row[k] = cities[r.IntN(len(cities))]
			case "Téléphone":
				row[k] = fmt.Sprintf("0%d %02d %02d %02d %02d", r.IntN(5)+1, r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
			case "Commercial":
				row[k] = sellers[r.IntN(len(sellers))]
			case "Segment":
				row[k] = segs[r.IntN(len(segs))]
			case "Date création":
				row[k] = excelize.Cell{StyleID: g.date, Value: g.serial(g.asOf - reconcile.Date(r.IntN(7000)+30))}
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(hr+1+i), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// sirenOf turns a 9-digit draw into a SIREN with a valid Luhn key (its
// last digit replaced), except for one row in 500, whose key is wrong, as
// a typing slip leaves it.
func sirenOf(draw, i int) string {
	s := []byte(strconv.Itoa(draw))
	for k := byte('0'); k <= '9'; k++ {
		s[len(s)-1] = k
		if ok := reconcile.Luhn(string(s)); ok != (i%500 == 250) {
			break
		}
	}
	return string(s)
}

var products = []struct{ name, category string }{
	{"Office Professionnel 2007 OEM", "OEM"},
	{"Office Small Business 2007", "OEM"},
	{"Windows Vista Business OEM", "OEM"},
	{"Windows Server 2008 Standard", "Licences"},
	{"Exchange Server 2007 CAL", "Licences"},
	{"Souris optique USB", "Accessoires"},
	{"Écran 22 pouces", "Matériel"},
}

// dateText writes d in the layout's date order, as text.
func (g *generator) dateText(d reconcile.Date) string {
	y, mo, dd := d.YMD()
	switch g.l.DateOrder {
	case layout.MDY:
		return fmt.Sprintf("%02d/%02d/%04d", int(mo), dd, y)
	case layout.YMD:
		return fmt.Sprintf("%04d-%02d-%02d", y, int(mo), dd)
	}
	return fmt.Sprintf("%02d/%02d/%04d", dd, int(mo), y)
}

func (g *generator) orders(f *excelize.File, sheet string, n int) error {
	s := *g.l.Orders
	fields := append(append([]string{}, layout.OrderFields...), layout.OrderOptionalFields...)
	var head, mapped []string
	for _, fd := range fields {
		if _, ok := s.Columns[fd]; ok || contains(layout.OrderFields, fd) {
			head = append(head, alias(s, fd))
			mapped = append(mapped, fd)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	hdr := make([]any, len(head))
	for i, h := range head {
		hdr[i] = h
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return err
	}
	row := make([]any, len(head))
	r := g.rnd
	order, linesLeft := 0, 0
	var reseller string
	var date reconcile.Date
	var financed bool
	var accepted float64
	for i := 0; i < n; i++ {
		if linesLeft == 0 { // a new order of 1 to 4 lines
			order++
			linesLeft = r.IntN(4) + 1
			if len(g.active) > 0 {
				reseller = g.ids[g.active[r.IntN(len(g.active))]]
			} else {
				reseller = g.ids[r.IntN(len(g.ids))]
			}
			date = g.asOf - reconcile.Date(r.IntN(90))
			financed = r.IntN(10) == 0
			accepted = g.serial(date) + float64(r.IntN(10)+8)/24
		}
		linesLeft--
		p := products[r.IntN(len(products))]
		amt := int64(r.IntN(300_000) + 1_000)
		for k, fd := range mapped {
			switch fd {
			case "order_id":
				row[k] = fmt.Sprintf("CMD-%08d", order)
			case "reseller_id":
				row[k] = reseller
			case "order_date":
				if i%5 == 0 {
					row[k] = g.dateText(date)
				} else {
					row[k] = excelize.Cell{StyleID: g.date, Value: g.serial(date)}
				}
			case "product":
				row[k] = p.name
			case "category":
				row[k] = p.category
			case "amount":
				row[k] = g.money(amt, i)
			case "payment":
				if financed {
					row[k] = "Microsoft Financing"
				} else {
					row[k] = "Virement 30 jours"
				}
			case "financing_accepted_at":
				row[k] = nil
				if financed {
					row[k] = excelize.Cell{StyleID: g.stamp, Value: accepted}
				}
			case "financing_paid_at":
				row[k] = nil
				if financed && r.IntN(3) > 0 {
					row[k] = excelize.Cell{StyleID: g.stamp, Value: accepted + float64(r.IntN(96))/24}
				}
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
