package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

// account is one row of a generated Actebis export: Code client, Raison
// sociale, Statut, Limite assurée, Encours, Ligne Microsoft (the applied
// line, which turns on the over/under_applied findings).
type account struct {
	id, status                   string
	limit, outstanding, applied0 float64
}

func acc(id string, limit, outstanding, applied float64) account {
	return account{id: id, status: "Actif", limit: limit, outstanding: outstanding, applied0: applied}
}

// actebisBook writes an Actebis export of the given accounts.
func actebisBook(t *testing.T, accounts ...account) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Encours")
	f.SetSheetRow("Encours", "A1", &[]any{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours", "Ligne Microsoft"})
	for i, a := range accounts {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Encours", cell, &[]any{a.id, "Revendeur " + a.id, a.status, a.limit, a.outstanding, a.applied0})
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// drop writes a file into a wholesaler's inbox folder, old enough for
// min_file_age.
func drop(t *testing.T, dir, wholesaler, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, "inbox", wholesaler, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
}

// dropSample copies one wholesaler's sample export of a week.
func dropSample(t *testing.T, dir, week, wholesaler, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "samples", "exports", week, wholesaler, name))
	if err != nil {
		t.Fatal(err)
	}
	drop(t, dir, wholesaler, name, data)
}

// runWeek runs the CLI for an as-of into dir/out/<as_of> and returns
// run.json.
func runWeek(t *testing.T, dir, cfg, asOf string) reconcile.Report {
	t.Helper()
	out := filepath.Join(dir, "out", asOf)
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", asOf, "--out", out); code != 0 {
		t.Fatalf("run %s: exit %d\n%s", asOf, code, stderr)
	}
	return readReport(t, filepath.Join(out, "run.json"))
}

func findingOf(r reconcile.Report, w, reseller string, k reconcile.DiscrepancyKind) (reconcile.Discrepancy, bool) {
	for _, d := range r.Discrepancies {
		if d.Wholesaler == w && d.ResellerID == reseller && d.Kind == k {
			return d, true
		}
	}
	return reconcile.Discrepancy{}, false
}

func resolvedOf(r reconcile.Report, w, reseller string, k reconcile.DiscrepancyKind) (reconcile.ResolvedFinding, bool) {
	for _, f := range r.Resolved {
		if f.Wholesaler == w && f.ResellerID == reseller && f.Kind == k {
			return f, true
		}
	}
	return reconcile.ResolvedFinding{}, false
}

func mustFinding(t *testing.T, r reconcile.Report, w, reseller string, k reconcile.DiscrepancyKind, state reconcile.FindingState, firstSeen string) reconcile.Discrepancy {
	t.Helper()
	d, ok := findingOf(r, w, reseller, k)
	if !ok {
		t.Fatalf("run %s: no %s finding for %s/%s in %+v", r.AsOf, k, w, reseller, r.Discrepancies)
	}
	if d.State != state || d.FirstSeen.String() != firstSeen {
		t.Errorf("run %s: %s/%s %s is %s since %s, want %s since %s", r.AsOf, w, reseller, k, d.State, d.FirstSeen, state, firstSeen)
	}
	return d
}

// TestFindingsLifecycleCLI: a finding new in week 1, open in week 2 with
// its first_seen of week 1, resolved in week 3; a wholesaler absent in
// week 2 keeps its findings untouched, and they resolve when it delivers
// again without them. It runs on each ledger backend; every run.json is
// the same on both.
func TestFindingsLifecycleCLI(t *testing.T) {
	var same sameOnEveryBackend
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) { findingsLifecycle(t, b, &same) })
	}
}

