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

	"github.com/encours/encours/cmd/encours/internal/samples"
	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/xlsx"
)

// excelMaxRows is the last row of a worksheet.
const excelMaxRows = 1048576

// cmdGen is the one generator of test exports, written through
// xlsx.WriteExport:
//
//   - `encours gen --samples DIR` rewrites DIR/exports, the committed
//     samples (fixed data, byte-identical each time), and prints the rows
//     placed on purpose (samples/GENERATED.txt);
//   - `encours gen --config FILE --wholesaler ID --rows N [--orders M]
//     --out FILE.xlsx [--seed S] [--as-of YYYY-MM-DD]` writes a large export
//     in that wholesaler's configured layout, for benchmarks and load tests.
func (m *Main) cmdGen(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	samplesDir := fs.String("samples", "", "samples folder whose exports/ to rewrite")
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
	if *samplesDir != "" {
		if *cfgPath != "" || *out != "" {
			return usagef("gen: --samples writes the samples alone: no --config or --out with it")
		}
		if err := samples.Write(*samplesDir, m.Stdout); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		return nil
	}
	if *cfgPath == "" || *wid == "" || *out == "" {
		return usagef("gen: --samples DIR, or --config FILE, --wholesaler ID and --out FILE.xlsx, are required")
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
	acc := g.l.Accounts.Name
	if acc == "" {
		acc = "Sheet1"
	}
	e := xlsx.Export{Creator: "encours gen", Title: "Export des encours clients", Sheets: []xlsx.ExportSheet{g.accounts(acc, rows)}}
	if orders > 0 {
		name := g.l.Orders.Name
		if name == "" {
			name = "Orders"
		}
		e.Sheets = append(e.Sheets, g.orders(name, orders))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gen-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := xlsx.WriteExport(tmp, e); err != nil {
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
		return xlsx.Money(c)
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

// day is d as a real Excel date; at, d at hour h (fractional).
func day(d reconcile.Date) xlsx.Day {
	y, m, dd := d.YMD()
	return xlsx.Day(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC))
}

func at(d reconcile.Date, hours float64) xlsx.Stamp {
	return xlsx.Stamp(time.Time(day(d)).Add(time.Duration(hours * float64(time.Hour))))
}

var (
	cities  = []string{"Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes", "Bordeaux", "Strasbourg", "Rennes", "Nice"}
	streets = []string{"rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo", "place du Marché", "chemin des Vignes"}
	forms   = []string{"SARL", "SAS", "SA", "EURL", "SNC"}
	sellers = []string{"M. Durand", "Mme Petit", "M. Moreau", "Mme Lefebvre", "M. Garnier", "Mme Roux"}
	segs    = []string{"PME", "Grands comptes", "Revendeur", "Intégrateur", "Éducation"}
)

// accounts is the accounts sheet of n rows, generated as it is written.
func (g *generator) accounts(sheet string, n int) xlsx.ExportSheet {
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
	title := [][]any{{"Export des encours clients"}, {"Édité le " + g.asOf.String()}, nil}
	terminated := "terminated"
	if t := s.StatusValues["terminated"]; len(t) > 0 {
		terminated = t[0]
	}
	rows := func(yield func([]any) bool) {
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
					row[k] = day(g.asOf - reconcile.Date(r.IntN(7000)+30))
				}
			}
			if !yield(row) {
				return
			}
		}
	}
	return xlsx.ExportSheet{Name: sheet, Title: title, Header: head, Rows: rows, Stream: true}
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

// orders is the orders sheet of n rows, for the accounts generated before.
func (g *generator) orders(sheet string, n int) xlsx.ExportSheet {
	s := *g.l.Orders
	fields := append(append([]string{}, layout.OrderFields...), layout.OrderOptionalFields...)
	var head, mapped []string
	for _, fd := range fields {
		if _, ok := s.Columns[fd]; ok || contains(layout.OrderFields, fd) {
			head = append(head, alias(s, fd))
			mapped = append(mapped, fd)
		}
	}
	rows := func(yield func([]any) bool) {
		row := make([]any, len(head))
		r := g.rnd
		order, linesLeft := 0, 0
		var reseller string
		var date reconcile.Date
		var financed bool
		var accepted float64 // hours after midnight
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
				accepted = float64(r.IntN(10) + 8)
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
						row[k] = day(date)
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
						row[k] = at(date, accepted)
					}
				case "financing_paid_at":
					row[k] = nil
					if financed && r.IntN(3) > 0 {
						row[k] = at(date, accepted+float64(r.IntN(96)))
					}
				}
			}
			if !yield(row) {
				return
			}
		}
	}
	return xlsx.ExportSheet{Name: sheet, Header: head, Rows: rows, Stream: true}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
