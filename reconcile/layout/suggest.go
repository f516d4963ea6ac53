package layout

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SampleRow is one row of a sheet as the sheet reader gives it: its Excel
// number and raw values.
type SampleRow struct {
	Num   int
	Cells []string
}

// Sample is the rows of one worksheet (or its first rows, for a large
// one), for Suggest.
type Sample struct {
	Name string
	Rows []SampleRow
}

// Suggestion is a layout read from an export: what Suggest found, and
// what it could not decide, for the person who pastes it into config.yaml.
type Suggestion struct {
	// Layout reads the export: every column found, under its header as the
	// file writes it.
	Layout Layout
	// Language is "fr" or "en", guessed from the headers' words.
	Language string
	// Accounts is the accounts sheet; Orders the orders sheet, nil when
	// no other sheet has the orders' required columns.
	Accounts SheetFound
	Orders   *SheetFound
	// OrdersNear is the sheet that came closest to an orders sheet when
	// none was found, with what it lacks; nil when no sheet came close.
	OrdersNear *NearMiss
	// Decimal and DateOrder say what the data told.
	Decimal, DateOrder Inference
	// Statuses are the values of the status column, most frequent first.
	Statuses []StatusFound
}

// SheetFound is a sheet Suggest mapped.
type SheetFound struct {
	Name      string
	HeaderRow int
	// Header is the header row as written; Fields maps each field found
	// to its column's header.
	Header []string
	Fields map[string]string
	// DataRows is the number of rows read under the header, empty and
	// totals rows left out.
	DataRows int
}

// NearMiss is a sheet whose best row maps some of a sheet's required
// fields but not all.
type NearMiss struct {
	Sheet     string
	HeaderRow int
	Missing   []string
	Headers   []string
}

// Inference is a choice made from the data: Choice, and Evidence saying
// why in a few words; Certain is false when the data could not tell and
// Choice is a default.
type Inference struct {
	Choice   string
	Evidence string
	Certain  bool
}

// StatusFound is one value of the status column: how many rows hold it,
// and what it means — "active" or "terminated" — with Builtin true when
// the built-in words already say so; Meaning is "" for a value Suggest
// could not place.
type StatusFound struct {
	Value   string
	Rows    int
	Meaning string
	Builtin bool
}

// MissingError is an export in which no sheet has every required accounts
// column: Missing names them, Sheet and HeaderRow the closest row, and
// Headers its headers.
type MissingError struct {
	Missing   []string
	Sheet     string
	HeaderRow int
	Headers   []string
	Sheets    []string
}

// ErrNoAccountsSheet is what a MissingError is, for errors.Is.
var ErrNoAccountsSheet = errors.New("no sheet has the accounts' required columns")

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: missing %s", ErrNoAccountsSheet, strings.Join(e.Missing, ", "))
	if e.Sheet == "" {
		fmt.Fprintf(&b, "; the first %d rows of the sheets %s hold no header", HeaderScanRows, quoteList(e.Sheets, ", "))
	} else {
		fmt.Fprintf(&b, "; the closest is row %d of sheet %q, with the headers %s", e.HeaderRow, e.Sheet, quoteList(e.Headers, ", "))
	}
	b.WriteString(": rename those columns in the export, or write the layout by hand with the headers above")
	return b.String()
}

func (e *MissingError) Unwrap() error { return ErrNoAccountsSheet }