func findingsLifecycle(t *testing.T, b ledgerBackend, same *sameOnEveryBackend) {
	dir, cfg := copySamples(t)
	b.use(t, cfg)
	runWeek := func(t *testing.T, dir, cfg, asOf string) reconcile.Report {
		t.Helper()
		r := runWeek(t, dir, cfg, asOf)
		raw, err := os.ReadFile(filepath.Join(dir, "out", asOf, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		same.check(t, b, "run.json of "+asOf, raw)
		return r
	}
	// C1 holds a line of 3 400 € but Actebis applies 1 000 €.
	drop(t, dir, "actebis", "w1.xlsx", actebisBook(t, acc("C1", 9000, 12340, 1000), acc("C2", 5000, 1000, 0)))
	dropSample(t, dir, "2009-04-20", "techdata", "TD_FR_credit_2009-04-20.xlsx")
	w1 := runWeek(t, dir, cfg, "2009-04-20")
	c1 := mustFinding(t, w1, "actebis", "C1", reconcile.UnderApplied, reconcile.FindingNew, "2009-04-20")
	mustFinding(t, w1, "techdata", "400105", reconcile.FinancingOverdue, reconcile.FindingNew, "2009-04-20")
	if len(w1.Resolved) != 0 || c1.Ref == "" {
		t.Errorf("week 1: resolved %+v, ref %q", w1.Resolved, c1.Ref)
	}

	drop(t, dir, "actebis", "w2.xlsx", actebisBook(t, acc("C1", 9000, 12340, 1000), acc("C2", 5000, 1100, 0)))
	w2 := runWeek(t, dir, cfg, "2009-04-27")
	d := mustFinding(t, w2, "actebis", "C1", reconcile.UnderApplied, reconcile.FindingOpen, "2009-04-20")
	if d.Ref != c1.Ref {
		t.Errorf("week 2: the open finding changed reference: %s, was %s", d.Ref, c1.Ref)
	}
	for _, d := range w2.Discrepancies {
		if d.Wholesaler == "techdata" {
			t.Errorf("week 2: Tech Data did not deliver, yet its finding is listed: %+v", d)
		}
	}
	for _, f := range w2.Resolved {
		if f.Wholesaler == "techdata" {
			t.Errorf("week 2: Tech Data did not deliver, yet its finding is resolved: %+v", f)
		}
	}
	// Its workbook still shows them, as not checked again.
	if txt := bookText(t, filepath.Join(dir, "out", "2009-04-27", "techdata-2009-04-27.xlsx")); !strings.Contains(txt, "TD-58005") ||
		!strings.Contains(txt, "not checked again") {
		t.Errorf("week 2: Tech Data's workbook does not show its open findings as carried over:\n%s", txt)
	}

	// Week 3: Actebis applies the right amount; Tech Data delivers again,
	// without its orders of April.
	drop(t, dir, "actebis", "w3.xlsx", actebisBook(t, acc("C1", 9000, 12340, 3400), acc("C2", 5000, 1000, 0)))
	dropSample(t, dir, "2009-05-04", "techdata", "TD_FR_credit_2009-05-04.xlsx")
	w3 := runWeek(t, dir, cfg, "2009-05-04")
	if _, ok := findingOf(w3, "actebis", "C1", reconcile.UnderApplied); ok {
		t.Error("week 3: C1's finding is still listed")
	}
	for _, k := range []struct {
		w, r string
		k    reconcile.DiscrepancyKind
	}{{"actebis", "C1", reconcile.UnderApplied}, {"techdata", "400105", reconcile.FinancingOverdue}, {"techdata", "400103", reconcile.FinancingLate}} {
		f, ok := resolvedOf(w3, k.w, k.r, k.k)
		if !ok || f.FirstSeen.String() != "2009-04-20" {
			t.Errorf("week 3: %s/%s %s resolved = %+v, %v; want resolved, first seen 2009-04-20", k.w, k.r, k.k, f, ok)
		}
	}
	mustFinding(t, w3, "techdata", "400115", reconcile.FinancingLate, reconcile.FindingNew, "2009-05-04")
	for _, f := range w3.Resolved {
		if f.Wholesaler == "ingram" || f.Wholesaler == "etc" {
			t.Errorf("week 3: %s never delivered, yet %+v is resolved", f.Wholesaler, f)
		}
	}
	if txt := bookText(t, filepath.Join(dir, "out", "2009-05-04", "actebis-2009-05-04.xlsx")); !strings.Contains(txt, "C1") ||
		!strings.Contains(txt, "ligne appliquée inférieure à la ligne accordée | C1") {
		t.Errorf("week 3: Actebis' workbook does not list C1 as resolved:\n%s", txt)
	}
	noSQLiteFile(t, b, filepath.Join(dir, "var"))
}

// python3 returns a Python with openpyxl, or skips the test.
func python3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import openpyxl").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with openpyxl here (Debian: apt-get install python3-openpyxl): the openpyxl round trip is not tested")
	return ""
}

