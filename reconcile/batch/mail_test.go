package batch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"
	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/notify"
)

// smtpServer is a real SMTP server on 127.0.0.1:0 that records what it
// accepts and can refuse the first DATA commands with given errors.
type smtpServer struct {
	mu       sync.Mutex
	got      []received
	dataErrs []error
	datas    int
	host     string
	port     int
}

type received struct {
	to   string
	data []byte
}

type smtpSession struct {
	srv *smtpServer
	to  []string
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.datas++
	if len(s.srv.dataErrs) > 0 {
		err := s.srv.dataErrs[0]
		s.srv.dataErrs = s.srv.dataErrs[1:]
		if err != nil {
			return err
		}
	}
	for _, to := range s.to {
		s.srv.got = append(s.srv.got, received{to: to, data: b})
	}
	return nil
}
func (s *smtpSession) Reset()        { s.to = nil }
func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T, srv *smtpServer) {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: srv}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	host, port, _ := net.SplitHostPort(l.Addr().String())
	srv.host = host
	srv.port, _ = strconv.Atoi(port)
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

const (
	alphaMail = "credit@alpha.example"
	betaMail  = "credit@beta.example"
	pmMail    = "pm@vendor.example"
	// evilName looks like a formula; it must stay text everywhere.
	evilName = `=HYPERLINK("http://evil.example/","Cliquez")`
)

