package batch

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
)

// budgetState is a run, as the engine leaves it, of two wholesalers
// sharing the Mezzanine budget: both have waitlisted resellers, the run
// has budget use, vendor-wide exposures, a budget warning and a history.
func budgetState(t *testing.T) *state {
	t.Helper()
	d := reconcile.MustDate
	asOf := d("2009-05-04")
	cents := reconcile.Cents(3000000)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Wholesalers = []config.Wholesaler{
		{ID: "actebis", Name: "Actebis", Language: "fr", Emails: []string{"credit@actebis.example"}},
		{ID: "etc", Name: "ETC", Language: "en", Emails: []string{"credit@etc.example"}},
	}
	cfg.Programs = []reconcile.Program{{ID: "mezzanine", Name: "Programme Mezzanine", Kind: reconcile.CreditTopUp,
		Budget: &reconcile.Budget{MaxTotal: cents}}}
	cfg.Mail = config.Mail{From: "partenaires@vendor.example", ProgramManagers: []string{"pm@vendor.example"}}
	line := func(w, id string, amount reconcile.Cents) reconcile.ReportLine {
		return reconcile.ReportLine{Wholesaler: w, Program: "mezzanine", ResellerID: id, AmountCents: amount,
			ValidFrom: asOf, ValidUntil: d("2009-06-30"), Status: reconcile.Granted,
			Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}
	}
	wait := func(w, id string, rank int) reconcile.WaitEntry {
		return reconcile.WaitEntry{Wholesaler: w, Program: "mezzanine", ResellerID: id, AmountCents: 250000,
			ValidUntil: d("2009-06-30"), Rank: rank, Since: asOf,
			Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}
	}
	return &state{
		cfg: cfg, log: slog.New(slog.DiscardHandler), asOf: asOf, runID: "2009-05-04-1",
		report: &reconcile.Report{
			AsOf:  asOf,
			Lines: []reconcile.ReportLine{line("actebis", "A1", 2000000), line("etc", "E1", 950000)},
			Files: []reconcile.FileResult{},
			Budgets: []reconcile.BudgetUse{{Program: "mezzanine", MaxTotalCents: &cents, UsedCents: 2950000,
				Beneficiaries: 2, Waitlisted: 3, WaitlistedCents: 750000}},
			Waitlist: []reconcile.WaitEntry{wait("etc", "ETC-WAITING", 1), wait("actebis", "A-WAITING", 2), wait("etc", "ETC-WAITING-2", 3)},
			Resellers: []reconcile.ResellerExposure{
				{SIREN: "552100554", Name: "Dupont SARL", Wholesalers: []string{"actebis", "etc"}, Lines: 2, AmountCents: 2950000}},
			Warnings: []string{reconcile.BudgetWarning(&reconcile.Program{ID: "mezzanine",
				Budget: &reconcile.Budget{MaxTotal: 2000000}}, 2950000, 2)},
		},
		history: []reconcile.ProgramRun{
			{RunID: "2009-04-27-1", AsOf: d("2009-04-27"), Program: "mezzanine", Lines: 1, Exposure: 2000000, Beneficiaries: 1, Granted: 1},
			{RunID: "2009-05-04-1", AsOf: asOf, Program: "mezzanine", Lines: 2, Exposure: 2950000, Beneficiaries: 2, Granted: 1},
		},
		names: map[string]map[string]string{"actebis": {"A-WAITING": "Attente SA"}},
	}
}

