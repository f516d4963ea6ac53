package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/templates"
)

// xlsxType is the media type of the attached workbooks.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Audiences, as the template file names spell them.
const (
	audienceWholesaler = "wholesaler"
	audienceManagers   = "managers"
)

// Render renders a wholesaler's summary into one message per recipient,
// each addressed to that single recipient, with an HTML and a plain-text
// alternative in the wholesaler's language and the workbook attached. The
// messages are ready for an Outbox: status queued, due now.
//
// It refuses a Summary holding any item of another wholesaler
// (ErrForeignData). Recipients must come from the configuration, never
// from workbook content.
func Render(s Summary, from string, recipients []string, now time.Time) ([]reconcile.Message, error) {
	if err := checkIsolation(s); err != nil {
		return nil, err
	}
	return render(s, audienceWholesaler, from, recipients, now)
}

// RenderManagers renders the program managers' summary over every
// wholesaler (s.Wholesaler must be empty), the consolidated workbook
// attached.
func RenderManagers(s Summary, from string, recipients []string, now time.Time) ([]reconcile.Message, error) {
	if s.Wholesaler != "" {
		return nil, fmt.Errorf("program managers' summary must not name a wholesaler (got %q)", s.Wholesaler)
	}
	return render(s, audienceManagers, from, recipients, now)
}

func render(s Summary, audience, from string, recipients []string, now time.Time) ([]reconcile.Message, error) {
	if s.RunID == "" {
		return nil, errors.New("summary has no run id: the Message-ID needs one to stay stable")
	}
	if s.AsOf.IsZero() {
		return nil, errors.New("summary has no as-of date")
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail from %q is not an address: %w", from, err)
	}
	lang := language(s.Language)
	set, err := templateSet(audience, lang)
	if err != nil {
		return nil, err
	}
	attachName := asciiName(s.Attachment.Name)
	if len(s.Attachment.Data) > 0 && attachName == "" {
		attachName = "encours.xlsx"
	}
	v := buildView(s, attachName)
	if len(s.Attachment.Data) == 0 {
		v.Attachment = ""
		if s.Attachment.Where != "" {
			v.Omitted = clean(s.Attachment.Name)
			v.OmittedSize = megabytes(s.Attachment.Size, lang)
			v.OmittedWhere = clean(s.Attachment.Where)
		}
	}
	if audience == audienceManagers {
		buildTotals(s, &v)
		buildBudgets(s, &v)
	}

	var subj, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subj, "subject", v); err != nil {
		return nil, fmt.Errorf("render %s subject: %w", set.name, err)
	}
	// A subject is one line whatever the data held, with plain spaces so
	// that it reads (and searches) the same in every client; only the
	// no-break spaces grouping a count's digits stay ("20 060").
	v.Subject = plainSpaces(clean(subj.String()))
	if err := set.text.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render %s text: %w", set.name, err)
	}
	if err := set.html.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render %s html: %w", set.name, err)
	}

	seen := map[string]bool{}
	var out []reconcile.Message
	for _, r := range recipients {
		to, err := mail.ParseAddress(r)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is not an address: %w", r, err)
		}
		key := strings.ToLower(to.Address)
		if seen[key] {
			continue
		}
		seen[key] = true
		id := MessageID(s.RunID, s.Wholesaler, to.Address, sender.Address)
		m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
		if err := m.From(sender.String()); err != nil {
			return nil, fmt.Errorf("mail from %q: %w", from, err)
		}
		if err := m.To(to.Address); err != nil {
			return nil, fmt.Errorf("recipient %q: %w", r, err)
		}
		m.Subject(v.Subject)
		m.SetMessageIDWithValue(id)
		m.SetDateWithValue(now)
		m.SetUserAgent("encours")
		// RFC 3834: keeps out-of-office robots from answering.
		m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
		m.SetBodyString(gomail.TypeTextPlain, text.String())
		m.AddAlternativeString(gomail.TypeTextHTML, html.String())
		if len(s.Attachment.Data) > 0 {
			if err := m.AttachReader(attachName, bytes.NewReader(s.Attachment.Data),
				gomail.WithFileContentType(gomail.ContentType(xlsxType))); err != nil {
				return nil, fmt.Errorf("attach %s: %w", attachName, err)
			}
		}
		var eml bytes.Buffer
		if _, err := m.WriteTo(&eml); err != nil {
			return nil, fmt.Errorf("write message for %s: %w", to.Address, err)
		}
		out = append(out, reconcile.Message{
			ID: id, RunID: s.RunID, Wholesaler: s.Wholesaler, Recipient: to.Address,
			Subject: v.Subject, EML: eml.Bytes(), Status: reconcile.MailQueued,
			NextAttempt: now, CreatedAt: now,
		})
	}
	if len(out) == 0 {
		return nil, errors.New("no recipient: add addresses to the configuration")
	}
	return out, nil
}

