package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/encours/encours/reconcile"
)

// Outbox is where messages wait between rendering and delivery; the ledger
// implements it. A message is stored before its first attempt, so a crash
// never loses one, and a message recorded sent is never pending again.
type Outbox interface {
	// PendingMail returns the queued messages due at now (NextAttempt <= now).
	PendingMail(ctx context.Context, now time.Time) ([]reconcile.Message, error)
	// RecordAttempt records one delivery attempt of message id: it adds one
	// to Attempts and stores the status, the error text ("" on success) and
	// the time of the next attempt (zero unless queued).
	RecordAttempt(ctx context.Context, id string, status reconcile.MailStatus, errText string, next time.Time) error
}

// Claimer is an Outbox that several processes may send from at once (daemon
// replicas on several machines): before each attempt the Sender claims the
// message, and only the process whose claim succeeds sends it. A claim
// lasts until until; one left by a process that died lapses then.
type Claimer interface {
	ClaimMail(ctx context.Context, id string, now, until time.Time) (bool, error)
}

// Sender delivers the outbox's pending messages through a Transport.
// Zero values of the tuning fields give the defaults.
type Sender struct {
	Outbox    Outbox
	Transport Transport
	Now       func() time.Time                           // default time.Now
	Sleep     func(context.Context, time.Duration) error // default: a timer that honours ctx
	// Attempts is how many times a message is tried within one Flush
	// (default 3); a message still failing temporarily stays queued for
	// the next run.
	Attempts int
	// Backoff is the first wait between attempts (default 2s); it doubles.
	Backoff time.Duration
	// MaxAge is how long after its creation a message is still retried
	// (default 5 days); then a temporary failure becomes failed.
	MaxAge time.Duration
	// Lease is how long a claim on a message lasts (default 10 minutes),
	// when the Outbox is a Claimer: longer than one attempt may take.
	Lease time.Duration
	Log   *slog.Logger
}

// Default tuning of a Sender.
const (
	DefaultAttempts = 3
	DefaultBackoff  = 2 * time.Second
	DefaultMaxAge   = 5 * 24 * time.Hour
	DefaultLease    = 10 * time.Minute
)

// Flush tries every pending message: up to Attempts times with a doubling
// backoff. Each attempt is recorded: sent (never sent again), failed on a
// permanent error, queued on a temporary one — unless the message is older
// than MaxAge, then failed ("gave up after N attempts over 5 days: …").
// One message's failure never stops the others. Flush returns an error
// only when the outbox cannot be read or written, or ctx ends; a message
// whose attempt was cut short by ctx stays queued.
func (s *Sender) Flush(ctx context.Context) error {
	now := s.now()
	pending, err := s.Outbox.PendingMail(ctx, now)
	if err != nil {
		return fmt.Errorf("read the outbox: %w", err)
	}
	var errs []error
	for _, m := range pending {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := s.deliver(ctx, m); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// deliver tries one message; it returns an error only for outbox failures
// and cancellation.
func (s *Sender) deliver(ctx context.Context, m reconcile.Message) error {
	log := s.log().With("message_id", m.ID, "recipient", m.Recipient, "wholesaler", m.Wholesaler)
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	wait := s.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	lease := s.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	claimer, shared := s.Outbox.(Claimer)
	for i := 1; ; i++ {
		if shared {
			now := s.now()
			ok, err := claimer.ClaimMail(ctx, m.ID, now, now.Add(lease))
			if err != nil {
				return fmt.Errorf("claim message %s: %w", m.ID, err)
			}
			if !ok {
				log.Info("mail taken by another process sending from this outbox")
				return nil
			}
		}
		err := s.Transport.Send(ctx, m)
		total := m.Attempts + i
		now := s.now()
		switch {
		case err == nil:
			log.Info("mail sent", "attempts", total)
			if rerr := s.Outbox.RecordAttempt(ctx, m.ID, reconcile.MailSent, "", time.Time{}); rerr != nil {
				// Delivered but not recorded: the next run may send it
				// again with the same Message-ID, which clients collapse.
				return fmt.Errorf("record message %s as sent: %w", m.ID, rerr)
			}
			return nil
		case ctx.Err() != nil:
			// Cut short by shutdown: not the server's fault, not an attempt.
			return ctx.Err()
		case !Temporary(err):
			log.Error("mail failed permanently", "attempts", total, "err", err)
			return s.record(ctx, m.ID, reconcile.MailFailed, err.Error(), time.Time{})
		case i >= attempts:
			if !m.CreatedAt.IsZero() && now.Sub(m.CreatedAt) >= maxAge {
				text := fmt.Sprintf("gave up after %d attempts over %s: %v", total, days(maxAge), err)
				log.Error("mail failed", "attempts", total, "err", err)
				return s.record(ctx, m.ID, reconcile.MailFailed, text, time.Time{})
			}
			log.Warn("mail queued for the next run", "attempts", total, "err", err)
			return s.record(ctx, m.ID, reconcile.MailQueued, err.Error(), now)
		default:
			log.Warn("mail attempt failed, retrying", "attempt", total, "wait", wait, "err", err)
			if rerr := s.record(ctx, m.ID, reconcile.MailQueued, err.Error(), now); rerr != nil {
				return rerr
			}
			if serr := s.sleep(ctx, wait); serr != nil {
				return serr
			}
			wait *= 2
		}
	}
}

func (s *Sender) record(ctx context.Context, id string, st reconcile.MailStatus, text string, next time.Time) error {
	if err := s.Outbox.RecordAttempt(ctx, id, st, text, next); err != nil {
		return fmt.Errorf("record attempt of message %s: %w", id, err)
	}
	return nil
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Sender) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// days writes a lifetime the way people say it: "5 days", else "36h0m0s".
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := d / (24 * time.Hour); n == 1 {
			return "1 day"
		} else {
			return fmt.Sprintf("%d days", n)
		}
	}
	return d.String()
}
