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
	{regexp.MustCompile(`^line raised from (.+) to (.+)$`), "ligne relevée de $1 à $2"},
	{regexp.MustCompile(`^order (.+) of (\d{4}-\d\d-\d\d): (.+) of (.+) products \(threshold (.+)\)$`),
		"commande $1 du $2 : $3 de produits $4 (seuil $5)"},
	{regexp.MustCompile(`^line of (.+) for 1 month$`), "ligne de $1 pour 1 mois"},
	{regexp.MustCompile(`^line of (.+) for (\d+) months$`), "ligne de $1 pour $2 mois"},
	{regexp.MustCompile(`^extended from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)$`), "prolongée du $1 au $2"},
	{regexp.MustCompile(`^ended on (\d{4}-\d\d-\d\d)$`), "échue le $1"},
	{regexp.MustCompile(`^reseller terminated at the wholesaler$`), "revendeur radié chez le grossiste"},
	{regexp.MustCompile(`^line revoked$`), "ligne révoquée"},
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
			done := false
			for _, r := range reasonFR {
				if r.re.MatchString(p) {
					parts[i], done = r.re.ReplaceAllString(p, r.out), true
					break
				}
			}
			if !done {
				return localDates(lang, reason)
			}
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