// Suggest reads a layout from the sheets of one export: the accounts sheet
// is the first whose header row (among the first HeaderScanRows rows) maps
// every required accounts field, the orders sheet the first other one that
// maps every required orders field. Each column is mapped from its header's
// words (fieldWords), the most specific wording first, one column per field
// and one field per column, the data breaking ties (amounts must read as
// amounts, dates as dates). Decimal and DateOrder come from the amounts
// and dates written as text, Statuses from the status column. It returns a
// *MissingError when no sheet has every required accounts column.
func Suggest(sheets []Sample) (Suggestion, error) {
	var s Suggestion
	var best struct {
		sheet string
		row   int
		found int
		head  []string
		miss  []string
	}
	best.found = -1
	accounts := -1
	var acc mapping
	for i, sh := range sheets {
		m, ok, near := findHeader(sh, AccountFields, AccountOptionalFields)
		if ok {
			accounts, acc = i, m
			break
		}
		if near.found > best.found {
			best.sheet, best.row, best.found, best.head, best.miss = sh.Name, near.row, near.found, near.headers(), near.missing
		}
	}
	if accounts < 0 {
		e := &MissingError{Missing: AccountFields, Sheet: best.sheet, HeaderRow: best.row, Headers: best.head}
		if best.found >= 0 && best.sheet != "" {
			e.Missing = best.miss
		} else {
			e.Sheet = ""
		}
		for _, sh := range sheets {
			e.Sheets = append(e.Sheets, sh.Name)
		}
		return s, e
	}
	s.Accounts = acc.found(sheets[accounts].Name)
	s.Layout.Accounts = Sheet{Name: sheets[accounts].Name, Columns: acc.columns()}
	headers := append([]string(nil), acc.headerTexts()...)

	var ord *mapping
	nearOrders := near{found: 0}
	for i, sh := range sheets {
		if i == accounts {
			continue
		}
		m, ok, n := findHeader(sh, OrderFields, OrderOptionalFields)
		if ok {
			ord = &m
			found := m.found(sh.Name)
			s.Orders = &found
			s.Layout.Orders = &Sheet{Columns: m.columns()}
			headers = append(headers, m.headerTexts()...)
			break
		}
		if n.found > nearOrders.found {
			nearOrders = n
			nearOrders.sheet = sh.Name
		}
	}
	if ord == nil && nearOrders.found >= 3 {
		s.OrdersNear = &NearMiss{Sheet: nearOrders.sheet, HeaderRow: nearOrders.row, Missing: nearOrders.missing, Headers: nearOrders.headers()}
	}
	s.Language, _, _ = language(headers)

	var amounts, dates []string
	amounts = append(amounts, acc.values("insured_limit", "outstanding", "applied_line")...)
	if ord != nil {
		amounts = append(amounts, ord.values("amount")...)
		dates = ord.values("order_date", "financing_accepted_at", "financing_paid_at")
	}
	s.Decimal = inferDecimal(amounts, s.Language)
	s.DateOrder = inferDateOrder(dates, s.Language)
	s.Layout.Decimal, s.Layout.DateOrder = s.Decimal.Choice, s.DateOrder.Choice

	s.Statuses = statuses(acc.values("status"))
	for _, st := range s.Statuses {
		if st.Builtin || st.Meaning == "" {
			continue
		}
		if s.Layout.Accounts.StatusValues == nil {
			s.Layout.Accounts.StatusValues = map[string][]string{}
		}
		s.Layout.Accounts.StatusValues[st.Meaning] = append(s.Layout.Accounts.StatusValues[st.Meaning], st.Value)
	}
	return s, nil
}

// mapping is a header row mapped to fields.
type mapping struct {
	row    int
	header []string
	col    map[string]int // field → column
	fields []string       // the fields mapped, in field order
	data   []SampleRow    // the rows under the header
}

func (m mapping) found(sheet string) SheetFound {
	f := SheetFound{Name: sheet, HeaderRow: m.row, Header: m.header, Fields: map[string]string{}}
	for field, j := range m.col {
		f.Fields[field] = trim(m.header[j])
	}
	for _, r := range m.data {
		if !emptyRow(r.Cells) && !totalsRow(r.Cells) {
			f.DataRows++
		}
	}
	return f
}

func (m mapping) columns() map[string][]string {
	out := map[string][]string{}
	for field, j := range m.col {
		out[field] = []string{trim(m.header[j])}
	}
	return out
}

func (m mapping) headerTexts() []string {
	var out []string
	for _, f := range m.fields {
		out = append(out, m.header[m.col[f]])
	}
	return out
}