// TestOutputsCarryBudgets: the writers and mails get the engine's budget
// data, each wholesaler only its own waitlist, the program managers all.
func TestOutputsCarryBudgets(t *testing.T) {
	st := budgetState(t)
	out := t.TempDir()
	if err := st.writeOutputs(out); err != nil {
		t.Fatal(err)
	}
	// Actebis' workbook: its own waitlisted reseller, in French, rank 2;
	// nothing of ETC's.
	a := openBook(t, filepath.Join(out, "actebis-2009-05-04.xlsx"))
	rows, err := a.GetRows("Lignes", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2][0] != "A-WAITING" || rows[2][6] != "en liste d'attente" || rows[2][7] != "2" ||
		!strings.HasPrefix(rows[2][9], "encours de 12 340,00 €") {
		t.Errorf("Actebis' Lines sheet = %q, want A1 then its waitlisted A-WAITING (rank 2, French reason)", rows)
	}
	for _, sheet := range a.GetSheetList() {
		rs, _ := a.GetRows(sheet)
		for _, r := range rs {
			if strings.Contains(strings.Join(r, "|"), "ETC-WAITING") {
				t.Errorf("Actebis' workbook, sheet %s, shows ETC's waitlist: %q", sheet, r)
			}
		}
	}
	e := openBook(t, filepath.Join(out, "etc-2009-05-04.xlsx"))
	if rows, _ := e.GetRows("Lines"); len(rows) != 4 || rows[2][0] != "ETC-WAITING" || rows[3][6] != "waitlisted" {
		t.Errorf("ETC's Lines sheet = %q, want E1 then its two waitlisted resellers", rows)
	}
	// The consolidated workbook: every sheet of §8, the history with its chart.
	c := openBook(t, filepath.Join(out, "consolidated-2009-05-04.xlsx"))
	want := "Synthèse|Historique|Revendeurs|Toutes les lignes|Liste d'attente|Écarts|Écarts résolus|Fichiers"
	if got := strings.Join(c.GetSheetList(), "|"); got != want {
		t.Errorf("consolidated sheets %s, want %s", got, want)
	}
	if rows, _ := c.GetRows("Historique"); len(rows) < 3 || rows[2][1] != "2009-05-04-1" {
		t.Errorf("History rows %q", rows)
	}
	if rows, _ := c.GetRows("Liste d'attente"); len(rows) != 4 {
		t.Errorf("consolidated waitlist has %d rows, want every wholesaler's 3 and a header", len(rows))
	}
	if v, _ := c.GetCellValue("Revendeurs", "A2"); v != "552100554" {
		t.Errorf("Revendeurs!A2 = %q", v)
	}

	if err := st.renderMail(context.Background(), time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	for _, m := range st.messages {
		bodies[m.Recipient] = mailText(t, m.EML)
	}
	for who, w := range map[string]struct{ has, hasNot []string }{
		"credit@actebis.example": {has: []string{"LISTE D'ATTENTE", "A-WAITING · Attente SA", "rang 2"},
			hasNot: []string{"ETC-WAITING", "budget :", "30 000,00", "552"}},
		"credit@etc.example": {has: []string{"WAITLIST", "ETC-WAITING", "rank 1", "ETC-WAITING-2", "rank 3"},
			hasNot: []string{"A-WAITING", "budget:", "30,000.00", "552"}},
		"pm@vendor.example": {has: []string{"BUDGETS DES PROGRAMMES", "29 500,00 € utilisés sur 30 000,00 €",
			"552 100 554 · Dupont SARL · Actebis, ETC", "Budget dépassé pour « Programme Mezzanine » : ses lignes en vigueur utilisent 29 500,00 €"}},
	} {
		body, ok := bodies[who]
		if !ok {
			t.Errorf("no mail to %s", who)
			continue
		}
		flat := strings.ReplaceAll(strings.Join(strings.Fields(body), " "), "\u00a0", " ")
		for _, s := range w.has {
			if !strings.Contains(flat, s) {
				t.Errorf("mail to %s lacks %q:\n%s", who, s, body)
			}
		}
		for _, s := range w.hasNot {
			if strings.Contains(flat, s) {
				t.Errorf("mail to %s holds %q", who, s)
			}
		}
	}
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mailText returns a message's plain-text body, decoded.
func mailText(t *testing.T, eml []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatal(err)
	}
	var find func(ctype string, body io.Reader) string
	find = func(ctype string, body io.Reader) string {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil || !strings.HasPrefix(mt, "multipart/") {
			return ""
		}
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextPart()
			if err != nil {
				return ""
			}
			pt := p.Header.Get("Content-Type")
			if strings.HasPrefix(pt, "multipart/") {
				if s := find(pt, p); s != "" {
					return s
				}
				continue
			}
			if strings.HasPrefix(pt, "text/plain") {
				var rd io.Reader = p
				if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
					rd = quotedprintable.NewReader(p)
				}
				b, _ := io.ReadAll(rd)
				return string(b)
			}
		}
	}
	text := find(m.Header.Get("Content-Type"), m.Body)
	if text == "" {
		t.Fatal("no text part in the message")
	}
	return text
}

// TestPublishedDir: a workbook too large to attach is named in the folder
// the run publishes, never in its uncommitted .partial one.
func TestPublishedDir(t *testing.T) {
	for dir, want := range map[string]string{
		filepath.Join("var", "runs", ".2026-12-02-17.partial"): filepath.Join("var", "runs", "2026-12-02-17"),
		filepath.Join("var", "runs", "2026-12-02-17"):          filepath.Join("var", "runs", "2026-12-02-17"),
		filepath.Join("out", "week"):                           filepath.Join("out", "week"),
	} {
		if got := publishedDir(dir); got != want {
			t.Errorf("publishedDir(%s) = %s, want %s", dir, got, want)
		}
	}
}
