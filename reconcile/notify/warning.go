package notify

import (
	"regexp"
	"strings"
)

// LocalWarning is a run warning as a reader of lang expects it. The run
// writes its warnings in English. The budget warnings of warningFR are
// rewritten in French with the same figures (and, for English readers,
// their amounts written the English way); every other warning goes
// through LocalProblem's table. One it does not know is left whole, in
// English, rather than half translated.
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
	return LocalProblem(lang, text)
}

// budgetPrefix starts every budget warning of the engine: "budget:
// <program id>: …".
const budgetPrefix = "budget: "

// isBudgetWarning reports a warning about a program budget: its figures
// are every wholesaler's together, for the program managers only.
func isBudgetWarning(text string) bool { return strings.HasPrefix(text, budgetPrefix) }

// warningFR holds the budget warnings' phrasings (reconcile.BudgetWarning)
// and their French.
var warningFR = []problemRule{
	// A budget below what the program's valid lines already use (spec
	// §8.1): nothing is revoked, nothing new is granted until room frees.
	// Either clause may come alone.
	{regexp.MustCompile(`^budget: (\S+): the program's valid lines (.+); nothing is revoked, and nothing new is granted until lines end and free room$`),
		func(m []string) (string, bool) {
			var parts []string
			for _, clause := range strings.Split(m[2], " and ") {
				if c := overTotal.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "utilisent "+nbsp(c[1])+", soit "+nbsp(c[3])+" de plus que le budget (max_total "+nbsp(c[2])+")")
					continue
				}
				if c := overCount.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "sont au nombre de "+c[1]+", soit "+c[3]+" de plus que le budget (max_beneficiaries "+c[2]+")")
					continue
				}
				return "", false
			}
			return "budget : " + m[1] + " : les lignes en vigueur du programme " + strings.Join(parts, " et ") +
				" ; rien n'est révoqué, et rien de nouveau n'est accordé tant que des lignes ne se terminent pas et ne libèrent pas de place", true
		}},
}

// euros is an amount as the engine writes it ("42 000,00 €").
const euros = `-?\d{1,3}(?: \d{3})*,\d\d €`

var (
	// overTotal and overCount are the two clauses of a budget warning.
	overTotal = regexp.MustCompile(`^use (` + euros + `), over max_total (` + euros + `) by (` + euros + `)$`)
	overCount = regexp.MustCompile(`^number (\d+), over max_beneficiaries (\d+) by (\d+)$`)
)
