package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/encours/encours/reconcile"
)

// Transport delivers one stored message. It must not change the message:
// what was stored in the outbox is what the recipient gets.
type Transport interface {
	Send(ctx context.Context, m reconcile.Message) error
}

// ErrInvalidMessage marks a stored message that no retry can deliver.
var ErrInvalidMessage = errors.New("invalid message")

// DirTransport writes each message as <message-id>.eml into Dir (the
// "dir" transport: data_dir/outbox). A message already written is left as
// it is, so sending again is harmless.
type DirTransport struct {
	Dir string
}

// Send writes m atomically (temporary file, fsync, rename) with mode 0640.
func (t DirTransport) Send(ctx context.Context, m reconcile.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := emlName(m.ID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(t.Dir, 0o750); err != nil {
		return fmt.Errorf("create outbox folder: %w", err)
	}
	final := filepath.Join(t.Dir, name)
	if _, err := os.Lstat(final); err == nil {
		return nil // sent before: never overwrite
	}
	tmp, err := os.CreateTemp(t.Dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(m.EML); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(0o640); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if d, err := os.Open(t.Dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows
		d.Close()
	}
	return nil
}

// emlName turns a Message-ID into a file name, refusing anything that
// could leave the folder.
func emlName(id string) (string, error) {
	if id == "" || strings.HasPrefix(id, ".") {
		return "", fmt.Errorf("%w: message id %q cannot name a file", ErrInvalidMessage, id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@.-_+", r)) {
			return "", fmt.Errorf("%w: message id %q cannot name a file", ErrInvalidMessage, id)
		}
	}
	return id + ".eml", nil
}

// TLS modes of SMTPTransport, as config.yaml spells them.
const (
	TLSStartTLS = "starttls" // mandatory STARTTLS: a server without it gets nothing
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
	TLSNone     = "none"     // plain text, only when asked for explicitly
)

// SMTPTransport delivers through an SMTP server. Each Send opens its own
// connection with its own go-mail Client (a Client must not be shared
// across goroutines).
type SMTPTransport struct {
	Host string
	Port int // 0: 587 for starttls and none, 465 for tls
	// TLS is "starttls" (the default when empty), "tls" or "none".
	TLS string
	// Username turns on SMTP AUTH (mechanism chosen from what the server
	// offers; PLAIN and LOGIN only over TLS). Password is the secret itself;
	// the caller reads it from the environment variable the config names.
	Username, Password string
	Timeout            time.Duration // per connection; 0 means 30s
	HELO               string        // empty: the host name
	// TLSConfig is used for STARTTLS and implicit TLS, e.g. with RootCAs
	// trusting a private CA; ServerName defaults to Host.
	TLSConfig *tls.Config
}

// client builds a go-mail Client for one Send.
func (t SMTPTransport) client() (*gomail.Client, error) {
	if t.Host == "" {
		return nil, errors.New("smtp host is empty: set mail.smtp.host in the configuration")
	}
	port := t.Port
	opts := []gomail.Option{}
	switch t.TLS {
	case TLSStartTLS, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = 587
		}
	default:
		return nil, fmt.Errorf("smtp tls %q is not one of starttls, tls, none", t.TLS)
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts = append(opts, gomail.WithPort(port), gomail.WithTimeout(timeout))
	if t.HELO != "" {
		opts = append(opts, gomail.WithHELO(t.HELO))
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSConfig != nil {
		cfg = t.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = t.Host
	}
	opts = append(opts, gomail.WithTLSConfig(cfg))
	if t.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(t.Username), gomail.WithPassword(t.Password))
	}
	return gomail.NewClient(t.Host, opts...)
}

// Send delivers the stored EML bytes unchanged (same Message-ID, same
// Date, same body) to m.Recipient, with the From address as envelope
// sender. go-mail dials, applies the TLS policy and authenticates; the
// bytes are then written as they are rather than parsed back into a
// go-mail message, which would rebuild (and could alter) the MIME tree.
func (t SMTPTransport) Send(ctx context.Context, m reconcile.Message) (err error) {
	from, to, err := envelope(m)
	if err != nil {
		return err
	}
	c, err := t.client()
	if err != nil {
		return fmt.Errorf("%w: %v", errConfig, err)
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", c.ServerAddr(), err)
	}
	defer func() {
		// A failed QUIT after an accepted DATA does not unsend the message,
		// so its error is not the result.
		_ = c.CloseWithSMTPClient(sc)
		_ = sc.Close()
	}()
	if err := sc.Mail("<" + from + ">"); err != nil {
		return fmt.Errorf("smtp MAIL FROM %s: %w", from, err)
	}
	if err := sc.Rcpt("<" + to + ">"); err != nil {
		return fmt.Errorf("smtp RCPT TO %s: %w", to, err)
	}
	w, err := sc.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(m.EML); err != nil {
		_ = w.Close()
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of DATA: %w", err)
	}
	return nil
}

// errConfig marks a transport configuration error; it is temporary (the
// message waits for the configuration to be fixed) but says what to fix.
var errConfig = errors.New("smtp configuration")

// envelope reads the envelope sender from the stored message and checks
// that it still carries the Message-ID the outbox knows it by.
func envelope(m reconcile.Message) (from, to string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.EML))
	if err != nil {
		return "", "", fmt.Errorf("%w %s: %v", ErrInvalidMessage, m.ID, err)
	}
	f, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return "", "", fmt.Errorf("%w %s: From: %v", ErrInvalidMessage, m.ID, err)
	}
	r, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return "", "", fmt.Errorf("%w %s: recipient %q: %v", ErrInvalidMessage, m.ID, m.Recipient, err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.ID+">" {
		return "", "", fmt.Errorf("%w %s: stored Message-ID is %q", ErrInvalidMessage, m.ID, got)
	}
	return f.Address, r.Address, nil
}

// Temporary reports whether a delivery error may succeed later: 4xx
// replies (go-mail SendError.IsTemp, or a reply read directly), dial,
// network and timeout errors, TLS trouble and transport configuration
// errors are temporary; 5xx replies and invalid messages are not. Unknown
// errors count as temporary: retrying for the message's lifetime is
// cheaper than losing an email to a passing fault.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrInvalidMessage) {
		return false
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		if se.IsTemp() {
			return true
		}
		if c := se.ErrorCode(); c >= 500 && c < 600 {
			return false
		}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500 || te.Code >= 600
	}
	// Everything else — net.Error (refused, reset, timeout), TLS handshake
	// failures, a server without STARTTLS, configuration errors — may be
	// fixed before the message's lifetime ends.
	return true
}