// values returns the non-empty cells of the fields' columns, data rows
// only (totals rows left out).
func (m mapping) values(fields ...string) []string {
	var out []string
	for _, r := range m.data {
		if totalsRow(r.Cells) {
			continue
		}
		for _, f := range fields {
			j, ok := m.col[f]
			if !ok || j >= len(r.Cells) {
				continue
			}
			if v := trim(r.Cells[j]); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// near is the best row of a sheet that does not map every required field.
type near struct {
	sheet   string
	row     int
	found   int
	header  []string
	missing []string
}

func (n near) headers() []string {
	var out []string
	for _, h := range n.header {
		if h = trim(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// findHeader looks for the header row of a sheet among its first
// HeaderScanRows rows: the first that maps every required field. The
// mapping is then made again with the data under it.
func findHeader(sh Sample, required, optional []string) (mapping, bool, near) {
	n := near{found: -1}
	for i, r := range sh.Rows {
		if r.Num > HeaderScanRows {
			break
		}
		if emptyRow(r.Cells) {
			continue
		}
		data := sh.Rows[i+1:]
		col := assign(r.Cells, nil, required, optional)
		if !hasAll(col, required) && len(col) > 0 {
			// The data may break a tie that the headers alone cannot.
			if withData := assign(r.Cells, stats(r.Cells, data), required, optional); len(withData) > len(col) {
				col = withData
			}
		}
		var missing []string
		for _, f := range required {
			if _, ok := col[f]; !ok {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			if got := len(required) - len(missing); got > n.found {
				n = near{row: r.Num, found: got, header: r.Cells, missing: missing}
			}
			continue
		}
		if withData := assign(r.Cells, stats(r.Cells, data), required, optional); hasAll(withData, required) {
			col = withData
		}
		m := mapping{row: r.Num, header: r.Cells, col: col, data: data}
		for _, f := range append(append([]string(nil), required...), optional...) {
			if _, ok := col[f]; ok {
				m.fields = append(m.fields, f)
			}
		}
		return m, true, n
	}
	return mapping{}, false, n
}

func hasAll(col map[string]int, fields []string) bool {
	for _, f := range fields {
		if _, ok := col[f]; !ok {
			return false
		}
	}
	return true
}

// assign maps the cells of a header row to fields: every (column, field)
// pair is scored, and the mapping kept is the one that maps the most
// required fields, then has the highest total score — one column per field
// and one field per column. A header repeated in the row counts for its
// first column only, as the reader matches it.
func assign(header []string, st []columnStats, required, optional []string) map[string]int {
	fields := append(append([]string(nil), required...), optional...)
	type cand struct{ score, col int }
	cands := make([][]cand, len(fields))
	seen := map[string]bool{}
	for j, h := range header {
		key := normalize(h)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		hw := words(h)
		for i, f := range fields {
			sc := headerScore(hw, f)
			if sc <= 0 {
				continue
			}
			if st != nil && j < len(st) {
				sc += st[j].fits(f)
			}
			if sc > 0 {
				cands[i] = append(cands[i], cand{sc, j})
			}
		}
	}
	for i := range cands {
		sort.SliceStable(cands[i], func(a, b int) bool { return cands[i][a].score > cands[i][b].score })
		if len(cands[i]) > maxCandidates {
			cands[i] = cands[i][:maxCandidates]
		}
	}
	// A search over the few candidates of each field: the best mapping
	// maps the most required fields, then scores the most; among equals the
	// earlier columns win.
	var (
		cur, best       = make([]int, len(fields)), make([]int, len(fields))
		bestReq, bestSc = -1, -1
		used            = map[int]bool{}
		search          func(i, req, sc int)
	)
	search = func(i, req, sc int) {
		if i == len(fields) {
			if req > bestReq || req == bestReq && sc > bestSc {
				bestReq, bestSc = req, sc
				copy(best, cur)
			}
			return
		}
		for _, c := range cands[i] {
			if used[c.col] {
				continue
			}
			used[c.col] = true
			cur[i] = c.col
			r := req
			if i < len(required) {
				r++
			}
			search(i+1, r, sc+c.score)
			used[c.col] = false
		}
		cur[i] = -1
		search(i+1, req, sc)
	}
	search(0, 0, 0)
	col := map[string]int{}
	for i, f := range fields {
		if best[i] >= 0 {
			col[f] = best[i]
		}
	}
	return col
}

// maxCandidates bounds the columns considered for one field.
const maxCandidates = 3

// columnStats is what the data says of one column.
type columnStats struct {
	n        int // non-empty cells
	amounts  int // cells that read as an amount, comma or point
	dates    int // cells that read as a date, in some order
	spaced   int // cells with a space inside
	distinct int
}

// maxStatsRows bounds the rows looked at to break ties.
const maxStatsRows = 2000

func stats(header []string, data []SampleRow) []columnStats {
	st := make([]columnStats, len(header))
	values := make([]map[string]bool, len(header))
	for i := range values {
		values[i] = map[string]bool{}
	}
	for k, r := range data {
		if k >= maxStatsRows {
			break
		}
		if totalsRow(r.Cells) {
			continue
		}
		for j := range header {
			if j >= len(r.Cells) {
				break
			}
			v := trim(r.Cells[j])
			if v == "" {
				continue
			}
			c := &st[j]
			c.n++
			if _, err := ParseAmount(v, DecimalComma); err == nil {
				c.amounts++
			} else if _, err := ParseAmount(v, DecimalPoint); err == nil {
				c.amounts++
			}
			for _, o := range []string{DMY, MDY, YMD} {
				if _, err := ParseDay(v, o, false); err == nil {
					c.dates++
					break
				}
			}
			if strings.ContainsAny(v, " \u00a0") {
				c.spaced++
			}
			values[j][normalize(v)] = true
		}
	}
	for j := range st {
		st[j].distinct = len(values[j])
	}
	return st
}

// Fields read as amounts and as dates.
var (
	amountFields = set("insured_limit", "outstanding", "applied_line", "amount")
	dateFields   = set("order_date", "financing_accepted_at", "financing_paid_at")
)

// fits is the score the data adds to a column for a field: a column of
// text is no amount, a column of names no id, and the other way round.
func (c columnStats) fits(field string) int {
	if c.n == 0 {
		return 0
	}
	switch {
	case amountFields[field]:
		if 2*c.amounts < c.n {
			return -1000
		}
	case dateFields[field]:
		if 2*c.dates < c.n {
			return -1000
		}
	case field == "reseller_id" || field == "order_id":
		if 5*c.spaced > c.n {
			return -20
		}
		return 20
	case field == "reseller_name":
		if 2*c.spaced >= c.n {
			return 20
		}
	case field == "status":
		if 2*c.amounts > c.n || c.distinct > 30 {
			return -1000
		}
	}
	return 0
}

// inferDecimal tells the decimal separator from amounts written as text:
// one that reads with only one of the two separators is a vote for it.
func inferDecimal(values []string, lang string) Inference {
	comma, point := 0, 0
	var exComma, exPoint string
	for _, v := range values {
		_, errC := ParseAmount(v, DecimalComma)
		_, errP := ParseAmount(v, DecimalPoint)
		switch {
		case errC == nil && errP != nil:
			comma++
			if exComma == "" {
				exComma = v
			}
		case errP == nil && errC != nil:
			point++
			if exPoint == "" {
				exPoint = v
			}
		}
	}
	def := DecimalComma
	if lang == "en" {
		def = DecimalPoint
	}
	switch {
	case comma > 0 && point == 0:
		return Inference{DecimalComma, fmt.Sprintf("from the amounts written as text (%d like %s)", comma, quoted(exComma)), true}
	case point > 0 && comma == 0:
		return Inference{DecimalPoint, fmt.Sprintf("from the amounts written as text (%d like %s)", point, quoted(exPoint)), true}
	case comma > 0 || point > 0:
		choice := DecimalComma
		if point > comma {
			choice = DecimalPoint
		}
		return Inference{choice, fmt.Sprintf("the amounts disagree: %d read only with a comma (like %s), %d only with a point (like %s); the others will be rejected",
			comma, quoted(exComma), point, quoted(exPoint)), false}
	}
	return Inference{def, fmt.Sprintf("the data cannot tell (every amount is a number cell or reads either way): %s, from the headers' language", def), false}
}

// inferDateOrder tells the order of dates written as text: a date that
// reads in only one order is a vote for it.
func inferDateOrder(values []string, lang string) Inference {
	votes := map[string]int{}
	ex := map[string]string{}
	ambiguous, exAmbiguous := 0, ""
	for _, v := range values {
		if isCanonical(v) || yearFirst(v) {
			continue // a real date cell (a serial), or a year first: any order reads it
		}
		var ok []string
		for _, o := range []string{DMY, MDY, YMD} {
			if _, err := ParseDay(v, o, false); err == nil {
				ok = append(ok, o)
			}
		}
		switch len(ok) {
		case 1:
			votes[ok[0]]++
			if ex[ok[0]] == "" {
				ex[ok[0]] = v
			}
		case 2, 3:
			ambiguous++
			if exAmbiguous == "" {
				exAmbiguous = v
			}
		}
	}
	names := map[string]string{DMY: "day first", MDY: "month first", YMD: "year first"}
	var found []string
	for _, o := range []string{DMY, MDY, YMD} {
		if votes[o] > 0 {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 1:
		o := found[0]
		return Inference{o, fmt.Sprintf("from the dates written as text (%d %s, like %s)", votes[o], names[o], quoted(ex[o])), true}
	case 0:
		why := "no date written as text says its order: real date cells, ISO or year first"
		if ambiguous > 0 {
			why = fmt.Sprintf("every date written as text (%d) reads in more than one order, like %s", ambiguous, quoted(exAmbiguous))
		}
		return Inference{DMY, fmt.Sprintf("the data cannot tell (%s): dmy, the European order", why), false}
	}
	choice := found[0]
	for _, o := range found {
		if votes[o] > votes[choice] {
			choice = o
		}
	}
	var parts []string
	for _, o := range found {
		parts = append(parts, fmt.Sprintf("%d %s (like %s)", votes[o], names[o], quoted(ex[o])))
	}
	return Inference{choice, fmt.Sprintf("the dates disagree: %s; the others will be rejected", strings.Join(parts, ", ")), false}
}

// yearFirst reports whether a date starts with a four-digit year, which
// every date order reads the same.
func yearFirst(v string) bool {
	return len(v) > 4 && digits(v) == 4
}

// statuses counts the status values and places each.
func statuses(values []string) []StatusFound {
	builtin, _ := Sheet{}.statusWords()
	count := map[string]int{}
	first := map[string]string{}
	var order []string
	for _, v := range values {
		k := normalize(v)
		if _, ok := count[k]; !ok {
			order = append(order, k)
			first[k] = v
		}
		count[k]++
	}
	var out []StatusFound
	for _, k := range order {
		st := StatusFound{Value: first[k], Rows: count[k]}
		if b, ok := builtin[k]; ok {
			st.Builtin, st.Meaning = true, b.String()
		} else {
			st.Meaning = statusMeaning(first[k])
		}
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rows > out[j].Rows })
	return out
}