func soffice(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"soffice", "/usr/bin/soffice", "libreoffice"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("no LibreOffice (soffice) here: the LibreOffice round trip is not tested")
	return ""
}

// fillOpenpyxl answers in a workbook as a credit manager would with a
// Python tool: load, find the columns by their header, fill, save.
func fillOpenpyxl(t *testing.T, src, dst string, answers map[string][2]string) {
	t.Helper()
	py := python3(t)
	a, _ := json.Marshal(answers)
	script := `
import json, sys, openpyxl
src, dst, answers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
wb = openpyxl.load_workbook(src)
ws = wb["Écarts"]
head = [c.value for c in ws[1]]
rid, resp, com = head.index("Code revendeur") + 1, head.index("Votre réponse") + 1, head.index("Votre commentaire") + 1
for row in range(2, ws.max_row + 1):
    a = answers.get(ws.cell(row=row, column=rid).value)
    if a:
        ws.cell(row=row, column=resp, value=a[0])
        if a[1]:
            ws.cell(row=row, column=com, value=a[1])
wb.save(dst)
`
	if out, err := exec.Command(py, "-c", script, src, dst, string(a)).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
}

// fillExcelize answers with excelize, finding the columns by header.
func fillExcelize(t *testing.T, src string, answers map[string][2]string, edit func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Écarts")
	col := func(h string) int { return slices.Index(rows[0], h) + 1 }
	for i, r := range rows[1:] {
		a, ok := answers[r[col("Code revendeur")-1]]
		if !ok {
			continue
		}
		for j, v := range []string{a[0], a[1]} {
			cell, _ := excelize.CoordinatesToCellName(col("Votre réponse")+j, i+2)
			f.SetCellStr("Écarts", cell, v)
		}
	}
	if edit != nil {
		edit(f)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// viaLibreOffice saves a workbook through LibreOffice Calc, as a user
// who opened it there and saved it would.
func viaLibreOffice(t *testing.T, data []byte) []byte {
	t.Helper()
	bin := soffice(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "answers.xlsx")
	os.MkdirAll(filepath.Dir(in), 0o750)
	os.WriteFile(in, data, 0o640)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "xlsx", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, "answers.xlsx"))
	if err != nil {
		t.Fatalf("LibreOffice wrote nothing: %v", err)
	}
	return b
}

