package layout

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// rows is an in-memory RowSource; a nil row is an empty Excel row.
type rows struct {
	data [][]string
	i    int
	err  error
}

func (r *rows) Next() bool           { r.i++; return r.i <= len(r.data) }
func (r *rows) Row() (int, []string) { return r.i, r.data[r.i-1] }
func (r *rows) Err() error           { return r.err }

var actebis = Layout{
	Decimal:   "comma",
	DateOrder: "dmy",
	Accounts: Sheet{
		Name: "Encours",
		Columns: map[string][]string{
			"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
			"insured_limit": {"Limite assurée", "Limite"}, "outstanding": {"Encours"}, "applied_line": {"Ligne Microsoft"},
		},
		StatusValues: map[string][]string{"terminated": {"Radié"}},
	},
	Orders: &Sheet{
		Name: "Commandes",
		Columns: map[string][]string{
			"order_id": {"N° commande"}, "reseller_id": {"Code client"}, "order_date": {"Date"},
			"product": {"Article"}, "category": {"Famille"}, "amount": {"Montant HT"},
			"payment": {"Règlement"}, "financing_accepted_at": {"Accord financement"},
			"financing_paid_at": {"Paiement financement"},
		},
	},
}

var accountsHeader = []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Ligne Microsoft"}

func TestHeader(t *testing.T) {
	tests := []struct {
		name    string
		rows    [][]string
		row     int    // header row; 0 = error
		missing string // in the error
	}{
		{"first row", [][]string{accountsHeader, {"C001", "A", "actif", "1", "2"}}, 1, ""},
		{"title block", [][]string{{"Export des encours"}, nil, {"au", "04/05/2009"}, accountsHeader, {"C001", "A", "actif", "1", "2"}}, 4, ""},
		{"case, accents, spaces", [][]string{{" CODE\u00a0 CLIENT", "raison  sociale", "STATUT ", "limite assuree", "ENCOURS"}, {"C001", "A", "actif", "1", "2"}}, 1, ""},
		{"alias and extra columns", [][]string{{"Agence", "Code client", "Raison sociale", "Statut", "Limite", "Encours", "Commentaire"}, {"X", "C001", "A", "actif", "1", "2"}}, 1, ""},
		{"missing header", [][]string{{"Titre"}, {"Code client", "Raison sociale", "Statut", "Encours"}, {"C001", "A", "actif", "2"}}, 0,
			`missing insured_limit (a column headed "Limite assurée" or "Limite"); the closest row, row 2, has the headers "Code client", "Raison sociale", "Statut", "Encours"`},
		{"header on row 20", append(make([][]string, 19), accountsHeader, []string{"C001", "A", "actif", "1", "2"}), 20, ""},
		{"header below row 20", append(make([][]string, 20), accountsHeader), 0, "the first 20 rows are empty"},
		{"empty sheet", nil, 0, "the first 20 rows are empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acc, err := actebis.ReadAccounts(&rows{data: tt.rows}, "Encours", ReadOptions{})
			if tt.row == 0 {
				if !errors.Is(err, ErrMissingHeader) || !strings.Contains(err.Error(), tt.missing) {
					t.Fatalf("err = %v, want ErrMissingHeader mentioning %q", err, tt.missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if acc.HeaderRow != tt.row || len(acc.Rows) != 1 || acc.Rows[0].ResellerID != "C001" || acc.Rows[0].Outstanding != 200 {
				t.Errorf("HeaderRow %d, rows %+v, rejected %+v", acc.HeaderRow, acc.Rows, acc.Rejected)
			}
		})
	}
}

func TestReadAccounts(t *testing.T) {
	data := [][]string{
		{"Encours au 04/05/2009"},
		accountsHeader,
		{"C001", "Alpha", "Actif", "9 000,00 €", "12340.5", "3400"},
		{"  C002\u00a0", "Beta", "Radié", "5000", "0"},
		nil,
		{"", "", "", "", ""},
		{"C003", "Gamma", "en sommeil", "1", "2"},
		{"C004", "Delta", "ok", "1", "12,5 %"},
		{"", "Epsilon", "ok", "1", "2"},
		{"C005", "Zeta", "closed", "-1", "2"},
		{"C006", "Eta", "ok", "1", "-2"}, // a credit balance
		{"C001", "Alpha bis", "actif", "1", "2"},
		{"c001", "Alpha minuscule", "actif", "1", "2"},
		{"C007", "Theta", "ok", "", "2"},
		{"C008", "Iota", "ok", "1", "2", "abc"},
		{"TOTAL", "", "", "15 001,00", "12 342,50"},
		{"C009", "Kappa", "", "x", "2"},
		{"C010", "Lambda", "RESILIE", "1", "2"},
		{"C011", "Mu", "OK"},
	}
	var seen []int
	acc, err := actebis.ReadAccounts(&rows{data: data}, "Encours", ReadOptions{
		File: "export.xlsx",
		OnRow: func(num int, cells []string) {
			if len(cells) < len(accountsHeader) {
				t.Errorf("OnRow row %d: %d cells, want at least %d", num, len(cells), len(accountsHeader))
			}
			seen = append(seen, num)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.Account{
		{ResellerID: "C001", Name: "Alpha", Status: reconcile.Active, InsuredLimit: 900000, Outstanding: 1234050, AppliedLine: 340000, Row: 3},
		{ResellerID: "C002", Name: "Beta", Status: reconcile.Terminated, InsuredLimit: 500000, Outstanding: 0, Row: 4},
		{ResellerID: "C006", Name: "Eta", Status: reconcile.Active, InsuredLimit: 100, Outstanding: -200, Row: 11},
		{ResellerID: "c001", Name: "Alpha minuscule", Status: reconcile.Active, InsuredLimit: 100, Outstanding: 200, Row: 13},
		{ResellerID: "C010", Name: "Lambda", Status: reconcile.Terminated, InsuredLimit: 100, Outstanding: 200, Row: 18},
	}
	if !reflect.DeepEqual(acc.Rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", acc.Rows, want)
	}
	rej := func(row int, col, reason string) reconcile.RejectedRow {
		return reconcile.RejectedRow{File: "export.xlsx", Sheet: "Encours", Row: row, Column: col, Reason: reason}
	}
	wantRej := []reconcile.RejectedRow{
		rej(7, "Statut", `Statut "en sommeil" is not a known status: write one of active, actif, ok, terminated, résilié, closed, Radié, or add it to status_values in config.yaml`),
		rej(8, "Encours", `Encours "12,5 %" is not an amount: write it like 12 340,00`),
		rej(9, "Code client", `Code client is empty: every row needs the reseller's code`),
		rej(10, "Limite assurée", `Limite assurée "-1" is negative: it cannot be below 0`),
		rej(12, "Code client", `Code client "C001" already appears on row 3, which is kept: remove one of the two rows`),
		rej(14, "Limite assurée", `Limite assurée is empty: write the amount, 0 if none`),
		rej(15, "Ligne Microsoft", `Ligne Microsoft "abc" is not an amount: write it like 12 340,00`),
		rej(17, "Statut", `Statut is empty: write one of active, actif, ok, terminated, résilié, closed, Radié; Limite assurée "x" is not an amount: write it like 12 340,00`),
		rej(19, "Limite assurée", `Limite assurée is empty: write the amount, 0 if none; Encours is empty: write the amount, 0 if none`),
	}
	if !reflect.DeepEqual(acc.Rejected, wantRej) {
		t.Errorf("rejected:\n got %+v\nwant %+v", acc.Rejected, wantRej)
	}
	if acc.HeaderRow != 2 || !reflect.DeepEqual(acc.Header, accountsHeader) || !acc.AppliedLineMapped {
		t.Errorf("header %q on row %d, applied line mapped %v", acc.Header, acc.HeaderRow, acc.AppliedLineMapped)
	}
	if wantSeen := []int{3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}; !reflect.DeepEqual(seen, wantSeen) {
		t.Errorf("OnRow saw rows %v, want %v", seen, wantSeen)
	}
}

func TestReadAccountsSheetErrors(t *testing.T) {
	noApplied := []string{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"}
	acc, err := actebis.ReadAccounts(&rows{data: [][]string{noApplied, {"C1", "A", "ok", "1", "1"}}}, "Encours", ReadOptions{})
	if err != nil || acc.AppliedLineMapped {
		t.Errorf("without the applied line column: %v, mapped %v", err, acc.AppliedLineMapped)
	}
	_, err = actebis.ReadAccounts(&rows{data: [][]string{{"Titre"}, noApplied, nil, {"Total", "", "", "0", "0"}}}, "Encours", ReadOptions{})
	if !errors.Is(err, ErrNoRows) || !strings.Contains(err.Error(), `sheet "Encours"`) {
		t.Errorf("header and no rows: %v, want ErrNoRows", err)
	}
	boom := errors.New("boom")
	_, err = actebis.ReadAccounts(&rows{data: [][]string{noApplied, {"C1", "A", "ok", "1", "1"}}, err: boom}, "", ReadOptions{})
	if !errors.Is(err, boom) {
		t.Errorf("source error: %v", err)
	}
}

func TestReadOrders(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	header := []string{"N° commande", "Code client", "Date", "Article", "Famille", "Montant HT", "Règlement", "Accord financement", "Paiement financement"}
	data := [][]string{
		{"Commandes"},
		header,
		{"O1", "C001", "39887", "Office 2007 OEM", "OEM", "800", "Microsoft Financing", "16/03/2009 08:00", "39890.333333333336"},
		{"O1", "C001", "15/03/2009", "Office 2007 OEM", "OEM", "300,00"},
		{"O2", " C002 ", "2009-03-16", "Souris", "Accessoires", "(12,50)"},
		{"", "C003", "16/03/2009", "x", "y", "1"},
		{"O4", "C003", "31/02/2009", "x", "y", "1"},
		{"O5", "C003", "16/03/2009", "x", "y", "1", "", "hier"},
		{"Total commandes", "", "", "", "", "1 087,50"},
		{"O6", "", "", "x", "y", "abc"},
		{"O7", "C001", "15/03/2009", "Total Security", "Logiciels", "10"},
	}
	ord, err := actebis.ReadOrders(&rows{data: data}, "Commandes", ReadOptions{File: "f.xlsx", Location: paris})
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.Order{
		{OrderID: "O1", ResellerID: "C001", Date: reconcile.MustDate("2009-03-15"), Product: "Office 2007 OEM", Category: "OEM", Amount: 80000,
			Payment: "Microsoft Financing", FinancingAcceptedAt: time.Date(2009, 3, 16, 8, 0, 0, 0, paris), FinancingPaidAt: time.Date(2009, 3, 18, 8, 0, 0, 0, paris),
			File: "f.xlsx", Row: 3},
		{OrderID: "O1", ResellerID: "C001", Date: reconcile.MustDate("2009-03-15"), Product: "Office 2007 OEM", Category: "OEM", Amount: 30000, File: "f.xlsx", Row: 4},
		{OrderID: "O2", ResellerID: "C002", Date: reconcile.MustDate("2009-03-16"), Product: "Souris", Category: "Accessoires", Amount: -1250, File: "f.xlsx", Row: 5},
		{OrderID: "O7", ResellerID: "C001", Date: reconcile.MustDate("2009-03-15"), Product: "Total Security", Category: "Logiciels", Amount: 1000, File: "f.xlsx", Row: 11},
	}
	if !reflect.DeepEqual(ord.Rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", ord.Rows, want)
	}
	var got []string
	for _, r := range ord.Rejected {
		got = append(got, r.Column+": "+r.Reason)
	}
	wantRej := []string{
		"N° commande: N° commande is empty: fill it in",
		`Date: Date "31/02/2009" is not a date: write it like 30/06/2009`,
		`Accord financement: Accord financement "hier" is not a date: write it like 30/06/2009 or 30/06/2009 08:00`,
		`Code client: Code client is empty: fill it in; Date is empty: write the date like 30/06/2009; Montant HT "abc" is not an amount: write it like 12 340,00`,
	}
	if !reflect.DeepEqual(got, wantRej) {
		t.Errorf("rejected:\n got %q\nwant %q", got, wantRej)
	}
	// A header and no rows is a week without orders.
	ord, err = actebis.ReadOrders(&rows{data: [][]string{header}}, "Commandes", ReadOptions{})
	if err != nil || len(ord.Rows) != 0 || ord.HeaderRow != 1 {
		t.Errorf("empty orders sheet: %+v, %v", ord, err)
	}
}

func BenchmarkHeader(b *testing.B) {
	data := [][]string{{"Export des encours au 04/05/2009"}, nil, {"Agence : Nord", "", "Édité le", "04/05/2009"},
		{"CODE CLIENT", "Raison sociale", "Statut", "Limite assurée", "Encours", "Ligne Microsoft", "Commentaire"}}
	cols := actebis.Accounts.compile(AccountFields, AccountOptionalFields)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cols.findHeader(&rows{data: data}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAccounts(b *testing.B) {
	data := [][]string{accountsHeader}
	for i := range 10000 {
		data = append(data, []string{"C" + strconv.Itoa(i), "Alpha SARL", "actif", "9000", "12340.5", "3 400,00 €"})
	}
	l := actebis
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.ReadAccounts(&rows{data: data}, "Encours", ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// typedRows is rows with, per row, the cells stored as numbers.
type typedRows struct {
	rows
	number [][]bool
}

func (r *typedRows) IsNumber(i int) bool {
	n := r.number[r.i-1]
	return i < len(n) && n[i]
}

func TestReadAccountsSIREN(t *testing.T) {
	l := actebis
	l.Accounts.Columns = map[string][]string{}
	for k, v := range actebis.Accounts.Columns {
		l.Accounts.Columns[k] = v
	}
	l.Accounts.Columns["siren"] = []string{"SIREN", "N° SIREN"}
	header := []string{"Code client", "Raison sociale", "N° SIREN", "Statut", "Limite assurée", "Encours"}
	tests := []struct {
		name    string
		cell    string
		number  bool
		want    string
		invalid bool
	}{
		{"text", "552100554", false, "552100554", false},
		{"number", "552100554", true, "552100554", false},
		{"text with spaces", "552 100 554", false, "552100554", false},
		{"text with NBSP", "552\u00a0100\u00a0554", false, "552100554", false},
		{"text with narrow NBSP", "552\u202f100\u202f554", false, "552100554", false},
		{"text keeps its leading zero", "012345674", false, "012345674", false},
		{"number that lost its leading zero", "12345674", true, "012345674", false},
		{"number that lost its zero, key wrong", "12345675", true, "", true},
		{"8 digits typed as text", "12345674", false, "", true},
		{"number written in exponent form", "5.52100554E8", true, "552100554", false},
		{"number with a fraction", "552100554.5", true, "", true},
		{"7-digit number", "1234567", true, "", true},
		{"10 digits", "5521005540", false, "", true},
		{"10-digit number", "5521005540", true, "", true},
		{"Luhn key wrong", "552100555", false, "", true},
		{"letters", "55210055A", false, "", true},
		{"a word", "n.c.", false, "", true},
		{"empty", "", false, "", false},
		{"spaces only", "  ", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &typedRows{
				rows:   rows{data: [][]string{header, {"C001", "Berry Informatique", tt.cell, "actif", "1000", "2000"}}},
				number: [][]bool{nil, {false, false, tt.number, false, true, true}},
			}
			acc, err := l.ReadAccounts(src, "Encours", ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(acc.Rows) != 1 || len(acc.Rejected) != 0 {
				t.Fatalf("rows %+v, rejected %+v: a SIREN never rejects a row", acc.Rows, acc.Rejected)
			}
			if a := acc.Rows[0]; a.SIREN != tt.want || a.InvalidSIREN != tt.invalid {
				t.Errorf("SIREN %q invalid %v, want %q %v", a.SIREN, a.InvalidSIREN, tt.want, tt.invalid)
			}
		})
	}
	// A source that cannot tell numbers from text reads every cell as text.
	acc, err := l.ReadAccounts(&rows{data: [][]string{header, {"C001", "B", "12345674", "actif", "1", "2"}}}, "Encours", ReadOptions{})
	if err != nil || len(acc.Rows) != 1 || !acc.Rows[0].InvalidSIREN {
		t.Errorf("untyped source: %+v, %v", acc.Rows, err)
	}
	// Without a siren column nothing is said about SIRENs.
	acc, err = actebis.ReadAccounts(&rows{data: [][]string{header, {"C001", "B", "x", "actif", "1", "2"}}}, "Encours", ReadOptions{})
	if err != nil || len(acc.Rows) != 1 || acc.Rows[0].SIREN != "" || acc.Rows[0].InvalidSIREN {
		t.Errorf("unmapped siren: %+v, %v", acc.Rows, err)
	}
}
