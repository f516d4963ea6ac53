package notify

import (
	"html/template"
	"regexp"
	"strings"
	"testing"
)

// warningCases are the run's warnings of every kind, as run.json has
// them, and how the program managers' mail writes them.
var warningCases = []struct{ in, fr, en string }{
	{`stale_feed: ingram: no new export since 2009-04-20 (14 days); ask Ingram Micro for this week's export`,
		"Ingram Micro n'a envoyé aucun nouvel export depuis le 20/04/2009 (14\u00a0jours) : demandez-lui l'export de la semaine.",
		"Ingram Micro has sent no new export since 20\u00a0Apr\u00a02009 (14\u00a0days): ask it for this week's export."},
	{`stale_feed: also: no export received since encours started on 2009-04-20 (1200 days); ask ALSO France to send its export`,
		"ALSO France n'a envoyé aucun export depuis la mise en service d'encours le 20/04/2009 (1\u00a0200\u00a0jours) : demandez-lui d'envoyer son export.",
		"ALSO France has sent no export since encours started on 20\u00a0Apr\u00a02009 (1,200\u00a0days): ask it to send its export."},
	{`retention: run folder /var/lib/encours/runs/2008-10-27-1 could not be removed: unlinkat x: permission denied`,
		"Le dossier de traitement /var/lib/encours/runs/2008-10-27-1, au-delà de sa durée de conservation, n'a pas pu être supprimé (détail technique : unlinkat x: permission denied).",
		"Run folder /var/lib/encours/runs/2008-10-27-1, past its retention, could not be removed (technical detail: unlinkat x: permission denied)."},
	{`retention: cannot list /var/lib/encours/runs: open /var/lib/encours/runs: permission denied`,
		"Les anciens dossiers de traitement n'ont pas pu être supprimés : impossible de lister /var/lib/encours/runs (détail technique : open /var/lib/encours/runs: permission denied).",
		"The old run folders could not be removed: /var/lib/encours/runs cannot be listed (technical detail: open /var/lib/encours/runs: permission denied)."},
	{`the ledger could not be copied before this run (disk full): encours simulate --replay last cannot replay this run; --replay all still can`,
		"Le registre n'a pas pu être copié avant ce traitement (détail technique : disk full) : encours simulate --replay last ne pourra pas le rejouer ; --replay all le peut toujours.",
		"The ledger could not be copied before this run (technical detail: disk full): encours simulate --replay last cannot replay this run; --replay all still can."},
	{budgetWarning,
		"Budget dépassé pour «\u00a0Programme Mezzanine\u00a0» : ses lignes en vigueur utilisent 42\u00a0000,00\u00a0€, soit 12\u00a0000,00\u00a0€ de plus que le budget (max_total 30\u00a0000,00\u00a0€) et sont au nombre de 14, soit 2 de plus que le budget (max_beneficiaries 12). Rien n'est révoqué, et rien de nouveau n'est accordé tant que des lignes ne se terminent pas et ne libèrent pas de place.",
		`Budget exceeded for "Programme Mezzanine": its valid lines use €42,000.00, over max_total €30,000.00 by €12,000.00, and number 14, over max_beneficiaries 12 by 2. Nothing is revoked, and nothing new is granted until lines end and free room.`},
}

// TestWarningsAreSentences: every kind of warning reads as a sentence in
// the reader's language, never as run.json's code ("stale_feed: …"), and
// every rule has a case here.
func TestWarningsAreSentences(t *testing.T) {
	names := func(id string) string { return map[string]string{"mezzanine": "Programme Mezzanine"}[id] }
	used := make([]bool, len(warningRules))
	for _, tc := range warningCases {
		for lang, want := range map[string]string{"fr": tc.fr, "en": tc.en} {
			if got := localWarning(lang, tc.in, names); got != want {
				t.Errorf("localWarning(%s, %q)\n got %q\nwant %q", lang, tc.in, got, want)
			}
		}
		for i, r := range warningRules {
			used[i] = used[i] || r.re.MatchString(tc.in)
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("warning rule %d (%s) has no case", i, warningRules[i].re)
		}
	}
}

// TestManagersMailWarnings renders the program managers' mail with a
// warning of every kind: in both languages and both bodies, each reads as
// the sentence above and no code of run.json shows.
func TestManagersMailWarnings(t *testing.T) {
	code := regexp.MustCompile(`\b(stale_feed|budget|retention) ?:`)
	for _, lang := range []string{"fr", "en"} {
		s := managersWithBudgets(lang)
		s.Warnings = nil
		for _, tc := range warningCases {
			s.Warnings = append(s.Warnings, tc.in)
		}
		msgs, err := RenderManagers(s, from, []string{"pm@vendor.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		for _, tc := range warningCases {
			want := tc.fr
			if lang == "en" {
				want = tc.en
			}
			if !strings.Contains(flat(p.text), flat(want)) {
				t.Errorf("%s text lacks %q", lang, want)
			}
			if !strings.Contains(p.html, template.HTMLEscapeString(want)) {
				t.Errorf("%s html lacks %q", lang, want)
			}
		}
		for what, body := range map[string]string{"text": p.text, "html": p.html} {
			if m := code.FindAllString(body, -1); m != nil {
				t.Errorf("%s %s shows run.json's codes %q", lang, what, m)
			}
		}
	}
}