// mailConfig writes a config with two wholesalers in two languages that
// share the reseller id R001, each with one export in the inbox.
func mailConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	cfgText := `timezone: Europe/Paris
schedule: "0 7 * * MON"
inbox: inbox
data_dir: var
rules: rules.yaml
min_file_age: 0s
mail:
  transport: smtp
  from: "Programme partenaires <partenaires@vendor.example>"
  program_managers: ["` + pmMail + `"]
  smtp: {host: 127.0.0.1, port: 25, tls: none}
wholesalers:
  - id: alpha
    name: Alpha Distribution
    emails: ["` + alphaMail + `"]
    language: fr
    layout:
      decimal: comma
      date_order: dmy
      accounts:
        columns: {reseller_id: ["Code client"], reseller_name: ["Raison sociale"], status: ["Statut"],
                  insured_limit: ["Limite assurée"], outstanding: ["Encours"]}
  - id: beta
    name: Beta Supply
    emails: ["` + betaMail + `"]
    language: en
    layout:
      decimal: point
      date_order: mdy
      accounts:
        columns: {reseller_id: ["Account ID"], reseller_name: ["Company Name"], status: ["Account Status"],
                  insured_limit: ["Insured Credit Limit"], outstanding: ["Outstanding Balance"]}
`
	rules := `programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: ["*"],
     from: 2009-03-02, until: 2009-06-30, max_amount: 5000, round_up_to: 100}
`
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("config.yaml", cfgText)
	write("rules.yaml", rules)
	export(t, filepath.Join(dir, "inbox", "alpha", "alpha-export.xlsx"),
		[]any{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
		[][]any{
			{"R001", "Commun Alpha SARL", "Actif", 9000.0, 12340.0},
			{"A002", evilName, "Actif", 1000.0, 1500.0},
		})
	export(t, filepath.Join(dir, "inbox", "beta", "beta-export.xlsx"),
		[]any{"Account ID", "Company Name", "Account Status", "Insured Credit Limit", "Outstanding Balance"},
		[][]any{
			{"R001", "Shared Beta Ltd", "Active", 2000.0, 4100.0},
		})
	cfg, err := config.Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// export writes a one-sheet workbook with an old modification time, so
// the inbox reads it at once.
func export(t *testing.T, path string, header []any, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// runWith runs the batch for 2009-05-04 through srv; sleeps records the
// waits between attempts instead of waiting.
func runWith(t *testing.T, cfg *config.Config, srv *smtpServer, sleeps *[]time.Duration) *reconcile.Report {
	t.Helper()
	loc := cfg.Location
	r := batch.Runner{
		Config:    cfg,
		Now:       func() time.Time { return time.Date(2009, 5, 4, 7, 0, 0, 0, loc) },
		Transport: notify.SMTPTransport{TLS: notify.TLSNone, Host: srv.host, Port: srv.port, Timeout: 5 * time.Second},
		Sleep: func(_ context.Context, d time.Duration) error {
			*sleeps = append(*sleeps, d)
			return nil
		},
	}
	res, err := r.Run(context.Background(), batch.Options{AsOf: reconcile.MustDate("2009-05-04")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(res.Out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep reconcile.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// parsed is one delivered message taken apart.
type parsed struct {
	header      mail.Header
	headerText  string
	text, html  string
	attachName  string
	attachBytes []byte
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(data, []byte("\r\n\r\n"))
	p := parsed{header: msg.Header, headerText: string(data[:end])}
	var walk func(r io.Reader, ctype string)
	walk = func(r io.Reader, ctype string) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			t.Fatalf("unexpected top-level %s", mt)
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if strings.HasPrefix(pt, "multipart/") {
				walk(part, part.Header.Get("Content-Type"))
				continue
			}
			// multipart.Part decodes quoted-printable itself; base64 is ours.
			body, err := io.ReadAll(part)
			if err != nil {
				t.Fatal(err)
			}
			if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
				body = decodeBase64(t, body)
			}
			switch {
			case part.FileName() != "":
				p.attachName, p.attachBytes = part.FileName(), body
			case pt == "text/plain":
				p.text = string(body)
			case pt == "text/html":
				p.html = string(body)
			}
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"))
	return p
}

// sheetText is every cell of every sheet, and whether any cell holds a formula.
func sheetText(t *testing.T, data []byte) (string, []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	var formulas []string
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, c := range r {
				b.WriteString(c)
				b.WriteByte('\t')
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if fm, _ := f.GetCellFormula(sh, cell); fm != "" {
					formulas = append(formulas, sh+"!"+cell+"="+fm)
				}
			}
			b.WriteByte('\n')
		}
	}
	return b.String(), formulas
}

func byRecipient(t *testing.T, got []received) map[string][]parsed {
	t.Helper()
	m := map[string][]parsed{}
	for _, g := range got {
		m[g.to] = append(m[g.to], parse(t, g.data))
	}
	return m
}

// TestMailOverSMTP runs a whole batch against a real SMTP server: each
// wholesaler gets one message in its language with only its own
// workbook, the program managers get the consolidated one, and a
// formula-looking reseller name stays text.
func TestMailOverSMTP(t *testing.T) {
	cfg := mailConfig(t)
	srv := &smtpServer{}
	startSMTP(t, srv)
	var sleeps []time.Duration
	rep := runWith(t, cfg, srv, &sleeps)

	got := byRecipient(t, srv.received())
	if len(got) != 3 {
		t.Fatalf("recipients %v, want %s, %s and %s", keys(got), alphaMail, betaMail, pmMail)
	}
	type want struct {
		subject             []string
		attach, own, others string
	}
	for rcpt, w := range map[string]want{
		alphaMail: {[]string{"semaine", "ligne"}, "alpha-2009-05-04.xlsx", "Commun Alpha SARL", "Shared Beta Ltd"},
		betaMail:  {[]string{"week", "line"}, "beta-2009-05-04.xlsx", "Shared Beta Ltd", "Commun Alpha SARL"},
	} {
		msgs := got[rcpt]
		if len(msgs) != 1 {
			t.Errorf("%s got %d messages, want 1", rcpt, len(msgs))
			continue
		}
		m := msgs[0]
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.header.Get("Subject"))
		for _, word := range w.subject {
			if !strings.Contains(strings.ToLower(subj), word) {
				t.Errorf("%s: subject %q lacks %q", rcpt, subj, word)
			}
		}
		if m.attachName != w.attach {
			t.Errorf("%s: attachment %q, want %q", rcpt, m.attachName, w.attach)
		}
		cells, formulas := sheetText(t, m.attachBytes)
		if !strings.Contains(cells, w.own) {
			t.Errorf("%s: attached workbook lacks its own reseller %q", rcpt, w.own)
		}
		if strings.Contains(cells, w.others) || strings.Contains(m.text+m.html, w.others) {
			t.Errorf("%s: message carries the other wholesaler's reseller %q", rcpt, w.others)
		}
		if len(formulas) > 0 {
			t.Errorf("%s: workbook holds formulas %v", rcpt, formulas)
		}
		other := map[string]string{alphaMail: "beta", betaMail: "alpha"}[rcpt]
		if h := strings.ToLower(m.headerText); strings.Contains(h, other) {
			t.Errorf("%s: headers mention %q:\n%s", rcpt, other, m.headerText)
		}
		if to, err := mail.ParseAddress(m.header.Get("To")); err != nil || to.Address != rcpt {
			t.Errorf("%s: To %q", rcpt, m.header.Get("To"))
		}
	}
	if a := got[alphaMail]; len(a) == 1 {
		cells, _ := sheetText(t, a[0].attachBytes)
		if !strings.Contains(cells, evilName) {
			t.Errorf("the formula-looking name is not kept as text in the workbook")
		}
		if !strings.Contains(a[0].text, evilName) {
			t.Errorf("the formula-looking name is not in the plain text mail:\n%s", a[0].text)
		}
		if !strings.Contains(a[0].text, "supérieur à la limite assurée") || strings.Contains(a[0].text+a[0].html, "exceeds") {
			t.Errorf("the French mail does not give its reasons in French:\n%s", a[0].text)
		}
		if !strings.Contains(a[0].html, `=HYPERLINK(&#34;http://evil.example/&#34;`) {
			t.Errorf("the formula-looking name is not escaped in the HTML mail")
		}
	}
	if b := got[betaMail]; len(b) == 1 && !strings.Contains(b[0].text, "exceeds insured limit €2,000.00") {
		t.Errorf("the English mail does not give its reasons in English amounts:\n%s", b[0].text)
	}
	if pm := got[pmMail]; len(pm) != 1 {
		t.Errorf("program managers got %d messages, want 1", len(pm))
	} else {
		if pm[0].attachName != "consolidated-2009-05-04.xlsx" {
			t.Errorf("program managers' attachment %q", pm[0].attachName)
		}
		cells, formulas := sheetText(t, pm[0].attachBytes)
		for _, s := range []string{"alpha", "beta"} {
			if !strings.Contains(cells, s) {
				t.Errorf("consolidated workbook lacks %q", s)
			}
		}
		if len(formulas) > 0 {
			t.Errorf("consolidated workbook holds formulas from cell text: %v", formulas)
		}
	}
	if len(rep.Mail) != 3 {
		t.Fatalf("run.json mail: %+v", rep.Mail)
	}
	for _, m := range rep.Mail {
		if m.Status != reconcile.MailSent || m.Attempts != 1 || m.Error != "" {
			t.Errorf("run.json mail %+v, want sent after 1 attempt", m)
		}
	}
	if len(sleeps) != 0 {
		t.Errorf("waited %v between attempts with a healthy server", sleeps)
	}

	// A second run on the same as-of (nothing new in the inbox) sends this
	// run's messages and never the first run's again.
	before := len(srv.received())
	runWith(t, cfg, srv, &sleeps)
	again := byRecipient(t, srv.received()[before:])
	for rcpt, msgs := range again {
		if len(msgs) != 1 {
			t.Errorf("second run: %s got %d messages, want 1", rcpt, len(msgs))
		}
	}
}

// TestMailRetriedOverSMTP: a server that answers 451 to the first two
// DATA commands then accepts gets every message exactly once.
func TestMailRetriedOverSMTP(t *testing.T) {
	cfg := mailConfig(t)
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	srv := &smtpServer{dataErrs: []error{busy, busy}}
	startSMTP(t, srv)
	var sleeps []time.Duration
	rep := runWith(t, cfg, srv, &sleeps)

	got := byRecipient(t, srv.received())
	for _, rcpt := range []string{alphaMail, betaMail, pmMail} {
		if n := len(got[rcpt]); n != 1 {
			t.Errorf("%s got %d messages, want exactly 1", rcpt, n)
		}
	}
	if srv.datas != 5 {
		t.Errorf("%d DATA commands, want 5 (2 refused, 3 accepted)", srv.datas)
	}
	// The first message pending takes both refusals: attempts 3, after
	// waits of 2s then 4s; the others go through at once.
	attempts := map[int]int{}
	for _, m := range rep.Mail {
		if m.Status != reconcile.MailSent || m.Error != "" {
			t.Errorf("run.json mail %+v, want sent", m)
		}
		attempts[m.Attempts]++
	}
	if attempts[3] != 1 || attempts[1] != 2 {
		t.Errorf("run.json attempts %v, want one message at 3 and two at 1", attempts)
	}
	if len(sleeps) != 2 || sleeps[0] != notify.DefaultBackoff || sleeps[1] != 2*notify.DefaultBackoff {
		t.Errorf("waits %v, want [2s 4s]", sleeps)
	}
}

func keys(m map[string][]parsed) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

func decodeBase64(t *testing.T, b []byte) []byte {
	t.Helper()
	clean := strings.Join(strings.Fields(string(b)), "")
	out, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
