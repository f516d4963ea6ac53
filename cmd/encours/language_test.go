package main

import (
	"context"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/xuri/excelize/v2"
)

// TestProblemsInTheWholesalersLanguage runs the sample week of 2009-05-04
// and reads what people read: actebis (French) gets its rejected rows and
// its quarantined .xls explained in French in its mail and its workbook
// (Rejected rows, Files, the accounts' decision column); techdata
// (English) in English; run.json keeps the English.
func TestProblemsInTheWholesalersLanguage(t *testing.T) {
	dir, cfg := copySamples(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	week := "2009-05-04"
	if err := stageWeek(filepath.Join("..", "..", "samples", "exports", week), filepath.Join(dir, "inbox"), reconcile.MustDate(week), loc); err != nil {
		t.Fatal(err)
	}
	m, _, stderr := newTestMain()
	out := filepath.Join(dir, "out")
	if code := m.Run(context.Background(), []string{"run", "--config", cfg, "--as-of", week, "--out", out}); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	runJSON, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`Encours \"n.c.\" is not an amount`, `legacy Excel 97-2003 workbook (.xls)`} {
		if !strings.Contains(string(runJSON), s) {
			t.Errorf("run.json lacks %q", s)
		}
	}

	frWant := []string{
		"« Encours » : « n.c. » n'est pas un montant : écrivez-le comme 12 340,00",
		"« Code client » est vide : chaque ligne doit porter le code du revendeur",
		"ancien classeur Excel 97-2003 (.xls), même si son nom se termine par .xlsx",
	}
	frAbsent := []string{"is not an amount", "every row needs", "legacy Excel"}
	enWant := []string{`Outstanding Balance "n/a" is not an amount: write it like 12,340.00`, "Account ID is empty: every row needs the reseller's code"}
	enAbsent := []string{"n'est pas un montant", "est vide"}

	check := func(what, body string, want, absent []string) {
		t.Helper()
		body = strings.Join(strings.Fields(body), " ")
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", what, w)
			}
		}
		for _, a := range absent {
			if strings.Contains(body, a) {
				t.Errorf("%s has %q", what, a)
			}
		}
	}
	check("actebis workbook", bookText(t, filepath.Join(out, "actebis-"+week+".xlsx")), frWant, frAbsent)
	check("techdata workbook", bookText(t, filepath.Join(out, "techdata-"+week+".xlsx")), enWant, enAbsent)
	// The accounts' decision column names the column once.
	if s := bookText(t, filepath.Join(out, "actebis-"+week+".xlsx")); strings.Contains(s, "Encours : « Encours »") {
		t.Error("actebis accounts sheet repeats the column name before the reason")
	}

	mails := map[string][]string{} // recipient → text and HTML parts
	emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	for _, p := range emls {
		to, parts := mailParts(t, p)
		mails[to] = append(mails[to], parts...)
	}
	for _, tt := range []struct {
		to           string
		want, absent []string
	}{
		{"credit@actebis.example", frWant, frAbsent},
		{"fr-credit@techdata.example", enWant, enAbsent},
	} {
		if len(mails[tt.to]) != 2 {
			t.Fatalf("mail to %s: %d text parts, want text and HTML", tt.to, len(mails[tt.to]))
		}
		for i, body := range mails[tt.to] {
			check(tt.to+" part "+string(rune('1'+i)), body, tt.want, tt.absent)
		}
	}
}

// bookText is every cell's text of a workbook, sheet after sheet.
func bookText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, " | "))
			b.WriteString("\n")
		}
	}
	return b.String()
}

// mailParts returns a message's recipient and its text and HTML parts,
// decoded (HTML entities included).
func mailParts(t *testing.T, path string) (string, []string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	msg, err := mail.ReadMessage(fh)
	if err != nil {
		t.Fatal(err)
	}
	to, _ := mail.ParseAddress(msg.Header.Get("To"))
	var parts []string
	var walk func(ctype string, enc string, r io.Reader)
	walk = func(ctype, enc string, r io.Reader) {
		mt, params, _ := mime.ParseMediaType(ctype)
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
		if mt != "text/plain" && mt != "text/html" {
			return
		}
		if strings.EqualFold(enc, "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, _ := io.ReadAll(r)
		s := string(b)
		if mt == "text/html" {
			s = html.UnescapeString(s)
		}
		parts = append(parts, s)
	}
	walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	addr := ""
	if to != nil {
		addr = to.Address
	}
	return addr, parts
}
