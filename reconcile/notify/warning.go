package notify

import (
	"regexp"
	"strings"
)

// LocalWarning is a run warning as a reader of lang expects it. The run
// writes its warnings in English; for "fr" each phrasing of warningFR is
// rewritten in French with the same figures, and one it does not know is
// left whole, in English, rather than half translated. English readers
// get the known phrasings with their amounts written the English way.
func LocalWarning(lang, text string) string {
	lang = language(lang)
	for _, r := range warningFR {
		m := r.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		if lang == "en" {
			return enAmounts(text)
		}
		if out, ok := r.fr(m); ok {
			return out
		}
		return text
	}
	return text
}

// budgetPrefix starts every budget warning of the engine: "budget:
// <program id>: …".
const budgetPrefix = "budget: "

// isBudgetWarning reports a warning about a program budget: its figures
// are every wholesaler's together, for the program managers only.
func isBudgetWarning(text string) bool { return strings.HasPrefix(text, budgetPrefix) }

// warningFR holds the run warnings' phrasings and their French, as
// problemFR does for rejected rows.
var warningFR = []problemRule{
	// A budget below what the program's valid lines already use (spec
	// §8.1): nothing is revoked, nothing new is granted until room frees.
	{regexp.MustCompile(`^budget: (\S+): the valid lines already use (.+), over the budget of (.+); nothing new is granted until room frees$`),
		func(m []string) (string, bool) {
			used, ok1 := figuresFR(m[2])
			limit, ok2 := figuresFR(m[3])
			if !ok1 || !ok2 {
				return "", false
			}
			return "budget : " + m[1] + " : les lignes en vigueur utilisent déjà " + used + ", au-delà du budget de " + limit +
				" ; rien de nouveau n'est accordé tant que de la place ne se libère pas", true
		}},
}

var (
	// amountAndCount is "42 000,00 € and 14 beneficiaries"; either part
	// may come alone.
	amountAndCount = regexp.MustCompile(`^(` + frAmount.String() + `) and (\d+) (beneficiary|beneficiaries)$`)
	amountAlone    = regexp.MustCompile(`^` + frAmount.String() + `$`)
	countAlone     = regexp.MustCompile(`^(\d+) (beneficiary|beneficiaries)$`)
)

// figuresFR translates the figures of a budget warning: an amount, a
// number of beneficiaries, or both.
func figuresFR(s string) (string, bool) {
	// Each figure stays on one line with its unit, as in the rest of the
	// email.
	beneficiaries := func(n, word string) string {
		if word == "beneficiary" {
			return n + "\u00a0bénéficiaire"
		}
		return n + "\u00a0bénéficiaires"
	}
	if m := amountAndCount.FindStringSubmatch(s); m != nil {
		return nbsp(m[1]) + " et " + beneficiaries(m[len(m)-2], m[len(m)-1]), true
	}
	if amountAlone.MatchString(s) {
		return nbsp(s), true
	}
	if m := countAlone.FindStringSubmatch(s); m != nil {
		return beneficiaries(m[1], m[2]), true
	}
	return "", false
}
