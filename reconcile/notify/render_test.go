package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

var now = time.Date(2009, 5, 4, 7, 0, 0, 0, time.FixedZone("CEST", 2*3600))

// parsed is a rendered message taken apart the way a mail client would.
type parsed struct {
	header      mail.Header
	rawHeader   string
	text, html  string
	attachments map[string][]byte
}

func parse(t *testing.T, eml []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	p := parsed{header: m.Header, attachments: map[string][]byte{}}
	p.rawHeader = string(eml[:bytes.Index(eml, []byte("\r\n\r\n"))])
	walk(t, m.Header.Get("Content-Type"), m.Body, &p)
	return p
}

func walk(t *testing.T, ctype string, body io.Reader, p *parsed) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("top level %s", mt)
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch {
		case strings.HasPrefix(pt, "multipart/"):
			walk(t, part.Header.Get("Content-Type"), part, p)
			continue
		}
		data, err := io.ReadAll(decode(part))
		if err != nil {
			t.Fatal(err)
		}
		if name := part.FileName(); name != "" {
			p.attachments[name] = data
			continue
		}
		switch pt {
		case "text/plain":
			p.text = string(data)
		case "text/html":
			p.html = string(data)
		}
	}
}

func decode(part *multipart.Part) io.Reader {
	if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
		return base64Reader(part)
	}
	return part // multipart decodes quoted-printable itself
}

func TestRenderWholesaler(t *testing.T) {
	for _, tc := range []struct {
		lang, subject string
		want          []string
	}{
		{"fr", "Encours Microsoft — semaine 19 (04/05/2009) : 1 nouvelle ligne, 2 à échéance, 2 écarts",
			[]string{"3\u00a0400,00\u00a0€", "20/05/2009", "Limite assurée", "vieux.xls", "73\u00a0heures", "actebis-2009-05-04.xlsx", "400,00\u00a0€ manquants", "reseller terminated"}},
		{"en", "Microsoft credit lines — week 19 (4 May 2009): 1 new line, 2 expiring, 2 discrepancies",
			[]string{"€3,400.00", "20\u00a0May\u00a02009", "Limite assurée", "vieux.xls", "73\u00a0hours", "actebis-2009-05-04.xlsx", "€400.00 short", "reseller terminated"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			s := sample("actebis", tc.lang)
			msgs, err := Render(s, "Programme partenaires <partenaires@vendor.example>",
				[]string{"credit@actebis.example", "Credit@Actebis.example", "risk@actebis.example"}, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 2 {
				t.Fatalf("got %d messages, want 2 (one per distinct recipient)", len(msgs))
			}
			for _, m := range msgs {
				p := parse(t, m.EML)
				dec := new(mime.WordDecoder)
				subj, err := dec.DecodeHeader(p.header.Get("Subject"))
				if err != nil {
					t.Fatal(err)
				}
				if subj != tc.subject || m.Subject != tc.subject {
					t.Errorf("subject\n got %q\nwant %q", subj, tc.subject)
				}
				if got := p.header.Get("To"); got != "<"+m.Recipient+">" {
					t.Errorf("To = %q, want only %s", got, m.Recipient)
				}
				if got := p.header.Get("Message-Id"); got != "<"+m.ID+">" {
					t.Errorf("Message-ID = %q, want <%s>", got, m.ID)
				}
				if m.ID != MessageID(s.RunID, "actebis", m.Recipient, "partenaires@vendor.example") ||
					!strings.HasSuffix(m.ID, "@vendor.example") {
					t.Errorf("unstable Message-ID %q", m.ID)
				}
				if d, _ := p.header.Date(); !d.Equal(now) {
					t.Errorf("Date = %v, want %v", d, now)
				}
				if m.Status != reconcile.MailQueued || m.Wholesaler != "actebis" || m.RunID != s.RunID {
					t.Errorf("message record %+v", m)
				}
				for _, w := range tc.want {
					if !strings.Contains(p.text, w) {
						t.Errorf("text lacks %q", w)
					}
					if !strings.Contains(p.html, w) {
						t.Errorf("html lacks %q", w)
					}
				}
				for i, l := range strings.Split(p.text, "\n") {
					if n := len([]rune(strings.TrimRight(l, "\r"))); n > 72 {
						t.Errorf("text line %d is %d columns: %q", i+1, n, l)
					}
				}
				if got := string(p.attachments["actebis-2009-05-04.xlsx"]); got != string(s.Attachment.Data) {
					t.Errorf("attachment = %q", got)
				}
				if tc.lang == "fr" {
					os.WriteFile("/tmp/encours-mail-fr.html", []byte(p.html), 0o644)
					os.WriteFile("/tmp/encours-mail-fr.txt", []byte(p.text), 0o644)
				} else {
					os.WriteFile("/tmp/encours-mail-en.html", []byte(p.html), 0o644)
					os.WriteFile("/tmp/encours-mail-en.txt", []byte(p.text), 0o644)
				}
			}
			again, err := Render(s, "Programme partenaires <partenaires@vendor.example>", []string{"credit@actebis.example"}, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if again[0].ID != msgs[0].ID {
				t.Errorf("Message-ID changed between renders: %s vs %s", again[0].ID, msgs[0].ID)
			}
		})
	}
}

// TestRenderAttachmentOmitted: a workbook too large to attach is named in
// the wholesaler's email, in its language, with its size, and nothing is
// attached; the server's folder where it is kept is never shown to the
// wholesaler (an outside party).
func TestRenderAttachmentOmitted(t *testing.T) {
	now := time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, say, size string }{
		{"fr", "trop volumineux pour être joint", "96\u00a0Mo"},
		{"en", "too large to attach", "96 MB"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			s := sample("actebis", tc.lang)
			s.Attachment = Attachment{Name: "actebis-2009-05-04.xlsx", Size: 96 << 20, Where: "/srv/encours/runs/2009-05-04-1"}
			msgs, err := Render(s, "partenaires@vendor.example", []string{"credit@actebis.example"}, now)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, msgs[0].EML)
			if len(p.attachments) != 0 {
				t.Errorf("attachments %v, want none", p.attachments)
			}
			for _, body := range []string{p.text, p.html} {
				flat := strings.Join(strings.Fields(body), " ")
				for _, w := range []string{tc.say, "actebis-2009-05-04.xlsx", strings.Join(strings.Fields(tc.size), " ")} {
					if !strings.Contains(flat, w) && !strings.Contains(body, w) {
						t.Errorf("body lacks %q:\n%s", w, body)
					}
				}
				if strings.Contains(body, "/srv/encours") {
					t.Errorf("the wholesaler's mail shows the server's folder:\n%s", body)
				}
			}
		})
	}
}

