package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"mime"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	smtp "github.com/emersion/go-smtp"

	"github.com/encours/encours/reconcile"
)

// delivery is one message a test server accepted.
type delivery struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// server is a real SMTP server on 127.0.0.1, with knobs for failures.
type server struct {
	mu        sync.Mutex
	got       []delivery
	mails     int    // MAIL commands seen, accepted or not
	user      string // non-empty: AUTH PLAIN required with pass
	pass      string
	dataErrs  []error          // returned by successive DATA commands, then nil
	rcptErrs  map[string]error // per recipient
	authTries int

	host string
	port int
}

func (s *server) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.got...)
}

type session struct {
	srv  *server
	conn *smtp.Conn
	auth bool
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		s.srv.mu.Lock()
		s.srv.authTries++
		s.srv.mu.Unlock()
		if username != s.srv.user || password != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.srv.mu.Lock()
	s.srv.mails++
	s.srv.mu.Unlock()
	if s.srv.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	err := s.srv.rcptErrs[to]
	s.srv.mu.Unlock()
	if err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if len(s.srv.dataErrs) > 0 {
		err := s.srv.dataErrs[0]
		s.srv.dataErrs = s.srv.dataErrs[1:]
		if err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.got = append(s.srv.got, delivery{from: s.from, to: s.to, data: b, tls: isTLS})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// start serves srv on 127.0.0.1:0; with cfg the server offers STARTTLS.
func start(t *testing.T, srv *server, cfg *tls.Config) {
	t.Helper()
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: srv, conn: c}, nil
	})
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.TLSConfig = cfg
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

// certificate returns a server TLS config for 127.0.0.1 and a pool that
// trusts it.
func certificate(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "encours test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

const from = "Programme partenaires <partenaires@vendor.example>"

func TestSMTPPlainDelivery(t *testing.T) {
	srv := &server{}
	start(t, srv, nil)
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tr := SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSNone, HELO: "encours.test", Timeout: 5 * time.Second}
	if err := tr.Send(context.Background(), msgs[0]); err != nil {
		t.Fatal(err)
	}
	got := srv.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	d := got[0]
	if d.from != "partenaires@vendor.example" || len(d.to) != 1 || d.to[0] != "credit@actebis.example" {
		t.Errorf("envelope from %q to %q", d.from, d.to)
	}
	if string(d.data) != string(msgs[0].EML) {
		t.Errorf("server received different bytes than stored")
	}
	p := parse(t, d.data)
	if p.header.Get("Message-Id") != "<"+msgs[0].ID+">" {
		t.Errorf("Message-ID %q", p.header.Get("Message-Id"))
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if subj != msgs[0].Subject || p.text == "" || p.html == "" {
		t.Errorf("missing subject or an alternative")
	}
	if _, ok := p.attachments["actebis-2009-05-04.xlsx"]; !ok {
		t.Errorf("attachment missing: %v", p.attachments)
	}
}

func TestSMTPStartTLSAuth(t *testing.T) {
	cfg, pool := certificate(t)
	srv := &server{user: "encours", pass: "s3cret ü"}
	start(t, srv, cfg)
	msgs, err := Render(sample("actebis", "en"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tr := SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSStartTLS, Username: "encours", Password: "s3cret ü",
		TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
	if err := tr.Send(context.Background(), msgs[0]); err != nil {
		t.Fatal(err)
	}
	got := srv.deliveries()
	if len(got) != 1 || !got[0].tls {
		t.Fatalf("deliveries %d, over TLS: %v", len(got), len(got) == 1 && got[0].tls)
	}

	t.Run("wrong password is permanent", func(t *testing.T) {
		tr := tr
		tr.Password = "wrong"
		err := tr.Send(context.Background(), msgs[0])
		if err == nil || Temporary(err) {
			t.Fatalf("err = %v, temporary %v; want a permanent error", err, Temporary(err))
		}
		if n := len(srv.deliveries()); n != 1 {
			t.Errorf("%d deliveries, want still 1", n)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		tr := tr
		tr.TLSConfig = nil
		if err := tr.Send(context.Background(), msgs[0]); err == nil {
			t.Fatal("sent to a server whose certificate is not trusted")
		}
	})
}

func TestSMTPStartTLSRequired(t *testing.T) {
	srv := &server{}
	start(t, srv, nil) // no TLS config: no STARTTLS offered
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tr := SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSStartTLS, Username: "u", Password: "p", Timeout: 5 * time.Second}
	err = tr.Send(context.Background(), msgs[0])
	if err == nil {
		t.Fatal("sent without STARTTLS")
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.got) != 0 || srv.mails != 0 || srv.authTries != 0 {
		t.Errorf("server saw %d deliveries, %d MAIL, %d AUTH in plain text", len(srv.got), srv.mails, srv.authTries)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cfg, pool := certificate(t)
	srv := &server{}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: srv, conn: c}, nil })
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	_, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tr := SMTPTransport{Host: "127.0.0.1", Port: p, TLS: TLSImplicit, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
	if err := tr.Send(context.Background(), msgs[0]); err != nil {
		t.Fatal(err)
	}
	if got := srv.deliveries(); len(got) != 1 || !got[0].tls {
		t.Fatalf("want one delivery over TLS, got %d", len(got))
	}
}

func TestTemporary(t *testing.T) {
	srv := &server{rcptErrs: map[string]error{
		"full@x.example": &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"},
		"gone@x.example": &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
	}}
	start(t, srv, nil)
	tr := SMTPTransport{Host: srv.host, Port: srv.port, TLS: TLSNone, Timeout: 5 * time.Second}
	send := func(rcpt string) error {
		msgs, err := Render(sample("actebis", "fr"), from, []string{rcpt}, now)
		if err != nil {
			t.Fatal(err)
		}
		return tr.Send(context.Background(), msgs[0])
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"4xx reply", send("full@x.example"), true},
		{"5xx reply", send("gone@x.example"), false},
		{"connection refused", SMTPTransport{Host: "127.0.0.1", Port: closedPort, TLS: TLSNone}.Send(context.Background(), mustRender(t)), true},
		{"invalid message", ErrInvalidMessage, false},
		{"deadline", context.DeadlineExceeded, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if got := Temporary(tc.err); got != tc.want {
				t.Errorf("Temporary(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if Temporary(nil) {
		t.Error("Temporary(nil)")
	}

}

func mustRender(t *testing.T) reconcile.Message {
	t.Helper()
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return msgs[0]
}
