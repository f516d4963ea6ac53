package notify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

func TestDirTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	msgs, err := Render(sample("actebis", "fr"), from, []string{"a@actebis.example", "b@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tr := DirTransport{Dir: dir}
	for _, m := range msgs {
		if err := tr.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// Sending again changes nothing, even with other bytes under the same ID.
	again := msgs[0]
	again.EML = []byte("not the original")
	if err := tr.Send(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d files in the outbox, want 2 (no temp files left): %v", len(entries), entries)
	}
	for _, m := range msgs {
		path := filepath.Join(dir, m.ID+".eml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(m.EML) {
			t.Errorf("%s holds other bytes", path)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", path, fi.Mode().Perm())
		}
	}
	bad := msgs[0]
	bad.ID = "../escape"
	if err := tr.Send(context.Background(), bad); !errors.Is(err, ErrInvalidMessage) || Temporary(err) {
		t.Errorf("a path-like id: err = %v", err)
	}
}

// Two wholesalers share reseller C001; each email carries only its own.
func TestIsolation(t *testing.T) {
	a := sample("actebis", "fr")
	a.Lines[0].Reason = "ACTEBIS-ONLY reason"
	a.Lines[0].AmountCents = 123456 // 1 234,56 €
	e := sample("etc", "fr")
	e.WholesalerName = "ETC"
	e.Lines = e.Lines[:1]
	e.Lines[0].Program = "oem-office"
	e.Lines[0].Reason = "ETC-ONLY order 42 of 1 500,00 €"
	e.Lines[0].AmountCents = 500000
	e.Attachment = Attachment{Name: "etc-2009-05-04.xlsx", Data: []byte("ETC workbook")}

	ma, err := Render(a, from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	me, err := Render(e, from, []string{"credit@etc.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pa, pe := parse(t, ma[0].EML), parse(t, me[0].EML)
	whole := func(p parsed) string {
		s := p.rawHeader + p.text + p.html
		for n, d := range p.attachments {
			s += n + string(d)
		}
		return s
	}
	for _, leak := range []string{"ETC-ONLY", "etc-2009-05-04.xlsx", "ETC workbook", "credit@etc.example"} {
		if strings.Contains(whole(pa), leak) {
			t.Errorf("Actebis' email holds %q", leak)
		}
	}
	for _, leak := range []string{"ACTEBIS-ONLY", "1\u00a0234,56", "actebis-2009-05-04.xlsx", "credit@actebis.example", "Actebis"} {
		if strings.Contains(whole(pe), leak) {
			t.Errorf("ETC's email holds %q", leak)
		}
	}
	if ma[0].ID == me[0].ID {
		t.Error("two emails share a Message-ID")
	}

	mixed := sample("actebis", "fr")
	mixed.Discrepancies = append(mixed.Discrepancies, reconcile.Discrepancy{Wholesaler: "etc", Kind: reconcile.MissingAccount, ResellerID: "C001"})
	if _, err := Render(mixed, from, []string{"credit@actebis.example"}, now); !errors.Is(err, ErrForeignData) {
		t.Errorf("a summary with another wholesaler's discrepancy: err = %v", err)
	}
	mixed = sample("actebis", "fr")
	mixed.Files[0].Wholesaler = "etc"
	if _, err := Render(mixed, from, []string{"credit@actebis.example"}, now); !errors.Is(err, ErrForeignData) {
		t.Errorf("a summary with another wholesaler's file: err = %v", err)
	}
}

// Workbook text never reaches a header, and never forges a body line.
func TestHostileText(t *testing.T) {
	s := sample("actebis", "en")
	s.Lines[0].ResellerID = "C9\r\nBcc: evil@attacker.example\r\n"
	s.Lines[0].Reason = "=cmd|' /C calc'!A0\nSubject: pwned"
	s.Rejected[0].Reason = "<script>alert(1)</script>"
	s.Files[1].Name = "x.xlsx\r\nX-Injected: 1"
	s.Attachment.Name = "relevé\r\nX-Evil: 1.xlsx"
	msgs, err := Render(s, from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, msgs[0].EML)
	for _, bad := range []string{"evil@attacker", "=cmd", "pwned", "X-Injected", "X-Evil"} {
		if strings.Contains(p.rawHeader, bad) {
			t.Errorf("header holds %q", bad)
		}
	}
	if len(p.header["Bcc"]) != 0 {
		t.Error("a Bcc header appeared")
	}
	for _, l := range strings.Split(p.text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Bcc:") || strings.HasPrefix(l, "Subject:") || strings.HasPrefix(l, "X-Injected") {
			t.Errorf("text body line forged: %q", l)
		}
	}
	if strings.Contains(p.html, "<script>") {
		t.Error("html not escaped")
	}
	for name := range p.attachments {
		for _, r := range name {
			if r > 0x7e || r < 0x20 {
				t.Errorf("attachment name %q is not plain ASCII", name)
			}
		}
	}
	for _, rcpt := range []string{"a@x.example\r\nBcc: evil@attacker.example", "not an address"} {
		if _, err := Render(s, from, []string{rcpt}, now); err == nil {
			t.Errorf("recipient %q accepted", rcpt)
		}
	}
}

func TestNoExportReceived(t *testing.T) {
	for lang, want := range map[string][]string{
		"fr": {"aucun export reçu", "AUCUN EXPORT REÇU CETTE SEMAINE", "Aucun export reçu cette semaine."},
		"en": {"no export received", "NO EXPORT RECEIVED THIS WEEK", "No export received this week."},
	} {
		s := sample("actebis", lang)
		s.Received = false
		s.Files = nil
		msgs, err := Render(s, from, []string{"credit@actebis.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		if !strings.Contains(msgs[0].Subject, want[0]) || !strings.Contains(p.text, want[1]) || !strings.Contains(p.html, want[2]) {
			t.Errorf("%s: the email does not say no export was received:\n%s\n%s", lang, msgs[0].Subject, p.text)
		}
	}
}

func TestRenderManagers(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		a, e := sample("actebis", lang), sample("etc", lang)
		s := Summary{
			RunID: a.RunID, AsOf: asOf, Language: lang, Vendor: "Microsoft",
			Programs:      map[string]string{"mezzanine": "Programme Mezzanine", "ms-financing": "Microsoft Financing"},
			Wholesalers:   map[string]string{"actebis": "Actebis", "etc": "ETC", "techdata": "Tech Data"},
			Lines:         append(a.Lines, e.Lines...),
			Discrepancies: append(a.Discrepancies, e.Discrepancies...),
			Rejected:      a.Rejected, Files: append(a.Files, e.Files...),
			Warnings:   []string{"techdata: no new export for 9 days"},
			Attachment: Attachment{Name: "consolidated-2009-05-04.xlsx", Data: []byte("all")},
		}
		msgs, err := RenderManagers(s, from, []string{"pm@vendor.example", "credit@actebis.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		for _, w := range []string{"Tech Data", "ETC", "Actebis", "Programme Mezzanine", "consolidated-2009-05-04.xlsx", "techdata: no new export for 9 days"} {
			if !strings.Contains(p.text, w) || !strings.Contains(p.html, w) {
				t.Errorf("%s: managers' email lacks %q", lang, w)
			}
		}
		for i, l := range strings.Split(p.text, "\n") {
			if n := len([]rune(strings.TrimRight(l, "\r"))); n > 72 {
				t.Errorf("%s: text line %d is %d columns: %q", lang, i+1, n, l)
			}
		}
		// A manager who is also a wholesaler's contact gets both emails.
		w, _ := Render(a, from, []string{"credit@actebis.example"}, now)
		if w[0].ID == msgs[1].ID {
			t.Error("managers' and wholesaler's emails share a Message-ID")
		}
		os.WriteFile("/tmp/encours-mail-managers-"+lang+".html", []byte(p.html), 0o644)
		os.WriteFile("/tmp/encours-mail-managers-"+lang+".txt", []byte(p.text), 0o644)
	}
	if _, err := RenderManagers(sample("actebis", "fr"), from, []string{"pm@vendor.example"}, now); err == nil {
		t.Error("managers' summary naming a wholesaler accepted")
	}
}