// TestRenderLargeSummaryListsAFew: a wholesaler with thousands of lines
// and discrepancies gets exact counts, at most maxListed items per
// section, and a line saying how many more the workbook holds. Every
// count, in the subject and both bodies, has its thousands grouped the
// language's way.
func TestRenderLargeSummaryListsAFew(t *testing.T) {
	now := time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)
	ungrouped := regexp.MustCompile(`\b(5000|4900)\b`)
	for _, tc := range []struct{ lang, more, subject string }{
		{"fr", "… et 4\u00a0900 autres : voir le classeur.", "5\u00a0000 nouvelles lignes, 5\u00a0000 à échéance, 5\u00a0000 écarts"},
		{"en", "… and 4,900 more: see the workbook.", "5,000 new lines, 5,000 expiring, 5,000 discrepancies"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			s := sample("actebis", tc.lang)
			s.Lines, s.Discrepancies = nil, nil
			for i := range 5000 {
				id := fmt.Sprintf("C%05d", i)
				s.Lines = append(s.Lines, reconcile.ReportLine{Wholesaler: "actebis", Program: "mezzanine", ResellerID: id,
					AmountCents: 100000, ValidFrom: asOf, ValidUntil: asOf.AddDays(57), Status: reconcile.Granted, Reason: "r", Expiring: true})
				s.Discrepancies = append(s.Discrepancies, reconcile.Discrepancy{Wholesaler: "actebis", Kind: reconcile.UnderApplied,
					ResellerID: id, ExpectedCents: 100000})
			}
			v := buildView(s, "")
			if v.Counts.New != 5000 || len(v.New) != maxListed || v.Counts.Discrepancies != 5000 ||
				len(v.Discrepancies) != maxListed || v.MoreDiscrepancies != 5000-maxListed {
				t.Fatalf("counts %+v, listed %d new, %d discrepancies (%d more)", v.Counts, len(v.New), len(v.Discrepancies), v.MoreDiscrepancies)
			}
			msgs, err := Render(s, "partenaires@vendor.example", []string{"credit@actebis.example"}, now)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(msgs[0].EML); n > 400<<10 {
				t.Errorf("message is %d bytes for 5,000 lines: the lists are not capped", n)
			}
			p := parse(t, msgs[0].EML)
			for _, body := range []string{p.text, p.html} {
				if got := strings.Count(body, tc.more); got != 3 {
					t.Errorf("%q appears %d times, want 3 (new, expiring lines, discrepancies)", tc.more, got)
				}
			}
			if !strings.Contains(msgs[0].Subject, tc.subject) {
				t.Errorf("subject %q does not say %q", msgs[0].Subject, tc.subject)
			}
			for what, text := range map[string]string{"subject": msgs[0].Subject, "text": p.text, "html": p.html} {
				if m := ungrouped.FindAllString(text, -1); m != nil {
					t.Errorf("%s has counts without their thousands grouped: %q", what, m)
				}
			}
		})
	}
}
