package layout

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// rowsOf makes sample rows numbered from 1.
func rowsOf(rows ...[]string) []SampleRow {
	out := make([]SampleRow, len(rows))
	for i, r := range rows {
		out[i] = SampleRow{Num: i + 1, Cells: r}
	}
	return out
}

// The wordings real exports use map to their fields, without case,
// accents, punctuation or word order; the most specific wording wins.
func TestSuggestHeaderWordings(t *testing.T) {
	accounts := []struct {
		header []string
		want   map[string]string // field → header
	}{
		{[]string{"N° de compte", "Dénomination sociale", "Situation", "Plafond de crédit assuré", "Solde dû (€)"}, nil},
		{[]string{"Cust #", "Customer Name", "Acct Status", "Credit Insurance Limit", "Total Due"}, nil},
		{[]string{"CODE CLIENT", "RAISON SOCIALE", "ETAT", "LIMITE ASSUREE", "ENCOURS"}, nil},
		{[]string{"Debtor number", "Debtor name", "State", "Cover", "Exposure"}, nil},
		{[]string{"Numéro client", "Nom", "Statut client", "Montant garanti", "Montant dû"}, nil},
		{[]string{"Account number", "Account name", "Account status", "Insured limit", "Outstanding"}, nil},
		{[]string{"Identifiant", "Société", "Etat du compte", "Agrément", "Encours total", "SIREN", "Ligne éditeur"}, nil},
		{[]string{"Client ID", "Company", "Status", "Approved limit", "Open balance", "Siren", "Vendor credit line"}, nil},
	}
	fields := append(append([]string(nil), AccountFields...), AccountOptionalFields...)
	for _, tt := range accounts {
		col := assign(tt.header, nil, AccountFields, AccountOptionalFields)
		for i, f := range fields {
			if i >= len(tt.header) {
				if _, ok := col[f]; ok {
					t.Errorf("%q: %s mapped to %q, want nothing", tt.header, f, tt.header[col[f]])
				}
				continue
			}
			if j, ok := col[f]; !ok || j != i {
				t.Errorf("%q: %s → %v, want %q", tt.header, f, at(tt.header, j, ok), tt.header[i])
			}
		}
	}
	// Where several headers could stand for a field, the more specific one
	// takes it, whatever the column order.
	for _, tt := range []struct {
		header []string
		field  string
		want   string
	}{
		{[]string{"Encours", "Plafond d'encours", "Code client", "Nom", "Statut"}, "insured_limit", "Plafond d'encours"},
		{[]string{"Encours", "Plafond d'encours", "Code client", "Nom", "Statut"}, "outstanding", "Encours"},
		{[]string{"Encours garanti", "Encours", "Code client", "Nom", "Statut"}, "insured_limit", "Encours garanti"},
		{[]string{"Account Status", "Account ID", "Account Name", "Limit", "Balance"}, "reseller_id", "Account ID"},
		{[]string{"Account Status", "Account ID", "Account Name", "Limit", "Balance"}, "status", "Account Status"},
		{[]string{"Nom du client", "Code client", "Statut", "Limite", "Solde"}, "reseller_name", "Nom du client"},
	} {
		col := assign(tt.header, nil, AccountFields, AccountOptionalFields)
		if j, ok := col[tt.field]; !ok || tt.header[j] != tt.want {
			t.Errorf("%q: %s → %v, want %q", tt.header, tt.field, at(tt.header, j, ok), tt.want)
		}
	}
	orders := [][]string{
		{"Réf. commande", "Code tiers", "Date pièce", "Libellé article", "Gamme", "Montant HT", "Mode de règlement", "Accord financement", "Paiement financement"},
		{"Sales Order", "Customer ID", "Date of order", "Item", "Product Line", "Line Amount", "Payment Type", "Financing approval date", "Financing payment date"},
		{"Order #", "Cust No", "Posting Date", "Product Description", "Item Group", "Net Value", "Terms", "Financing Approved", "Funded"},
	}
	ofields := append(append([]string(nil), OrderFields...), OrderOptionalFields...)
	for _, h := range orders {
		col := assign(h, nil, OrderFields, OrderOptionalFields)
		for i, f := range ofields {
			if j, ok := col[f]; !ok || j != i {
				t.Errorf("%q: %s → %v, want %q", h, f, at(h, j, ok), h[i])
			}
		}
	}
}

func at(h []string, j int, ok bool) string {
	if !ok {
		return "nothing"
	}
	return h[j]
}