// MessageID returns the Message-ID (without angle brackets) of the email
// of a run for one audience (a wholesaler id, or "" for the program
// managers) and one recipient. It is stable, so a message rendered again
// after a crash replaces the stored one instead of adding a second, and it
// differs per audience, so a manager who is also a wholesaler's contact
// gets both emails. The domain is the sender's.
func MessageID(runID, wholesaler, recipient, from string) string {
	sum := sha256.Sum256([]byte(runID + "|" + wholesaler + "|" + strings.ToLower(recipient)))
	domain := "encours.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		if d := strings.ToLower(from[at+1:]); validDomain(d) {
			domain = d
		}
	}
	return hex.EncodeToString(sum[:])[:24] + "@" + domain
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// asciiName reduces a file name to ASCII letters, digits, '.', '-' and
// '_': go-mail encodes other names the old way, which some clients garble,
// and the name ends up in a header.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "._")
}

// set is the parsed pair of templates for one audience and language.
type set struct {
	name string
	text *texttemplate.Template
	html *htmltemplate.Template
}

var (
	setsMu sync.Mutex
	sets   = map[string]*set{}
)

// templateSet parses, once, the templates of an audience in a language.
func templateSet(audience, lang string) (*set, error) {
	name := audience + "." + lang
	setsMu.Lock()
	defer setsMu.Unlock()
	if s, ok := sets[name]; ok {
		return s, nil
	}
	s := &set{name: name}
	funcs := texttemplate.FuncMap{
		"plural": pluralFunc(lang),
		"num":    numFunc(lang),
		"para":   para,
		"join":   func(xs []string) string { return strings.Join(xs, ", ") },
		// section's count is the section's number of lines, of which items
		// are the ones listed.
		"section": func(title string, items []lineView, count int) section {
			return section{title, items, count - len(items)}
		},
		// tpl renders a named template into a string, so para can wrap it.
		"tpl": func(name string, data any) (string, error) {
			var b strings.Builder
			err := s.text.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
	}
	t, err := texttemplate.New(name+".txt.tmpl").Funcs(funcs).ParseFS(templates.FS, name+".txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse template %s.txt.tmpl: %w", name, err)
	}
	s.text = t
	h, err := htmltemplate.New(name+".html.tmpl").Funcs(htmltemplate.FuncMap{
		"plural":  funcs["plural"],
		"num":     funcs["num"],
		"section": funcs["section"],
	}).ParseFS(templates.FS, name+".html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse template %s.html.tmpl: %w", name, err)
	}
	s.html = h
	sets[name] = s
	return s, nil
}

// megabytes formats a file size for people: "96 Mo", "96 MB".
func megabytes(n int64, lang string) string {
	mb := (n + 1<<19) >> 20
	if lang == "en" {
		return fmt.Sprintf("%d MB", mb)
	}
	return fmt.Sprintf("%d\u00a0Mo", mb)
}

// plainSpaces replaces the no-break spaces of s by plain ones, except
// between two digits, where one groups the thousands of a count.
func plainSpaces(s string) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\u00a0' && !(i > 0 && i+1 < len(r) && unicode.IsDigit(r[i-1]) && unicode.IsDigit(r[i+1])) {
			r[i] = ' '
		}
	}
	return string(r)
}
