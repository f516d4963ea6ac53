package notify

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// claimOutbox is a memOutbox that processes share, as the ledger's is:
// a claim moves a due message's next attempt to the claim's end.
type claimOutbox struct{ *memOutbox }

func (o claimOutbox) ClaimMail(_ context.Context, id string, now, until time.Time) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.msgs[id]
	if m == nil || m.Status != reconcile.MailQueued || m.NextAttempt.After(now) {
		return false, nil
	}
	m.NextAttempt = until
	return true, nil
}

// countingTransport counts the deliveries of each message and fails the
// first attempt of those named in fail with a temporary error.
type countingTransport struct {
	mu   sync.Mutex
	sent map[string]int
	fail map[string]bool
	// pause lets the other sender run between a claim and a delivery.
	pause time.Duration
}

func (c *countingTransport) Send(_ context.Context, m reconcile.Message) error {
	time.Sleep(c.pause)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail[m.ID] {
		delete(c.fail, m.ID)
		return errors.New("connection reset")
	}
	c.sent[m.ID]++
	return nil
}

// TestSendersShareAnOutbox: two senders flush one outbox at once (two
// daemon replicas), one message failing once on the way: each message is
// delivered exactly once.
func TestSendersShareAnOutbox(t *testing.T) {
	msgs, err := Render(sample("actebis", "fr"), from, []string{"a@actebis.example", "b@actebis.example", "c@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	box := claimOutbox{newOutbox(msgs...)}
	tr := &countingTransport{sent: map[string]int{}, fail: map[string]bool{msgs[0].ID: true}, pause: 5 * time.Millisecond}
	clock := func() time.Time { return now.Add(time.Minute) }
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &Sender{Outbox: box, Transport: tr, Now: clock, Sleep: (&sleeps{}).sleep}
			if err := s.Flush(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, m := range msgs {
		if n := tr.sent[m.ID]; n != 1 {
			t.Errorf("message to %s delivered %d times", m.Recipient, n)
		}
		if got := box.get(m.ID); got.Status != reconcile.MailSent {
			t.Errorf("message to %s: %+v", m.Recipient, got)
		}
	}
}

// TestSenderSkipsAClaimedMessage: a message another process claimed is
// left to it.
func TestSenderSkipsAClaimedMessage(t *testing.T) {
	msgs, err := Render(sample("actebis", "fr"), from, []string{"a@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	box := claimOutbox{newOutbox(msgs...)}
	at := now.Add(time.Minute)
	pending, _ := box.PendingMail(context.Background(), at)
	if ok, _ := box.ClaimMail(context.Background(), msgs[0].ID, at, at.Add(DefaultLease)); !ok {
		t.Fatal("claim failed")
	}
	tr := &countingTransport{sent: map[string]int{}}
	s := &Sender{Outbox: onlyPending{box, pending}, Transport: tr, Now: func() time.Time { return at }}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(tr.sent) != 0 {
		t.Errorf("a message claimed elsewhere was sent: %v", tr.sent)
	}
}

// onlyPending answers PendingMail with what it read before the other
// process's claim, as a sender that read the outbox a moment earlier.
type onlyPending struct {
	claimOutbox
	pending []reconcile.Message
}

func (o onlyPending) PendingMail(context.Context, time.Time) ([]reconcile.Message, error) {
	return o.pending, nil
}