// The data breaks ties: a "Client" column of names is the name, a "Code"
// column of codes the id; a column of text is never an amount.
func TestSuggestDataBreaksTies(t *testing.T) {
	sh := Sample{Name: "Feuil1", Rows: rowsOf(
		[]string{"Client", "Code", "Statut", "Limite", "Encours", "Solde"},
		[]string{"Alpha Informatique SARL", "A001", "Actif", "10000", "n.c.", "12000"},
		[]string{"Beta Réseaux SAS", "B002", "Actif", "5000", "voir note", "3000"},
	)}
	s, err := Suggest([]Sample{sh})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"reseller_name": {"Client"}, "reseller_id": {"Code"}, "status": {"Statut"},
		"insured_limit": {"Limite"}, "outstanding": {"Solde"}}
	if !reflect.DeepEqual(s.Layout.Accounts.Columns, want) {
		t.Errorf("columns = %v, want %v", s.Layout.Accounts.Columns, want)
	}
}

// Suggest finds the accounts sheet and its header under a title block,
// an orders sheet whatever its name, and reads decimal, date order and
// statuses from the data.
func TestSuggestExport(t *testing.T) {
	notes := Sample{Name: "Lisez-moi", Rows: rowsOf([]string{"Export du 04/05/2009"}, []string{"Contact : service crédit"})}
	accounts := Sample{Name: "Débiteurs", Rows: append(rowsOf(
		[]string{"ALSO France — encours clients"},
		[]string{"Édité le 04/05/2009"},
		nil,
		[]string{"N° de compte", "Dénomination", "Situation", "Plafond de crédit assuré", "Solde dû", "Commercial"},
	), []SampleRow{
		{5, []string{"D001", "Alpha SARL", "Ouvert", "10 000,00 €", "12 340,50 €", "M. Durand"}},
		{6, []string{"D002", "Beta SAS", "Radié", "5000", "(1 200,00)", "Mme Petit"}},
		{7, []string{"D003", "Gamma SA", "Actif", "8000", "100", "M. Durand"}},
		{8, []string{"D004", "Delta", "Bloqué", "8000", "100", "M. Durand"}},
		{9, []string{"D005", "Epsilon", "Compte clôturé", "8000", "100", "M. Durand"}},
		{10, []string{"D006", "Zêta", "Ouvert", "8000", "100", "M. Durand"}},
		{11, []string{"Total", "", "", "39 000,00", "12 640,50"}},
	}...)}
	orders := Sample{Name: "Ventes avril", Rows: rowsOf(
		[]string{"Réf. commande", "Code tiers", "Date pièce", "Libellé article", "Gamme", "Montant HT"},
		[]string{"V1", "D001", "23/04/2009", "Office 2007 OEM", "OEM", "1 500,00"},
		[]string{"V2", "D003", "39930", "Souris", "Accessoires", "25,00"},
	)}
	s, err := Suggest([]Sample{notes, accounts, orders})
	if err != nil {
		t.Fatal(err)
	}
	if s.Accounts.Name != "Débiteurs" || s.Accounts.HeaderRow != 4 || s.Accounts.DataRows != 6 {
		t.Errorf("accounts = %+v", s.Accounts)
	}
	if s.Orders == nil || s.Orders.Name != "Ventes avril" || s.Layout.Orders == nil || s.Layout.Orders.Name != "" {
		t.Fatalf("orders = %+v", s.Orders)
	}
	if s.Language != "fr" {
		t.Errorf("language %q", s.Language)
	}
	if s.Decimal != (Inference{"comma", `from the amounts written as text (5 like "10 000,00 €")`, true}) {
		t.Errorf("decimal = %+v", s.Decimal)
	}
	if s.DateOrder.Choice != "dmy" || !s.DateOrder.Certain {
		t.Errorf("date order = %+v", s.DateOrder)
	}
	want := map[string][]string{"active": {"Ouvert"}, "terminated": {"Radié", "Compte clôturé"}}
	if !reflect.DeepEqual(s.Layout.Accounts.StatusValues, want) {
		t.Errorf("status_values = %v, want %v", s.Layout.Accounts.StatusValues, want)
	}
	var unplaced []string
	for _, st := range s.Statuses {
		if st.Meaning == "" {
			unplaced = append(unplaced, st.Value)
		}
	}
	if !reflect.DeepEqual(unplaced, []string{"Bloqué"}) {
		t.Errorf("unplaced = %q", unplaced)
	}
	// The suggested layout reads the sheet with only the unplaced status
	// rejected.
	acc, err := s.Layout.ReadAccounts(&sliceSource{rows: accounts.Rows}, accounts.Name, ReadOptions{})
	if err != nil || len(acc.Rows) != 5 || len(acc.Rejected) != 1 || acc.Rejected[0].Row != 8 {
		t.Errorf("ReadAccounts: %d rows, rejected %+v, %v", len(acc.Rows), acc.Rejected, err)
	}
}

