package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The warnings reach the program managers' French mail in French: the
// third sample week warns that Ingram sent nothing for 14 days.
func TestWarningsInFrench(t *testing.T) {
	dir, cfg := copySamples(t)
	for _, week := range []string{"2009-04-20", "2009-04-27", "2009-05-04"} {
		stage(t, dir, week)
		if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", week, "--out", filepath.Join(dir, "out", week)); code != 0 {
			t.Fatalf("%s: exit %d\n%s", week, code, stderr)
		}
	}
	rep := readReport(t, filepath.Join(dir, "out", "2009-05-04", "run.json"))
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "stale_feed: ingram: no new export since 2009-04-20 (14 days)") {
		t.Fatalf("run.json warnings: %q", rep.Warnings)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	found := 0
	for _, p := range emls {
		to, parts := mailParts(t, p)
		if to != "pm@vendor.example" {
			continue
		}
		for _, body := range parts {
			body = strings.Join(strings.Fields(body), " ")
			if strings.Contains(body, "no new export since") || strings.Contains(body, "stale_feed") {
				t.Errorf("%s: an English warning or a code in the French mail", filepath.Base(p))
			}
			if strings.Contains(body, "Ingram Micro n'a envoyé aucun nouvel export depuis le 20/04/2009 (14 jours) : demandez-lui l'export de la semaine.") {
				found++
			}
		}
	}
	if found != 2 { // the text and the HTML part of the week-3 mail
		t.Errorf("the French stale_feed warning is in %d parts of the managers' mails, want 2", found)
	}
}
