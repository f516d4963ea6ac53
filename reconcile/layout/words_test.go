package layout

import (
	"slices"
	"testing"
)

// col is one column of a realistic header row and the field it stands
// for; "" for a column no field reads.
type col struct{ header, field string }

// realHeaders are header rows as the credit and ERP exports of French and
// English wholesalers write them (Sage, Cegid, SAP, Navision/Business
// Central, Dynamics 365, Oracle, credit-insurer reports), with columns no
// field reads among them.
var realHeaders = map[string][][]col{
	"accounts": {
		{{"N° compte", "reseller_id"}, {"Intitulé", "reseller_name"}, {"Statut", "status"}, {"Assurance crédit", "insured_limit"},
			{"Encours", "outstanding"}, {"Ville", ""}, {"SIRET", ""}, {"Crédit appliqué", "applied_line"}},
		{{"Code tiers", "reseller_id"}, {"Libellé", "reseller_name"}, {"Etat", "status"}, {"Plafond crédit", "insured_limit"},
			{"Solde", "outstanding"}, {"N° SIREN", "siren"}, {"Famille tiers", ""}, {"Ligne MS", "applied_line"}},
		{{"Customer", "reseller_id"}, {"Name 1", "reseller_name"}, {"Blocked", "status"}, {"Credit limit", "insured_limit"},
			{"Credit exposure", "outstanding"}, {"Risk category", ""}, {"Currency", ""}, {"MS credit applied", "applied_line"}},
		{{"No.", "reseller_id"}, {"Name", "reseller_name"}, {"Phone No.", ""}, {"Blocked", "status"},
			{"Credit Limit (LCY)", "insured_limit"}, {"Balance (LCY)", "outstanding"}, {"Balance Due (LCY)", ""}},
		{{"Customer account", "reseller_id"}, {"Invoice account", ""}, {"Name", "reseller_name"}, {"Customer group", ""},
			{"Account status", "status"}, {"Credit limit", "insured_limit"}, {"Outstanding balance", "outstanding"}},
		{{"Customer Number", "reseller_id"}, {"Customer Name", "reseller_name"}, {"Tax Registration Number", ""},
			{"Account Status", "status"}, {"Credit Limit", "insured_limit"}, {"Open AR", "outstanding"}, {"credit applied", "applied_line"}},
		{{"N° client", "reseller_id"}, {"Raison sociale", "reseller_name"}, {"SIREN", "siren"}, {"Statut", "status"},
			{"Limite assurée", "insured_limit"}, {"Encours", "outstanding"}, {"Commercial", ""}, {"Crédit appliqué", "applied_line"}},
		{{"Cust. No.", "reseller_id"}, {"Customer name", "reseller_name"}, {"Status", "status"}, {"Insured limit", "insured_limit"},
			{"A/R balance", "outstanding"}, {"Vendor credit applied", "applied_line"}, {"Sales rep", ""}},
		{{"Numéro de compte", "reseller_id"}, {"Dénomination", "reseller_name"}, {"Situation", "status"},
			{"Plafond d'encours", "insured_limit"}, {"Encours TTC", "outstanding"}, {"Ligne éditeur", "applied_line"}},
		{{"Code client", "reseller_id"}, {"Nom", "reseller_name"}, {"Code SIREN", "siren"}, {"État", "status"},
			{"Limite de crédit", "insured_limit"}, {"Solde comptable", "outstanding"}, {"Crédit MS", "applied_line"}},
	},
	"orders": {
		{{"N° pièce", "order_id"}, {"Date", "order_date"}, {"Code client", "reseller_id"}, {"Référence article", ""},
			{"Désignation", "product"}, {"Famille", "category"}, {"Quantité", ""}, {"Prix unitaire", ""}, {"Mt HT", "amount"},
			{"Montant TTC", ""}, {"Mode de règlement", "payment"}},
		{{"No. de pièce", "order_id"}, {"Date pièce", "order_date"}, {"Tiers", "reseller_id"}, {"Libellé", "product"},
			{"Famille article", "category"}, {"Mnt HT", "amount"}, {"Règlement", "payment"}},
		{{"N° de pièce", "order_id"}, {"Date", "order_date"}, {"N° client", "reseller_id"}, {"Libellé", "product"},
			{"Gamme", "category"}, {"Montant HT", "amount"}},
		{{"Sales Document", "order_id"}, {"Sold-to party", "reseller_id"}, {"Document Date", "order_date"},
			{"Description", "product"}, {"Material Group", "category"}, {"Net value", "amount"}, {"Payment terms", "payment"}},
		{{"Document No.", "order_id"}, {"External Document No.", ""}, {"Sell-to Customer No.", "reseller_id"},
			{"Posting Date", "order_date"}, {"Description", "product"}, {"Item Category Code", "category"}, {"Amount", "amount"},
			{"Amount Including VAT", ""}, {"Payment Method Code", "payment"}},
		{{"Sales order", "order_id"}, {"Customer account", "reseller_id"}, {"Order date", "order_date"}, {"Item name", "product"},
			{"Item group", "category"}, {"Net amount", "amount"}, {"Method of payment", "payment"}},
		{{"Order Number", "order_id"}, {"Customer Number", "reseller_id"}, {"Ordered Date", "order_date"},
			{"Item Description", "product"}, {"Product Category", "category"}, {"Extended Amount", "amount"}, {"Payment Terms", "payment"}},
		{{"N° facture", "order_id"}, {"Date facture", "order_date"}, {"Code client", "reseller_id"}, {"Désignation", "product"},
			{"Catégorie", "category"}, {"Montant HT", "amount"}},
		{{"Invoice No.", "order_id"}, {"Invoice Date", "order_date"}, {"Customer No.", "reseller_id"}, {"Item", "product"},
			{"Product family", "category"}, {"Net amount", "amount"}, {"Terms", "payment"}},
		{{"Order No.", "order_id"}, {"Order Date", "order_date"}, {"Account", "reseller_id"}, {"Product", "product"},
			{"Category", "category"}, {"Order amount", "amount"}, {"Financing accepted", "financing_accepted_at"},
			{"Financing paid", "financing_paid_at"}},
		{{"Référence pièce", "order_id"}, {"Date de pièce", "order_date"}, {"Compte client", "reseller_id"},
			{"Référence article", ""}, {"Désignation article", "product"}, {"Ligne de produit", "category"},
			{"Montant ligne HT", "amount"}, {"Moyen de paiement", "payment"}, {"Accord financement", "financing_accepted_at"},
			{"Date versement financement", "financing_paid_at"}},
	},
}

