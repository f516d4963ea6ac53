package layout

import (
	"strings"
	"unicode"
)

// The words credit and ERP exports use for each field, in French and
// English, as Suggest matches them: each phrase is a set of words, matched
// without case, accents, punctuation or word order, and with the synonyms
// of canonical folded together (n°, no, num, numéro and number are one
// word; so are code, id, ref and référence; client, customer, débiteur and
// revendeur; compte and account; nom, name and raison; mt, mnt and
// montant; facture and invoice; doc and document). A phrase of more words
// is more specific and wins over a shorter one ("Plafond d'encours" is
// insured_limit, not outstanding). No wording may stand for two fields of
// one sheet equally, but "client" (id or name: the data decides); ht, net
// and the currency qualify a value without counting, ttc and gross do
// count, so that "Montant HT" wins over "Montant TTC".
var fieldWords = map[string][]string{
	// accounts
	"reseller_id": {
		"code client", "n° client", "numéro client", "id client", "identifiant client", "référence client",
		"code tiers", "n° tiers", "n° compte", "numéro de compte", "code compte", "compte client", "compte",
		"account", "account number", "account id", "customer id", "customer number", "cust no", "client id",
		"debtor number", "debtor code", "code débiteur", "reseller id", "partner id", "code revendeur",
		"sold-to", "sold-to party", "matricule", "code", "id", "n°", "client",
	},
	"reseller_name": {
		"raison sociale", "nom", "nom client", "nom commercial", "dénomination", "dénomination sociale", "société",
		"entreprise", "client", "libellé", "libellé client", "libellé compte", "name", "customer name", "company", "company name",
		"account name", "reseller name", "partner name", "debtor name", "business name", "trading name", "legal name",
	},
	"status": {
		"statut", "statut compte", "état", "état du compte", "situation", "situation compte", "status", "account status",
		"customer status", "state", "account state", "blocage", "blocked", "etat client",
	},
	"insured_limit": {
		"limite", "limite assurée", "limite d'assurance", "limite de crédit", "limite crédit assurée", "limite d'encours",
		"plafond", "plafond assuré", "plafond d'encours", "plafond de crédit", "garantie", "montant garanti",
		"encours garanti", "encours assuré", "encours autorisé", "couverture", "couverture assurance", "agrément",
		"montant agréé", "assurance crédit", "crédit autorisé", "crédit accordé", "limite accordée", "credit limit", "insured limit", "insured credit limit", "insurance limit",
		"cover", "coverage", "credit cover", "approved limit", "insured amount", "guaranteed limit", "credit insurance",
		"limit", "insured",
	},
	"outstanding": {
		"encours", "encours total", "encours client", "solde", "solde client", "solde dû", "montant dû", "total dû",
		"reste dû", "exposition", "engagement", "engagements", "outstanding", "outstanding balance", "balance",
		"exposure", "total due", "amount due", "open balance", "open items", "receivables", "total outstanding",
		"current balance", "ar balance", "debt", "outstanding amount", "open ar", "ar open", "ar outstanding", "total ar",
		"accounts receivable", "open receivables", "open amount", "receivable balance", "montant ouvert", "solde ouvert",
	},
	"siren": {"siren", "n° siren", "code siren", "siren number"},
	"applied_line": {
		"ligne microsoft", "ligne éditeur", "ligne appliquée", "ligne constructeur", "ligne complémentaire", "complément",
		"ligne mezzanine", "ligne supplémentaire", "applied line", "vendor line", "vendor credit line", "additional line",
		"top-up line", "top up", "extra line", "supplementary line", "credit applied", "crédit appliqué",
		"vendor credit", "vendor credit applied", "crédit éditeur", "ligne ms", "ms line", "microsoft line", "microsoft credit",
		"crédit microsoft", "crédit ms", "extra credit",
	},
	// orders
	"order_id": {
		"n° commande", "numéro de commande", "commande", "référence commande", "n° cde", "cde", "bon de commande",
		"n° bc", "order", "order id", "order number", "order no", "order ref", "po number", "sales order", "so number",
		"n° pièce", "n° document", "n° facture", "numéro de facture", "n° bl", "document no", "document number",
		"invoice no", "invoice number", "invoice id", "référence pièce", "référence document", "sales document", "billing document", "transaction number",
	},
	"order_date": {
		"date", "date commande", "date de commande", "date cde", "order date", "date of order", "posting date",
		"document date", "date pièce", "ordered date", "invoice date", "date facture", "date document",
	},
	"product": {
		"article", "produit", "désignation", "désignation article", "libellé", "libellé article", "libellé produit",
		"libellé ligne", "description", "product",
		"item", "item description", "product name", "product description",
	},
	"category": {
		"famille", "famille produit", "famille article", "catégorie", "catégorie produit", "gamme", "type produit",
		"category", "product category", "product family", "product line", "family", "item category", "classe",
		"classe produit", "product class", "class", "product group", "groupe produit", "item group",
		"material group", "groupe de marchandises", "groupe article", "ligne de produit", "product type", "type de produit",
		"type article",
	},
	"amount": {
		"montant", "montant commande", "montant ligne", "total ligne", "valeur", "prix total", "amount",
		"order amount", "line amount", "total", "value", "net value", "line total", "sales amount", "extended amount",
		"invoice amount", "montant facturé", "chiffre d'affaires", "ca",
	},
	"payment": {
		"règlement", "mode de règlement", "mode de paiement", "paiement", "moyen de paiement", "conditions de paiement",
		"payment", "payment method", "payment terms", "payment type", "terms",
	},
	"financing_accepted_at": {
		"accord financement", "date accord financement", "acceptation financement", "financement accepté",
		"financing accepted", "financing approved", "financing approval", "financing approval date", "date financing accepted",
	},
	"financing_paid_at": {
		"paiement financement", "date paiement financement", "financement payé", "financement versé",
		"financing paid", "financing payment", "financing payment date", "financing paid date", "funded", "funding date",
		"versement financement", "date versement financement",
	},
}

