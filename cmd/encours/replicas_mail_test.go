package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/ledger/pgtest"
)

// mailbox is a real SMTP server on 127.0.0.1:0 that keeps every message
// it accepts, one entry per recipient.
type mailbox struct {
	mu   sync.Mutex
	got  []delivery
	addr *net.TCPAddr
}

type delivery struct {
	to        string
	messageID string
}

type mailboxSession struct {
	box *mailbox
	to  []string
}

func (s *mailboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	for _, to := range s.to {
		s.box.got = append(s.box.got, delivery{to: to, messageID: m.Header.Get("Message-Id")})
	}
	return nil
}
func (s *mailboxSession) Reset()        { s.to = nil }
func (s *mailboxSession) Logout() error { return nil }

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	box := &mailbox{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailboxSession{box: box}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	box.addr = l.Addr().(*net.TCPAddr)
	return box
}

func (b *mailbox) deliveries() []delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]delivery(nil), b.got...)
}

// TestReplicasOnChangeMailOnce: two daemon replicas on one PostgreSQL
// ledger with mail.send: on_change and a seconds schedule, over a feed
// that has been silent ten days. The stale-feed notice is decided once,
// in the first tick run, and mailed once to Actebis and the managers; the
// ticks after it are quiet and mail nobody; every tick ran once.
func TestReplicasOnChangeMailOnce(t *testing.T) {
	bin := buildEncours(t)
	dsn := pgtest.DSN(t)
	box := startMailbox(t)
	dir, cfg := daemonConfig(t, "2s", "30s")
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	smtpConf := "  transport: smtp\n  send: on_change\n  smtp: {host: 127.0.0.1, port: " + strconv.Itoa(box.addr.Port) + ", tls: none}\n"
	on := strings.Replace(string(text), "  transport: dir\n", smtpConf, 1)
	if on == string(text) {
		t.Fatal("daemonConfig changed: cannot set the mail transport")
	}
	if err := os.WriteFile(cfg, []byte(on), 0o644); err != nil {
		t.Fatal(err)
	}
	usePostgres(t, cfg)

	// Actebis delivered ten days ago; nothing since.
	loc, _ := time.LoadLocation("Europe/Paris")
	delivered := reconcile.DateIn(time.Now().In(loc)) - 10
	drop(t, dir, "actebis", "export.xlsx", actebisExport(t, 2))
	m, _, stderr := pgMain(dsn)
	if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--as-of", delivered.String()}); code != 0 {
		t.Fatalf("run of %s: exit %d\n%s", delivered, code, stderr)
	}
	first := len(box.deliveries())
	if first != 2 {
		t.Fatalf("the delivery mailed %d recipients, want Actebis and the managers: %+v", first, box.deliveries())
	}

	reps := []*daemonProc{startReplica(t, bin, cfg, "replica-a", dsn), startReplica(t, bin, cfg, "replica-b", dsn)}
	ran := func() int {
		n := 0
		for _, d := range reps {
			n += len(d.records("scheduled run done"))
		}
		return n
	}
	waitFor(t, "six ticks run", func() bool { return ran() >= 6 })
	for i, d := range reps {
		if code := d.stop(t); code != 0 {
			t.Errorf("replica %d: exit %d after SIGTERM", i, code)
		}
	}

	runBy := map[string]int{}
	for _, d := range reps {
		for _, tick := range d.ticks("scheduled run done") {
			runBy[tick]++
		}
		if f := d.records("scheduled run failed"); len(f) > 0 {
			t.Errorf("a run failed: %v", f)
		}
	}
	for tick, n := range runBy {
		if n != 1 {
			t.Errorf("tick %s was run %d times", tick, n)
		}
	}

	// One notice, to Actebis and the managers, each message once.
	got := box.deliveries()[first:]
	var to []string
	ids := map[string]int{}
	for _, d := range got {
		to = append(to, d.to)
		ids[d.messageID+" "+d.to]++
	}
	slices.Sort(to)
	if want := []string{"credit@actebis.example", "pm@vendor.example"}; !slices.Equal(to, want) {
		t.Errorf("the ticks mailed %v, want the stale notice to %v once", to, want)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}

	// The ledger's runs agree: one run decided the notice, the others
	// mailed nobody.
	var mailing []string
	for _, p := range find(filepath.Join(dir, "var", "runs"), "run.json") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r reconcile.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.AsOf != delivered && len(r.Mail) > 0 {
			mailing = append(mailing, p)
			stale := false
			for _, w := range r.Warnings {
				stale = stale || strings.HasPrefix(w, "stale_feed: actebis")
			}
			if !stale {
				t.Errorf("%s mailed without a stale_feed warning: %q", p, r.Warnings)
			}
		}
	}
	if len(mailing) != 1 {
		t.Errorf("%d tick runs mailed (%v), want 1", len(mailing), mailing)
	}
}