// TestResponsesRoundTrip: run, answer two findings in the wholesaler's
// workbook with openpyxl and through LibreOffice, drop it back, run
// again: the answers are recorded and shown (run.json, the next
// workbooks, the next mails), the lines do not change.
func TestResponsesRoundTrip(t *testing.T) {
	for _, tool := range []string{"openpyxl", "libreoffice"} {
		t.Run(tool, func(t *testing.T) {
			dir, cfg := copySamples(t)
			drop(t, dir, "actebis", "w1.xlsx", actebisBook(t,
				acc("C1", 9000, 12340, 0), acc("C2", 9000, 12340, 9999), acc("C3", 9000, 12340, 100)))
			w1 := runWeek(t, dir, cfg, "2009-04-20")
			if len(w1.Discrepancies) != 3 {
				t.Fatalf("week 1: %d findings, want 3: %+v", len(w1.Discrepancies), w1.Discrepancies)
			}
			book := filepath.Join(dir, "out", "2009-04-20", "actebis-2009-04-20.xlsx")
			answers := map[string][2]string{"C1": {"corrigé", ""}, "C2": {"contesté", "Déjà appliqué le 15/04\n=1+1"}}
			var data []byte
			switch tool {
			case "openpyxl":
				dst := filepath.Join(t.TempDir(), "answers.xlsx")
				fillOpenpyxl(t, book, dst, answers)
				data, _ = os.ReadFile(dst)
			case "libreoffice":
				data = viaLibreOffice(t, fillExcelize(t, book, answers, nil))
				// What LibreOffice kept: the marker sheet (hidden), the
				// drop-down list.
				wb := openBytes(t, data)
				if v, _ := wb.GetSheetVisible(layout.MarkerSheet); v {
					t.Error("LibreOffice made the marker sheet visible")
				}
				if dvs, _ := wb.GetDataValidations("Écarts"); len(dvs) == 0 {
					t.Error("LibreOffice dropped the response list")
				}
			}
			drop(t, dir, "actebis", "reponses.xlsx", data)

			w2 := runWeek(t, dir, cfg, "2009-04-21")
			if len(w2.Files) != 1 || w2.Files[0].Status != reconcile.Responses {
				t.Fatalf("run 2 files: %+v, want the response file as responses", w2.Files)
			}
			if len(w2.Responses) != 2 {
				t.Fatalf("run 2 responses: %+v", w2.Responses)
			}
			got := map[string]reconcile.FindingResponse{}
			for _, r := range w2.Responses {
				got[r.ResellerID] = r
			}
			if r := got["C1"]; r.Response != reconcile.AnswerFixed || r.Comment != "" || r.Kind != reconcile.UnderApplied || r.File != "reponses.xlsx" {
				t.Errorf("C1's response: %+v", r)
			}
			if r := got["C2"]; r.Response != reconcile.AnswerDisputed || r.Comment != "Déjà appliqué le 15/04 =1+1" || r.Kind != reconcile.OverApplied {
				t.Errorf("C2's response: %+v", r)
			}
			// Lines unchanged: the same amounts, all active.
			if len(w2.Lines) != len(w1.Lines) {
				t.Fatalf("lines: %d then %d", len(w1.Lines), len(w2.Lines))
			}
			for i, l := range w2.Lines {
				if l.Status != reconcile.Unchanged || l.AmountCents != w1.Lines[i].AmountCents || l.ValidUntil != w1.Lines[i].ValidUntil {
					t.Errorf("an answer changed a line: %+v", l)
				}
			}
			// The next workbook shows each answer beside its finding.
			out2 := filepath.Join(dir, "out", "2009-04-21")
			f, err := excelize.OpenFile(filepath.Join(out2, "actebis-2009-04-21.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Écarts")
			f.Close()
			last := slices.Index(rows[0], "Dernière réponse")
			shown := map[string]string{}
			for _, r := range rows[1:] {
				if last < len(r) {
					shown[r[1]] = r[last]
				}
			}
			if shown["C1"] != "corrigé le 21/04/2009" || shown["C2"] != "contesté le 21/04/2009 — Déjà appliqué le 15/04 =1+1" || shown["C3"] != "" {
				t.Errorf("latest answers in the next workbook: %q", shown)
			}
			if txt := bookText(t, filepath.Join(out2, "consolidated-2009-04-21.xlsx")); !strings.Contains(txt, "contesté le 21/04/2009 — Déjà appliqué") {
				t.Error("the consolidated workbook does not show the answer")
			}
			// And the next mails, the managers' too; no other wholesaler sees it.
			for _, m := range w2.Mail {
				to, parts := mailParts(t, filepath.Join(dir, "var", "outbox", m.MessageID+".eml"))
				body := strings.Join(strings.Fields(strings.Join(parts, "\n")), " ")
				switch {
				case strings.HasSuffix(to, "@actebis.example") || to == "pm@vendor.example":
					if !strings.Contains(body, "corrigé le 21/04/2009") || !strings.Contains(body, "Déjà appliqué le 15/04 =1+1") {
						t.Errorf("mail to %s lacks the answers:\n%s", to, body)
					}
				case strings.Contains(body, "Déjà appliqué"):
					t.Errorf("mail to %s shows Actebis' comment", to)
				}
			}

			// The answer lasts: a week later, with a new export still
			// listing C2, the workbook shows it again.
			drop(t, dir, "actebis", "w2.xlsx", actebisBook(t,
				acc("C1", 9000, 12340, 3400), acc("C2", 9000, 12340, 9999), acc("C3", 9000, 12340, 100)))
			// The same response file again is a duplicate.
			drop(t, dir, "actebis", "reponses (copie).xlsx", data)
			w3 := runWeek(t, dir, cfg, "2009-04-27")
			d, _ := findingOf(w3, "actebis", "C2", reconcile.OverApplied)
			if d.Response != reconcile.AnswerDisputed || d.AnsweredOn.String() != "2009-04-21" || d.State != reconcile.FindingOpen {
				t.Errorf("week 2: C2 = %+v, want open with the answer of 2009-04-21", d)
			}
			if r, _ := resolvedOf(w3, "actebis", "C1", reconcile.UnderApplied); r.Response != reconcile.AnswerFixed {
				t.Errorf("week 2: C1 resolved with %+v, want its answer", r)
			}
			for _, fr := range w3.Files {
				if fr.Name == "reponses (copie).xlsx" && fr.Status != reconcile.Duplicate {
					t.Errorf("a response file dropped twice: %+v", fr)
				}
			}
		})
	}
}

func openBytes(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestBadResponseFiles: forged, moved and edited response files never stop
// the run; each says what is wrong.
func TestBadResponseFiles(t *testing.T) {
	dir, cfg := copySamples(t)
	drop(t, dir, "actebis", "w1.xlsx", actebisBook(t, acc("C1", 9000, 12340, 0), acc("C2", 9000, 12340, 9999), acc("C3", 9000, 12340, 0)))
	runWeek(t, dir, cfg, "2009-04-20")
	book := filepath.Join(dir, "out", "2009-04-20", "actebis-2009-04-20.xlsx")
	// Week 2 resolves C3: an answer to it from the old workbook comes late.
	drop(t, dir, "actebis", "w2.xlsx", actebisBook(t, acc("C1", 9000, 12340, 0), acc("C2", 9000, 12340, 9999), acc("C3", 9000, 12340, 3400)))
	runWeek(t, dir, cfg, "2009-04-27")

	marker := func(row int, value string) func(*excelize.File) {
		return func(f *excelize.File) { f.SetCellStr(layout.MarkerSheet, "B"+string(rune('0'+row)), value) }
	}
	quarantined := map[string]string{
		"forged.xlsx":    "does not verify",
		"tampered.xlsx":  "does not verify",
		"no-sheet.xlsx":  "Discrepancies sheet (Écarts) is missing",
		"no-column.xlsx": "the response columns are missing",
		"etc.xlsx":       "another wholesaler's",
	}
	drop(t, dir, "actebis", "forged.xlsx", fillExcelize(t, book, map[string][2]string{"C1": {"corrigé", ""}}, marker(5, strings.Repeat("ab", 32))))
	drop(t, dir, "actebis", "tampered.xlsx", fillExcelize(t, book, map[string][2]string{"C1": {"corrigé", ""}}, marker(3, "2009-04-27-1")))
	drop(t, dir, "actebis", "no-sheet.xlsx", fillExcelize(t, book, nil, func(f *excelize.File) { f.DeleteSheet("Écarts") }))
	drop(t, dir, "actebis", "no-column.xlsx", fillExcelize(t, book, nil, func(f *excelize.File) { f.RemoveCol("Écarts", "L") }))
	// Another wholesaler's folder: Actebis' workbook dropped at ETC.
	drop(t, dir, "etc", "etc.xlsx", fillExcelize(t, book, map[string][2]string{"C1": {"corrigé", ""}}, nil))
	// Columns moved: the reference first, the response last; and in it an
	// unknown word, an answer to the resolved C3 and a reference edited.
	moved := fillExcelize(t, book, map[string][2]string{"C1": {"peut-être", ""}, "C2": {"en cours", "on vérifie"}, "C3": {"corrigé", ""}},
		func(f *excelize.File) {
			f.InsertCols("Écarts", "A", 1)
			rows, _ := f.GetRows("Écarts")
			ref := slices.Index(rows[0], "Réf. écart")
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				f.SetCellStr("Écarts", cell, r[ref])
			}
			name, _ := excelize.ColumnNumberToName(ref + 1)
			f.RemoveCol("Écarts", name)
			f.SetCellStr("Écarts", "A1", "Réf. écart")
		})
	drop(t, dir, "actebis", "moved.xlsx", moved)
	drop(t, dir, "actebis", "edited-ref.xlsx", fillExcelize(t, book, map[string][2]string{"C1": {"fixed", ""}}, func(f *excelize.File) {
		rows, _ := f.GetRows("Écarts")
		name, _ := excelize.ColumnNumberToName(slices.Index(rows[0], "Réf. écart") + 1)
		for i := 2; i <= len(rows); i++ {
			f.SetCellStr("Écarts", name+string(rune('0'+i)), "ZZZZZZZZZZ")
		}
	}))
	drop(t, dir, "actebis", "w3.xlsx", actebisBook(t, acc("C1", 9000, 12340, 0), acc("C2", 9000, 12340, 9999), acc("C3", 9000, 12000, 3400)))
	r := runWeek(t, dir, cfg, "2009-05-04")

	status := map[string]reconcile.FileResult{}
	for _, f := range r.Files {
		status[f.Name] = f
	}
	for name, says := range quarantined {
		if f := status[name]; f.Status != reconcile.Quarantined || !strings.Contains(f.Error, says) {
			t.Errorf("%s: %s %q, want quarantined saying %q", name, f.Status, f.Error, says)
		}
		where := filepath.Join(dir, "var", "quarantine", "actebis", name)
		if name == "etc.xlsx" {
			where = filepath.Join(dir, "var", "quarantine", "etc", name)
		}
		if _, err := os.Stat(where); err != nil {
			t.Errorf("%s not in quarantine: %v", name, err)
		}
	}
	for _, name := range []string{"moved.xlsx", "edited-ref.xlsx"} {
		if f := status[name]; f.Status != reconcile.Responses {
			t.Errorf("%s: %+v, want read as responses", name, f)
		}
	}
	if f := status["w3.xlsx"]; f.Status != reconcile.Processed {
		t.Errorf("the export beside the bad response files: %+v", f)
	}
	if len(r.Responses) != 1 || r.Responses[0].ResellerID != "C2" || r.Responses[0].Response != reconcile.AnswerInProgress ||
		r.Responses[0].Comment != "on vérifie" {
		t.Errorf("responses: %+v, want only C2's from the moved columns", r.Responses)
	}
	type rej struct{ file, column, says string }
	want := []rej{
		{"moved.xlsx", "Votre réponse", `"peut-être" is not an answer`},
		{"moved.xlsx", "Réf. écart", "was resolved on 2009-04-27"},
		{"edited-ref.xlsx", "Réf. écart", `reference "ZZZZZZZZZZ" is not one of your findings`},
	}
	for _, w := range want {
		found := false
		for _, rr := range r.RejectedRows {
			if rr.File == w.file && rr.Column == w.column && rr.Sheet == "Écarts" && rr.Row >= 2 && strings.Contains(rr.Reason, w.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("no rejected row %+v in %+v", w, r.RejectedRows)
		}
	}
	for _, l := range r.Lines {
		if l.Status != reconcile.Unchanged {
			t.Errorf("bad response files changed a line: %+v", l)
		}
	}
}

// mailedTo lists who a run mailed, from run.json.
func mailedTo(r reconcile.Report) []string {
	var to []string
	for _, m := range r.Mail {
		to = append(to, m.Recipient)
	}
	slices.Sort(to)
	return to
}

// TestMailOnChange: with mail.send: on_change a quiet run sends nothing, a
// run with news for one wholesaler mails it and the program managers only,
// and a stale feed is mailed about when it turns stale, then at most once
// a week.
func TestMailOnChange(t *testing.T) {
	dir, cfg := copySamples(t)
	b, _ := os.ReadFile(cfg)
	on := strings.Replace(string(b), "  transport: dir\n", "  transport: dir\n  send: on_change\n", 1)
	if on == string(b) {
		t.Fatal("sample config changed: cannot set mail.send")
	}
	os.WriteFile(cfg, []byte(on), 0o644)
	if code, stderr := cliRun(t, "check", "--config", cfg); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, stderr)
	}

	stage(t, dir, "2009-04-20")
	all := mailedTo(runWeek(t, dir, cfg, "2009-04-20"))
	if len(all) != 6 {
		t.Errorf("first run mailed %v, want every wholesaler and the managers (6)", all)
	}
	// A line that expires is news: ETC's R-20011 (until 2009-04-20).
	if got, want := mailedTo(runWeek(t, dir, cfg, "2009-04-21")), []string{"credit.clients@etc.example", "pm@vendor.example"}; !slices.Equal(got, want) {
		t.Errorf("an expiry at ETC mailed %v, want %v", got, want)
	}
	// Actebis alone delivers, with a new finding (C1 under-applied).
	drop(t, dir, "actebis", "a.xlsx", actebisBook(t, acc("C1", 9000, 12340, 0)))
	r := runWeek(t, dir, cfg, "2009-04-22")
	if _, ok := findingOf(r, "actebis", "C1", reconcile.UnderApplied); !ok {
		t.Fatal("no new finding for C1")
	}
	if got, want := mailedTo(r), []string{"credit@actebis.example", "encours@actebis.example", "pm@vendor.example"}; !slices.Equal(got, want) {
		t.Errorf("a run with news for Actebis mailed %v, want %v", got, want)
	}
	if r := runWeek(t, dir, cfg, "2009-04-23"); len(r.Mail) != 0 {
		t.Errorf("a quiet run mailed %v", mailedTo(r))
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml")); len(emls) != 6+2+3 {
		t.Errorf("outbox holds %d messages, want 11", len(emls))
	}
	// 2009-04-29: ETC, Ingram and Tech Data have been silent 9 days: stale,
	// mailed once; Actebis (last export on 04-22) is not.
	stale3 := []string{"credit-fr@ingrammicro.example", "credit.clients@etc.example", "fr-credit@techdata.example", "pm@vendor.example"}
	if got := mailedTo(runWeek(t, dir, cfg, "2009-04-29")); !slices.Equal(got, stale3) {
		t.Errorf("feeds turning stale: mailed %v, want %v", got, stale3)
	}
	if r := runWeek(t, dir, cfg, "2009-04-30"); len(r.Mail) != 0 {
		t.Errorf("still stale, a day after the notice: mailed %v", mailedTo(r))
	}
	// Actebis turned stale on 2009-05-01: mailed at the next run; the
	// others not yet again.
	if got, want := mailedTo(runWeek(t, dir, cfg, "2009-05-05")), []string{"credit@actebis.example", "encours@actebis.example", "pm@vendor.example"}; !slices.Equal(got, want) {
		t.Errorf("2009-05-05: mailed %v, want %v", got, want)
	}
	// A week after their notice, the three others again; Actebis not.
	if got := mailedTo(runWeek(t, dir, cfg, "2009-05-06")); !slices.Equal(got, stale3) {
		t.Errorf("a week after the notice: mailed %v, want %v", got, stale3)
	}
}