// canonical folds synonyms into one word, after accents and case.
var canonical = map[string]string{
	"n": "num", "no": "num", "nº": "num", "num": "num", "numero": "num", "number": "num", "nr": "num", "nbr": "num",
	"id": "id", "code": "id", "identifiant": "id", "identifier": "id", "ident": "id", "ref": "id", "reference": "id",
	"client": "client", "clients": "client", "customer": "client", "customers": "client", "cust": "client",
	"clt": "client", "debtor": "client", "debiteur": "client", "reseller": "client", "revendeur": "client",
	"partner": "client", "partenaire": "client", "tiers": "client", "acheteur": "client", "buyer": "client",
	"compte": "account", "account": "account", "acct": "account", "cpte": "account", "cpt": "account",
	"nom": "name", "name": "name", "raison": "name", "denomination": "name", "intitule": "name",
	"mt": "montant", "mnt": "montant", "mtt": "montant", "mont": "montant",
	"doc": "document", "facture": "invoice", "inv": "invoice", "trx": "transaction",
	"applique": "applied", "appliquee": "applied",
	"statut": "status", "status": "status", "etat": "status", "state": "status",
	"du": "due", "due": "due", "dus": "due", "owed": "due",
	"assure": "insured", "assuree": "insured", "insured": "insured", "assurance": "insured", "insurance": "insured",
	"sociale": "", "social": "",
}

