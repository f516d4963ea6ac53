package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/encours/encours/reconcile"
)

// memOutbox is an in-memory Outbox; the ledger's own is tested elsewhere.
type memOutbox struct {
	mu   sync.Mutex
	msgs map[string]*reconcile.Message
}

func newOutbox(msgs ...reconcile.Message) *memOutbox {
	o := &memOutbox{msgs: map[string]*reconcile.Message{}}
	for _, m := range msgs {
		o.msgs[m.ID] = &m
	}
	return o
}

func (o *memOutbox) PendingMail(_ context.Context, now time.Time) ([]reconcile.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []reconcile.Message
	for _, m := range o.msgs {
		if m.Status == reconcile.MailQueued && !m.NextAttempt.After(now) {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b reconcile.Message) int { return strings.Compare(a.Recipient, b.Recipient) })
	return out, nil
}

func (o *memOutbox) RecordAttempt(_ context.Context, id string, st reconcile.MailStatus, errText string, next time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, ok := o.msgs[id]
	if !ok {
		return fmt.Errorf("no message %s", id)
	}
	m.Attempts++
	m.Status, m.LastError, m.NextAttempt = st, errText, next
	return nil
}

func (o *memOutbox) get(id string) reconcile.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.msgs[id]
}

// sleeps records the waits instead of waiting.
type sleeps struct{ waits []time.Duration }

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return nil
}

func TestSenderRetriesTemporary(t *testing.T) {
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	srv := &server{dataErrs: []error{busy, busy}}
	start(t, srv, nil)
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	box := newOutbox(msgs...)
	sl := &sleeps{}
	s := &Sender{Outbox: box, Transport: SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSNone, Timeout: 5 * time.Second},
		Now: func() time.Time { return now }, Sleep: sl.sleep}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.deliveries()); n != 1 {
		t.Fatalf("%d deliveries, want exactly 1", n)
	}
	m := box.get(msgs[0].ID)
	if m.Status != reconcile.MailSent || m.Attempts != 3 {
		t.Errorf("status %s after %d attempts, want sent after 3", m.Status, m.Attempts)
	}
	if !slices.Equal(sl.waits, []time.Duration{2 * time.Second, 4 * time.Second}) {
		t.Errorf("waits %v, want [2s 4s]", sl.waits)
	}
	// A sent message is never sent again.
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.deliveries()); n != 1 {
		t.Errorf("%d deliveries after a second flush, want 1", n)
	}
}

func TestSenderPermanentFailureDoesNotStopOthers(t *testing.T) {
	srv := &server{rcptErrs: map[string]error{
		"gone@actebis.example": &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
	}}
	start(t, srv, nil)
	msgs, err := Render(sample("actebis", "fr"), from,
		[]string{"a@actebis.example", "gone@actebis.example", "z@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	box := newOutbox(msgs...)
	sl := &sleeps{}
	s := &Sender{Outbox: box, Transport: SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSNone, Timeout: 5 * time.Second},
		Now: func() time.Time { return now }, Sleep: sl.sleep}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		got := box.get(m.ID)
		want := reconcile.MailSent
		if m.Recipient == "gone@actebis.example" {
			want = reconcile.MailFailed
			if !strings.Contains(got.LastError, "550") {
				t.Errorf("error %q does not carry the reply", got.LastError)
			}
		}
		if got.Status != want || got.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts, want %s after 1", m.Recipient, got.Status, got.Attempts, want)
		}
	}
	if n := len(srv.deliveries()); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
	if len(sl.waits) != 0 {
		t.Errorf("waited %v on a permanent error", sl.waits)
	}
}

// failing always fails with err.
type failing struct {
	err   error
	calls int
}

func (f *failing) Send(context.Context, reconcile.Message) error { f.calls++; return f.err }

func TestSenderQueuesThenGivesUp(t *testing.T) {
	m := mustRender(t)
	box := newOutbox(m)
	tr := &failing{err: errors.New("dial tcp 127.0.0.1:25: connect: connection refused")}
	clock := now
	s := &Sender{Outbox: box, Transport: tr, Now: func() time.Time { return clock }, Sleep: (&sleeps{}).sleep}

	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := box.get(m.ID)
	if got.Status != reconcile.MailQueued || got.Attempts != 3 || !strings.Contains(got.LastError, "refused") {
		t.Fatalf("after a first run: %s, %d attempts, %q", got.Status, got.Attempts, got.LastError)
	}

	clock = now.Add(2 * 24 * time.Hour) // next run, still within 5 days
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := box.get(m.ID); got.Status != reconcile.MailQueued || got.Attempts != 6 {
		t.Fatalf("after a second run: %s, %d attempts", got.Status, got.Attempts)
	}

	clock = now.Add(5*24*time.Hour + time.Minute)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got = box.get(m.ID)
	want := "gave up after 9 attempts over 5 days: dial tcp"
	if got.Status != reconcile.MailFailed || !strings.HasPrefix(got.LastError, want) {
		t.Fatalf("after 5 days: %s, %q; want failed, %q…", got.Status, got.LastError, want)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tr.calls != 9 {
		t.Errorf("%d sends, want 9 (none after failing)", tr.calls)
	}
}

func TestSenderStopsOnCancel(t *testing.T) {
	m := mustRender(t)
	box := newOutbox(m)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{Outbox: box, Transport: &failing{err: errors.New("timeout")}, Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }}
	if err := s.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
	if got := box.get(m.ID); got.Status != reconcile.MailQueued {
		t.Errorf("status %s, want still queued", got.Status)
	}
}