// sheetFields are the fields of each kind of sheet, required first.
var sheetFields = map[string][2][]string{
	"accounts": {AccountFields, AccountOptionalFields},
	"orders":   {OrderFields, OrderOptionalFields},
}

// The dictionary maps every column of real ERP header rows to its field,
// and leaves the columns no field reads alone: nothing looser.
func TestSuggestRealHeaderRows(t *testing.T) {
	for kind, rows := range realHeaders {
		f := sheetFields[kind]
		for _, row := range rows {
			header := make([]string, len(row))
			want := map[string]int{}
			for j, c := range row {
				header[j] = c.header
				if c.field != "" {
					want[c.field] = j
				}
			}
			got := assign(header, nil, f[0], f[1])
			for field, j := range want {
				if g, ok := got[field]; !ok || g != j {
					t.Errorf("%s %q: %s → %s, want %q", kind, header, field, at(header, g, ok), header[j])
				}
			}
			for field, j := range got {
				if _, ok := want[field]; !ok {
					t.Errorf("%s %q: %s → %q, want nothing", kind, header, field, header[j])
				}
			}
		}
	}
}

// deliberateTies are wordings that stand for two fields of one sheet
// equally: the data decides (a column of names is the name, of codes the
// id: TestSuggestDataBreaksTies).
var deliberateTies = map[string][]string{
	"client": {"reseller_id", "reseller_name"},
}

// Every wording of the dictionary, taken as a header, stands for its own
// field more than for any other field of its sheet: no two fields claim
// one column.
func TestSuggestDictionaryUnambiguous(t *testing.T) {
	for kind, f := range sheetFields {
		fields := append(append([]string(nil), f[0]...), f[1]...)
		for _, field := range fields {
			for _, p := range fieldWords[field] {
				hw := words(p)
				own := headerScore(hw, field)
				if own <= 0 {
					t.Errorf("%s: %q does not match its own field %s", kind, p, field)
					continue
				}
				for _, other := range fields {
					if other == field {
						continue
					}
					if sc := headerScore(hw, other); sc >= own && !slices.Contains(deliberateTies[p], other) {
						t.Errorf("%s: %q scores %d for %s, %d for its own field %s", kind, p, sc, other, own, field)
					}
				}
			}
		}
	}
}
