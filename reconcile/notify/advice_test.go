package notify

import (
	"regexp"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

// vendorOnly are the run's messages whose advice names the vendor's
// configuration, as reconcile/layout, reconcile/sheet, reconcile/inbox
// and reconcile/batch write them.
var vendorOnly = []string{
	`Statut "Dormant" is not a known status: write one of active, actif, ok, terminated, résilié, closed, or add it to status_values in config.yaml`,
	`required column headers not found: missing the reseller's code (a column headed "Code client"); the closest row, row 1, has the headers "Client", "Nom". Add or rename the columns in the export, or add the headers as aliases in the layout of config.yaml`,
	`not a sheet of cells: sheet "Graphique" is a chart sheet, which holds no table to read: set the name of the sheet holding the data in the layout of config.yaml`,
	`sheet not found: "Clients" (the workbook has "Feuil1"): rename the sheet, or set the sheet name in the layout of config.yaml`,
	`workbook too large: the file is 120.0 MiB, over the 100.0 MiB limit: export fewer rows or columns, or raise limits.max_file_bytes in config.yaml`,
	`workbook too large: the file unpacks to 1.2 GiB, over the 1.0 GiB limit: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml`,
	`workbook too large: sheet "Clients" has more than 1048576 rows: split the export, or raise limits.max_rows in config.yaml`,
	`the file is larger than the limit of 104857600 bytes (limits.max_file_bytes); split the export or raise the limit`,
	`modified 3s ago, less than min_file_age 1m0s: it may still be being copied and is left for the next run`,
	// Two problems of one row.
	`Statut "Dormant" is not a known status: write one of active, ok, or add it to status_values in config.yaml; Encours "x" is not an amount: write it like 1 234,56`,
}

// vendorWords are what only the vendor can act on.
var vendorWords = regexp.MustCompile(`config\.yaml|status_values|limits\.|min_file_age|layout|mise en page`)

// TestWholesalerAdvice: a wholesaler is never told to edit the vendor's
// configuration, in either language; what it is told instead says what it
// can do. The program managers' text keeps the advice.
func TestWholesalerAdvice(t *testing.T) {
	used := map[*regexp.Regexp]bool{}
	for _, in := range vendorOnly {
		for _, lang := range []string{"fr", "en"} {
			got := WholesalerProblem(lang, in)
			if m := vendorWords.FindAllString(got, -1); m != nil {
				t.Errorf("WholesalerProblem(%s, %q)\n = %q\n still names %q", lang, in, got, m)
			}
			if lang == "fr" && strings.Contains(got, " is ") {
				t.Errorf("WholesalerProblem(fr, %q) = %q: left in English", in, got)
			}
			if !strings.Contains(got, "us to") && !strings.Contains(got, "demandez-nous") && !strings.Contains(got, "rest before") &&
				!strings.Contains(got, "doit attendre") {
				t.Errorf("WholesalerProblem(%s, %q) = %q: does not say whom to ask", lang, in, got)
			}
			if m := vendorWords.FindAllString(LocalProblem(lang, in), -1); m == nil {
				t.Errorf("LocalProblem(%s, %q) lost the configuration advice the managers need", lang, in)
			}
			for _, r := range append(append([]advice(nil), vendorAdviceEN...), vendorAdviceFR...) {
				used[r.re] = used[r.re] || r.re.MatchString(LocalProblem(lang, in))
			}
		}
	}
	for _, r := range append(append([]advice(nil), vendorAdviceEN...), vendorAdviceFR...) {
		if !used[r.re] && !strings.Contains(r.re.String(), "send a smaller export") {
			t.Errorf("advice %s has no case", r.re)
		}
	}
	const fr = "« Statut » : « Dormant » n'est pas un statut connu : écrivez l'un des statuts « active », « actif », « ok », « terminated », « résilié » ou « closed », ou demandez-nous d'ajouter ce mot aux statuts que nous lisons dans vos exports"
	if got := WholesalerProblem("fr", vendorOnly[0]); got != fr {
		t.Errorf("status word, French:\n got %q\nwant %q", got, fr)
	}
	const en = `Statut "Dormant" is not a known status: write one of active, actif, ok, terminated, résilié, closed, or ask us to add this word to the status words we read in your exports`
	if got := WholesalerProblem("en", vendorOnly[0]); got != en {
		t.Errorf("status word, English:\n got %q\nwant %q", got, en)
	}
}

// TestWholesalerMailAdvice renders a wholesaler's mail with a rejected row
// and a quarantined file whose advice is the vendor's: neither body names
// the configuration, and the program managers' mail keeps it.
func TestWholesalerMailAdvice(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		s := sample("actebis", lang)
		s.Rejected = []reconcile.RejectedRow{{Wholesaler: "actebis", File: "export.xlsx", Sheet: "Clients", Row: 7, Column: "Statut", Reason: vendorOnly[0]}}
		s.Files = append(s.Files, reconcile.FileResult{Wholesaler: "actebis", Name: "autre.xlsx", Status: reconcile.Quarantined, Error: vendorOnly[3]})
		msgs, err := Render(s, from, []string{"credit@actebis.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		for what, body := range map[string]string{"text": p.text, "html": p.html} {
			if m := vendorWords.FindAllString(body, -1); m != nil {
				t.Errorf("%s %s names the vendor's configuration %q:\n%s", lang, what, m, body)
			}
			if !strings.Contains(body, map[string]string{"fr": "demandez-nous", "en": "ask us to add this word"}[lang]) {
				t.Errorf("%s %s does not say whom to ask", lang, what)
			}
		}
		m := Summary{RunID: s.RunID, AsOf: s.AsOf, Language: lang, Received: true, Files: s.Files, Rejected: s.Rejected}
		mm, err := RenderManagers(m, from, []string{"pm@vendor.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if pm := parse(t, mm[0].EML); !strings.Contains(pm.text, "config.yaml") {
			t.Errorf("%s managers' mail lost the configuration advice:\n%s", lang, pm.text)
		}
	}
}
