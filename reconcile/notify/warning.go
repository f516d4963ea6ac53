package notify

import (
	"regexp"
	"strings"
)

// LocalWarning is a run warning as a reader of lang expects it: a
// sentence in that language, never the code run.json starts it with
// ("stale_feed: ingram: …", "budget: mezzanine: …"). run.json keeps the
// English the run writes; the kinds of warningRules are rewritten here in
// both languages, with their figures written the reader's way; every other
// warning goes through LocalProblem's table. One it does not know is left
// whole, in English, rather than half translated.
func LocalWarning(lang, text string) string {
	return localWarning(lang, text, nil)
}

// localWarning is LocalWarning with program, when not nil, giving the
// name the reader knows for a program id.
func localWarning(lang, text string, program func(id string) string) string {
	lang = language(lang)
	if program == nil {
		program = func(id string) string { return id }
	}
	for _, r := range warningRules {
		m := r.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		write := r.fr
		if lang == "en" {
			write = r.en
		}
		if out, ok := write(m, program); ok {
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

// warningRule is one warning phrasing of the run and its French and
// English sentences; either may refuse (false) a match it cannot fully
// write.
type warningRule struct {
	re     *regexp.Regexp
	fr, en func(m []string, program func(id string) string) (string, bool)
}

// warningRules holds the warnings that start with a code (budget,
// stale_feed, retention) or are written for a log rather than a reader.
var warningRules = []warningRule{
	// reconcile.BudgetWarning: a budget below what the program's valid
	// lines already use (nothing is revoked, nothing new is granted until
	// room frees). Either clause may come alone.
	{regexp.MustCompile(`^budget: (\S+): the program's valid lines (.+); nothing is revoked, and nothing new is granted until lines end and free room$`),
		func(m []string, program func(string) string) (string, bool) {
			var parts []string
			for _, clause := range strings.Split(m[2], " and ") {
				if c := overTotal.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "utilisent "+nbsp(c[1])+", soit "+nbsp(c[3])+" de plus que le budget (max_total "+nbsp(c[2])+")")
					continue
				}
				if c := overCount.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "sont au nombre de "+countFR(c[1])+", soit "+countFR(c[3])+" de plus que le budget (max_beneficiaries "+countFR(c[2])+")")
					continue
				}
				return "", false
			}
			return "Budget dépassé pour " + guillemet(program(m[1])) + " : ses lignes en vigueur " + strings.Join(parts, " et ") +
				". Rien n'est révoqué, et rien de nouveau n'est accordé tant que des lignes ne se terminent pas et ne libèrent pas de place.", true
		},
		func(m []string, program func(string) string) (string, bool) {
			var parts []string
			for _, clause := range strings.Split(m[2], " and ") {
				if c := overTotal.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "use "+enAmounts(c[1])+", over max_total "+enAmounts(c[2])+" by "+enAmounts(c[3]))
					continue
				}
				if c := overCount.FindStringSubmatch(clause); c != nil {
					parts = append(parts, "number "+countEN(c[1])+", over max_beneficiaries "+countEN(c[2])+" by "+countEN(c[3]))
					continue
				}
				return "", false
			}
			return `Budget exceeded for "` + program(m[1]) + `": its valid lines ` + strings.Join(parts, ", and ") +
				". Nothing is revoked, and nothing new is granted until lines end and free room.", true
		}},
	// reconcile/batch: a wholesaler whose export is late.
	{regexp.MustCompile(`^stale_feed: (\S+): no new export since (\d{4}-\d\d-\d\d) \((\d+) days\); ask (.+) for this week's export$`),
		func(m []string, program func(string) string) (string, bool) {
			return m[4] + " n'a envoyé aucun nouvel export depuis le " + engineDate("fr", m[2]) + " (" + countFR(m[3]) +
				"\u00a0jours) : demandez-lui l'export de la semaine.", true
		},
		func(m []string, program func(string) string) (string, bool) {
			return m[4] + " has sent no new export since " + engineDate("en", m[2]) + " (" + countEN(m[3]) +
				"\u00a0days): ask it for this week's export.", true
		}},
	{regexp.MustCompile(`^stale_feed: (\S+): no export received since encours started on (\d{4}-\d\d-\d\d) \((\d+) days\); ask (.+) to send its export$`),
		func(m []string, program func(string) string) (string, bool) {
			return m[4] + " n'a envoyé aucun export depuis la mise en service d'encours le " + engineDate("fr", m[2]) + " (" + countFR(m[3]) +
				"\u00a0jours) : demandez-lui d'envoyer son export.", true
		},
		func(m []string, program func(string) string) (string, bool) {
			return m[4] + " has sent no export since encours started on " + engineDate("en", m[2]) + " (" + countEN(m[3]) +
				"\u00a0days): ask it to send its export.", true
		}},
	// reconcile/batch: the retention of the run folders.
	{regexp.MustCompile(`^retention: run folder (.+?) could not be removed: (.*)$`),
		func(m []string, _ func(string) string) (string, bool) {
			return "Le dossier de traitement " + m[1] + ", au-delà de sa durée de conservation, n'a pas pu être supprimé (détail technique : " + m[2] + ").", true
		},
		func(m []string, _ func(string) string) (string, bool) {
			return "Run folder " + m[1] + ", past its retention, could not be removed (technical detail: " + m[2] + ").", true
		}},
	{regexp.MustCompile(`^retention: cannot list (.+?): (.*)$`),
		func(m []string, _ func(string) string) (string, bool) {
			return "Les anciens dossiers de traitement n'ont pas pu être supprimés : impossible de lister " + m[1] + " (détail technique : " + m[2] + ").", true
		},
		func(m []string, _ func(string) string) (string, bool) {
			return "The old run folders could not be removed: " + m[1] + " cannot be listed (technical detail: " + m[2] + ").", true
		}},
	// reconcile/batch: the ledger snapshot of encours simulate --replay.
	{regexp.MustCompile(`^the ledger could not be copied before this run \((.*)\): encours simulate --replay last cannot replay this run; --replay all still can$`),
		func(m []string, _ func(string) string) (string, bool) {
			return "Le registre n'a pas pu être copié avant ce traitement (détail technique : " + m[1] +
				") : encours simulate --replay last ne pourra pas le rejouer ; --replay all le peut toujours.", true
		},
		func(m []string, _ func(string) string) (string, bool) {
			return "The ledger could not be copied before this run (technical detail: " + m[1] +
				"): encours simulate --replay last cannot replay this run; --replay all still can.", true
		}},
}

// engineDate writes a date of the engine ("2009-04-20") the reader's way.
func engineDate(lang, d string) string { return nbsp(localDates(lang, d)) }

// guillemet quotes a name the French way.
func guillemet(s string) string { return "«\u00a0" + s + "\u00a0»" }

// countFR and countEN group the digits of a count the engine wrote.
func countFR(d string) string { return number("fr", parseCount(d)) }
func countEN(d string) string { return number("en", parseCount(d)) }

func parseCount(d string) int64 {
	var n int64
	for _, r := range d {
		n = n*10 + int64(r-'0')
	}
	return n
}

// euros is an amount as the engine writes it ("42 000,00 €").
const euros = `-?\d{1,3}(?: \d{3})*,\d\d €`

var (
	// overTotal and overCount are the two clauses of a budget warning.
	overTotal = regexp.MustCompile(`^use (` + euros + `), over max_total (` + euros + `) by (` + euros + `)$`)
	overCount = regexp.MustCompile(`^number (\d+), over max_beneficiaries (\d+) by (\d+)$`)
)