// explainJSON runs `encours explain --json` and decodes it.
func explainJSON(t *testing.T, cfg, wholesaler, reseller string) (int, map[string]any, string) {
	t.Helper()
	m, stdout, stderr := newTestMain()
	code := m.Run(t.Context(), []string{"explain", "--config", cfg, "--wholesaler", wholesaler, "--reseller", reseller, "--json"})
	var out map[string]any
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("explain --json: %v\n%s", err, stdout)
		}
	}
	return code, out, stderr.String()
}

// TestExplainJSON: a reseller granted a line, raised, answered about a
// finding and revoked: explain lists each event of the season, oldest
// first, with the export row each decision came from. It runs on each
// ledger backend: explain reads the configured ledger, read-only and
// without the run lock, and prints the same on both.
func TestExplainJSON(t *testing.T) {
	var same sameOnEveryBackend
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) { explainSeason(t, b, &same) })
	}
}

func explainSeason(t *testing.T, b ledgerBackend, same *sameOnEveryBackend) {
	dir, cfg := copySamples(t)
	lc := b.use(t, cfg)
	// Week 1: C1 is 3 340 € over its limit (line of 3 400 €), Actebis applies nothing.
	drop(t, dir, "actebis", "w1.xlsx", actebisBook(t, acc("C0", 1000, 10, 0), acc("C1", 9000, 12340, 0)))
	runWeek(t, dir, cfg, "2009-04-20")
	// Actebis answers in its workbook.
	book := filepath.Join(dir, "out", "2009-04-20", "actebis-2009-04-20.xlsx")
	drop(t, dir, "actebis", "answers.xlsx", fillExcelize(t, book, map[string][2]string{"C1": {"en cours", "mise à jour lundi"}}, nil))
	runWeek(t, dir, cfg, "2009-04-21")
	// Week 2: C1 is 4 500 € over (raised to 4 500 €), Actebis applies 3 400 €.
	drop(t, dir, "actebis", "w2.xlsx", actebisBook(t, acc("C0", 1000, 10, 0), acc("C1", 9000, 13500, 3400)))
	runWeek(t, dir, cfg, "2009-04-27")
	// Week 3: C1 is terminated: its line is revoked.
	c1 := acc("C1", 9000, 13500, 4500)
	c1.status = "Radié"
	drop(t, dir, "actebis", "w3.xlsx", actebisBook(t, acc("C0", 1000, 10, 0), acc("C9", 1000, 10, 0), c1))
	runWeek(t, dir, cfg, "2009-05-04")

	before := ledgerDump(t, lc)
	defer holdRunLock(t, lc, filepath.Join(dir, "var"))()
	code, out, stderr := explainJSON(t, cfg, "actebis", "C1")
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s", code, stderr)
	}
	raw, _ := json.Marshal(out)
	same.check(t, b, "explain --json", raw)
	if out["wholesaler"] != "actebis" || out["reseller_id"] != "C1" {
		t.Errorf("head: %v", out)
	}
	var got []string
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		s := ev["as_of"].(string) + " " + ev["type"].(string)
		switch ev["type"] {
		case "line":
			s += " " + ev["status"].(string)
			if ev["file"] != "" {
				s += " " + ev["file"].(string) + "#" + ev["sheet"].(string) + "!" + jsonInt(ev["row"])
			}
			s += " " + jsonInt(ev["amount_cents"]) + " " + ev["valid_until"].(string)
			for _, k := range []string{"wholesaler", "program", "reseller_id", "valid_from", "expiring", "reason"} {
				if _, ok := ev[k]; !ok {
					t.Errorf("line event lacks %s: %v", k, ev)
				}
			}
		case "finding":
			s += " " + ev["kind"].(string) + " " + ev["state"].(string) + " " + ev["first_seen"].(string)
		case "response":
			s += " " + ev["kind"].(string) + " " + ev["response"].(string) + " " + ev["comment"].(string) + " " + ev["file"].(string)
		}
		if ev["run"] == "" {
			t.Errorf("event without a run: %v", ev)
		}
		got = append(got, s)
	}
	want := []string{
		"2009-04-20 line granted w1.xlsx#Encours!3 340000 2009-06-30",
		"2009-04-20 finding under_applied new 2009-04-20",
		"2009-04-21 response under_applied in_progress mise à jour lundi answers.xlsx",
		"2009-04-27 line increased w2.xlsx#Encours!3 450000 2009-06-30",
		"2009-04-27 finding under_applied open 2009-04-20",
		"2009-05-04 line revoked w3.xlsx#Encours!4 450000 2009-06-30",
		"2009-05-04 finding under_applied resolved 2009-04-20",
		"2009-05-04 finding over_applied new 2009-05-04",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// For people: a timeline in French, money the French way.
	m, stdout, _ := newTestMain()
	if code := m.Run(t.Context(), []string{"explain", "--config", cfg, "--wholesaler", "actebis", "--reseller", "C1"}); code != 0 {
		t.Fatalf("explain text: exit %d", code)
	}
	for _, w := range []string{"20/04/2009 · exécution 2009-04-20-1", "accordée, 3 400,00 €", "relevée, 4 500,00 €", "révoquée",
		"d'après w1.xlsx, feuille Encours, ligne 3", "en cours — « mise à jour lundi »", "résolu, signalé le 20/04/2009 (2\u00a0semaines)"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("explain text lacks %q:\n%s", w, stdout)
		}
	}
	if code, _, stderr := explainJSON(t, cfg, "actebis", "C404"); code != exitFailed || !strings.Contains(stderr, "never seen") {
		t.Errorf("a reseller never seen: exit %d, %s", code, stderr)
	}
	if code, _, stderr := explainJSON(t, cfg, "nosuch", "C1"); code != exitUsage || !strings.Contains(stderr, "no wholesaler") {
		t.Errorf("an unknown wholesaler: exit %d, %s", code, stderr)
	}
	if after := ledgerDump(t, lc); after != before {
		t.Errorf("explain changed the ledger:\n%s", firstDiff([]byte(after), []byte(before)))
	}
	noSQLiteFile(t, b, filepath.Join(dir, "var"))
}

func jsonInt(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
