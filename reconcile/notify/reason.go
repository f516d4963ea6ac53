package notify

import (
	"regexp"
	"strings"

	"github.com/encours/encours/reconcile"
)

// The engine writes its reasons in English, from a handful of fixed
// phrasings; reasonFR rewrites each of them in French with the same
// figures. A phrasing it does not know leaves the whole reason in English
// rather than half translated.
var reasonFR = []struct {
	re  *regexp.Regexp
	out string
}{
	{regexp.MustCompile(`^outstanding (.+) exceeds insured limit (.+) by (.+)$`),
		"encours de $1 supérieur à la limite assurée de $2 : dépassement de $3"},
	{regexp.MustCompile(`^capped at (.+)$`), "ligne plafonnée à $1"},
	// An increase a program budget held back (spec §8.1); before the
	// plain increase, which would match it too.
	{regexp.MustCompile(`^line raised from (.+) to (.+) instead of (.+): capped by the program budget, which had (.+) left$`),
		"ligne relevée de $1 à $2 au lieu de $3 : plafonnée par le budget du programme, où il restait $4"},
	{regexp.MustCompile(`^not raised from (.+) to (.+): capped by the program budget, which had (.+) left$`),
		"ligne non relevée de $1 à $2 : plafonnée par le budget du programme, où il restait $3"},
	{regexp.MustCompile(`^line raised from (.+) to (.+)$`), "ligne relevée de $1 à $2"},
	{regexp.MustCompile(`^order (.+) of (\d{4}-\d\d-\d\d): (.+) of (.+) products \(threshold (.+)\)$`),
		"commande $1 du $2 : $3 de produits $4 (seuil $5)"},
	{regexp.MustCompile(`^line of (.+) for 1 month$`), "ligne de $1 pour 1 mois"},
	{regexp.MustCompile(`^line of (.+) for (\d+) months$`), "ligne de $1 pour $2 mois"},
	{regexp.MustCompile(`^extended from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)$`), "prolongée du $1 au $2"},
	{regexp.MustCompile(`^ended on (\d{4}-\d\d-\d\d)$`), "échue le $1"},
	{regexp.MustCompile(`^reseller terminated at the wholesaler$`), "revendeur radié chez le grossiste"},
	{regexp.MustCompile(`^line revoked$`), "ligne révoquée"},
	// Why a waitlisted claim waits (spec §8.2).
	{regexp.MustCompile(`^waitlisted$`), "en liste d'attente"},
	{regexp.MustCompile(`^the program budget's only beneficiary place is taken$`),
		"la seule place de bénéficiaire du budget du programme est prise"},
	{regexp.MustCompile(`^the program budget's (\d+) beneficiary places are all taken$`),
		"les $1 places de bénéficiaires du budget du programme sont toutes prises"},
	{regexp.MustCompile(`^the program budget has (.+) left of (.+)$`), "il reste $1 sur les $2 du budget du programme"},
	{regexp.MustCompile(`^not granted before the program opens on (\d{4}-\d\d-\d\d)$`),
		"non accordée avant l'ouverture du programme le $1"},
	{regexp.MustCompile(`^not granted in this run: (\S+)'s accounts of this run do not list the reseller$`),
		"non accordée à ce passage : les comptes de $1 reçus à ce passage ne listent pas ce revendeur"},
}

// reasonPrefixFR are the phrasings that lead another one ("waitlisted:
// <why>", "granted from the waitlist (…): <claim>"): their French leads
// the French of what follows.
var reasonPrefixFR = []struct {
	re  *regexp.Regexp
	out string
}{
	{regexp.MustCompile(`^waitlisted: (.+)$`), "en liste d'attente : "},
	{regexp.MustCompile(`^granted from the waitlist \(rank (\d+), waiting since (\d{4}-\d\d-\d\d)\): (.+)$`),
		"accordée depuis la liste d'attente (rang $1, en attente depuis le $2) : "},
}

// partFR is one "; "-separated part of a reason in French; false when no
// phrasing matches it.
func partFR(p string) (string, bool) {
	for _, r := range reasonPrefixFR {
		if m := r.re.FindStringSubmatchIndex(p); m != nil {
			rest, ok := partFR(p[m[len(m)-2]:m[len(m)-1]])
			if !ok {
				return "", false
			}
			return string(r.re.ExpandString(nil, r.out, p, m)) + rest, true
		}
	}
	for _, r := range reasonFR {
		if r.re.MatchString(p) {
			return r.re.ReplaceAllString(p, r.out), true
		}
	}
	return "", false
}

var (
	isoDate = regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`)
	// frAmount is an amount as reconcile.Cents.String writes it.
	frAmount = regexp.MustCompile(`(-?)(\d{1,3}(?: \d{3})*),(\d\d) €`)
)

// LocalReason is a line's reason as a reader of lang expects it: in
// French for "fr"; dates, and in English amounts, written the local way.
func LocalReason(lang, reason string) string {
	lang = language(lang)
	out := reason
	if lang == "fr" {
		parts := strings.Split(reason, "; ")
		for i, p := range parts {
			fr, ok := partFR(p)
			if !ok {
				return localDates(lang, reason)
			}
			parts[i] = fr
		}
		out = strings.Join(parts, " ; ")
	}
	out = localDates(lang, out)
	if lang == "en" {
		out = enAmounts(out)
	}
	return out
}

// enAmounts rewrites "12 340,00 €" as "€12,340.00".
func enAmounts(s string) string {
	return frAmount.ReplaceAllStringFunc(s, func(a string) string {
		m := frAmount.FindStringSubmatch(a)
		units := strings.ReplaceAll(m[2], " ", "")
		var c reconcile.Cents
		for _, r := range units + m[3] {
			c = c*10 + reconcile.Cents(r-'0')
		}
		if m[1] == "-" {
			c = -c
		}
		return c.FormatEN()
	})
}

func localDates(lang, s string) string {
	return isoDate.ReplaceAllStringFunc(s, func(d string) string {
		var dt reconcile.Date
		if err := dt.UnmarshalText([]byte(d)); err != nil {
			return d
		}
		return dt.Format(lang)
	})
}

// LocalLines returns lines with their reasons in lang (see LocalReason);
// lines itself is not changed.
func LocalLines(lang string, lines []reconcile.ReportLine) []reconcile.ReportLine {
	out := make([]reconcile.ReportLine, len(lines))
	for i, l := range lines {
		l.Reason = LocalReason(lang, l.Reason)
		out[i] = l
	}
	return out
}