// stopWords carry no meaning in a header; neutralWords qualify a value
// without changing the field ("Montant HT", "Encours TTC", "Total EUR").
var (
	stopWords    = set("de", "d", "des", "la", "le", "les", "l", "the", "of", "a", "au", "aux", "et", "and", "par", "per", "for", "in", "on", "en")
	neutralWords = set("ht", "hors", "taxes", "excl", "lcy", "eur", "euro", "euros", "net", "k", "keur", "actuel", "current", "total")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// words splits a header into its folded, canonical words, without stop
// words: "N° de compte" is [num account].
func words(s string) []string {
	f := strings.ReplaceAll(normalize(strings.ReplaceAll(s, "#", " num ")), "a/r", " ar ")
	var out []string
	for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if c, ok := canonical[w]; ok {
			w = c
		}
		if w == "" || stopWords[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// phrase is one wording of a field, as a set of words.
type phrase struct {
	field string
	words map[string]bool
}

// phrases are fieldWords compiled, per field.
var phrases = func() map[string][]phrase {
	out := map[string][]phrase{}
	for field, list := range fieldWords {
		for _, p := range list {
			ws := words(p)
			if len(ws) == 0 {
				continue
			}
			out[field] = append(out[field], phrase{field: field, words: set(ws...)})
		}
	}
	return out
}()

// headerScore is how well a header's words stand for a field: 100 per
// word of the most specific phrase they hold, less 15 per word of the
// header the phrase leaves unexplained (neutral words aside); 0 when no
// phrase of the field is in the header.
func headerScore(hw []string, field string) int {
	best := 0
	for _, p := range phrases[field] {
		have := 0
		seen := map[string]bool{}
		for _, w := range hw {
			if p.words[w] && !seen[w] {
				have++
				seen[w] = true
			}
		}
		if have < len(p.words) {
			continue
		}
		extra := 0
		for _, w := range hw {
			if !p.words[w] && !neutralWords[w] {
				extra++
			}
		}
		if s := 100*len(p.words) - 15*extra; s > best {
			best = s
		}
	}
	return best
}

// Status words by meaning. A terminated reseller's relationship with the
// wholesaler has ended (closed, struck off, liquidated, ceased, dormant,
// inactive): a run revokes its lines. Words for an account that still
// exists but is held (blocked, suspended, on hold, in litigation, pending)
// are neither: revoking or granting on them is a decision for people, so
// Suggest leaves them unplaced.
var (
	terminatedWords = set("radie", "radiee", "ferme", "fermee", "cloture", "cloturee", "clos", "close", "resilie",
		"resiliee", "liquide", "liquidee", "liquidation", "cessation", "cesse", "cessee", "dissous", "dissoute",
		"dissolution", "supprime", "supprimee", "inactif", "inactive", "sommeil", "dormant", "closed", "terminated",
		"cancelled", "canceled", "ceased", "deleted", "dissolved", "deactivated", "desactive", "desactivee",
		"archive", "archived", "faillite", "bankrupt", "bankruptcy", "radiation")
	activeWords = set("actif", "active", "ok", "ouvert", "ouverte", "open", "normal", "valide", "validee", "approuve",
		"approved", "enabled", "live", "regle", "standing", "good", "oui", "yes")
	negationWords = set("non", "not", "pas", "no", "sans")
)

// statusMeaning places a status value by its words: "active",
// "terminated", or "" when it cannot tell.
func statusMeaning(v string) string {
	var neg, act, term bool
	for _, w := range strings.FieldsFunc(normalize(v), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		switch {
		case negationWords[w]:
			neg = true
		case terminatedWords[w]:
			term = true
		case activeWords[w]:
			act = true
		}
	}
	switch {
	case act && term:
		return ""
	case term:
		if neg {
			return "active"
		}
		return "terminated"
	case act:
		if neg {
			return "terminated"
		}
		return "active"
	}
	return ""
}

// Words telling the language of headers.
var (
	frenchWords  = set("client", "compte", "raison", "sociale", "statut", "etat", "limite", "assuree", "assure", "plafond", "encours", "solde", "commande", "montant", "reglement", "famille", "article", "produit", "nom", "societe", "numero", "libelle", "designation", "categorie", "paiement", "financement", "accord", "du", "de", "ligne", "garantie")
	englishWords = set("customer", "account", "name", "company", "status", "state", "limit", "insured", "credit", "balance", "outstanding", "order", "amount", "payment", "category", "product", "item", "number", "description", "financing", "accepted", "paid", "due", "exposure", "line")
)

// language guesses fr or en from headers; French when it cannot tell.
func language(headers []string) (string, int, int) {
	fr, en := 0, 0
	for _, h := range headers {
		for _, w := range strings.FieldsFunc(normalize(h), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if frenchWords[w] {
				fr++
			}
			if englishWords[w] {
				en++
			}
		}
	}
	if en > fr {
		return "en", fr, en
	}
	return "fr", fr, en
}