// sliceSource is a RowSource over sample rows.
type sliceSource struct {
	rows []SampleRow
	i    int
}

func (s *sliceSource) Next() bool {
	s.i++
	return s.i <= len(s.rows)
}
func (s *sliceSource) Row() (int, []string) { r := s.rows[s.i-1]; return r.Num, r.Cells }
func (s *sliceSource) Err() error           { return nil }

// When the data cannot tell, the choice is a default, and says so.
func TestSuggestInferenceCannotTell(t *testing.T) {
	for _, tt := range []struct {
		values []string
		lang   string
		want   Inference
	}{
		{[]string{"12000", "1500.5", "300"}, "fr", Inference{"comma", "", false}},
		{[]string{"12000", "1500.5", "300"}, "en", Inference{"point", "", false}},
		{[]string{"1 234,50"}, "en", Inference{"comma", "", true}},
		{[]string{"1,234.50", "12.5"}, "fr", Inference{"point", "", true}},
		{[]string{"1,234.50", "1 234,50", "2 000,10"}, "fr", Inference{"comma", "", false}},
	} {
		got := inferDecimal(tt.values, tt.lang)
		if got.Choice != tt.want.Choice || got.Certain != tt.want.Certain || got.Evidence == "" {
			t.Errorf("inferDecimal(%q, %s) = %+v, want %s (certain %v)", tt.values, tt.lang, got, tt.want.Choice, tt.want.Certain)
		}
	}
	for _, tt := range []struct {
		values []string
		want   string
		sure   bool
		says   string
	}{
		{[]string{"01/02/2009", "03/04/2009"}, "dmy", false, `reads in more than one order, like "01/02/2009"`},
		{nil, "dmy", false, "no date written as text says its order"},
		{[]string{"39930", "2009-04-23"}, "dmy", false, "no date written as text says its order"},
		{[]string{"04/23/2009", "01/02/2009"}, "mdy", true, "month first"},
		{[]string{"23/04/2009 08:00"}, "dmy", true, "day first"},
		{[]string{"2009/04/23"}, "dmy", false, "no date written as text says its order"},
		{[]string{"04/23/2009", "05/24/2009", "13/04/2009"}, "mdy", false, "disagree"},
	} {
		got := inferDateOrder(tt.values, "fr")
		if got.Choice != tt.want || got.Certain != tt.sure || !strings.Contains(got.Evidence, tt.says) {
			t.Errorf("inferDateOrder(%q) = %+v, want %s (certain %v, saying %q)", tt.values, got, tt.want, tt.sure, tt.says)
		}
	}
}

func TestStatusMeaning(t *testing.T) {
	for v, want := range map[string]string{
		"Radié": "terminated", "Compte fermé": "terminated", "CLOTURE": "terminated", "En sommeil": "terminated",
		"Inactive": "terminated", "Closed account": "terminated", "Liquidation judiciaire": "terminated",
		"Non actif": "terminated", "Cessation d'activité": "terminated", "Deactivated": "terminated",
		"Ouvert": "active", "Open": "active", "Normal": "active", "En règle": "active", "Good standing": "active",
		"Bloqué": "", "Suspendu": "", "On hold": "", "Contentieux": "", "Pending": "", "Redressement judiciaire": "",
		"Actif mais fermé": "",
	} {
		if got := statusMeaning(v); got != want {
			t.Errorf("statusMeaning(%q) = %q, want %q", v, got, want)
		}
	}
}

// A file without every required accounts column: the error names what is
// missing and the headers of the closest row.
func TestSuggestMissing(t *testing.T) {
	sh := Sample{Name: "Export", Rows: rowsOf(
		[]string{"Rapport mensuel"},
		[]string{"Code client", "Raison sociale", "Statut", "Commercial", "Ville"},
		[]string{"C1", "Alpha", "Actif", "M. Durand", "Lyon"},
	)}
	_, err := Suggest([]Sample{{Name: "Vide"}, sh})
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrNoAccountsSheet) {
		t.Fatalf("err = %v, want a MissingError", err)
	}
	if !reflect.DeepEqual(me.Missing, []string{"insured_limit", "outstanding"}) || me.Sheet != "Export" || me.HeaderRow != 2 {
		t.Errorf("MissingError = %+v", me)
	}
	for _, s := range []string{"missing insured_limit, outstanding", `row 2 of sheet "Export"`, `"Code client", "Raison sociale", "Statut", "Commercial", "Ville"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
	_, err = Suggest([]Sample{{Name: "Vide"}})
	if !errors.As(err, &me) || !strings.Contains(err.Error(), `the first 20 rows of the sheets "Vide" hold no header`) {
		t.Errorf("empty workbook: %v", err)
	}
}
