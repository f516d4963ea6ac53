// Package config reads and validates encours' config.yaml and rules.yaml,
// reporting every problem at once with the key path that holds it.
package config

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // so Europe/Paris is known on machines without tzdata

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

// Defaults, as in the spec's sample config.
const (
	DefaultTimezone           = "Europe/Paris"
	DefaultSchedule           = "0 7 * * MON"
	DefaultInbox              = "inbox"
	DefaultDataDir            = "var"
	DefaultRules              = "rules.yaml"
	DefaultMinFileAge         = 60 * time.Second
	DefaultExpiringWithinDays = 30
	DefaultShutdownGrace      = 2 * time.Minute
	DefaultMaxFileBytes       = 100 << 20
	DefaultMaxUnzippedBytes   = 1 << 30
	DefaultMaxRows            = 1048576
	DefaultMailMaxAge         = 120 * time.Hour
	// DefaultFrom signs the .eml files of the dir transport when mail.from is not set.
	DefaultFrom        = "encours <encours@localhost>"
	DefaultSMTPPort    = 587
	DefaultPasswordEnv = "SMTP_PASSWORD"
	// DefaultDSNEnv holds the PostgreSQL DSN when ledger.driver is
	// postgres and neither ledger.dsn_env nor ledger.dsn is set.
	DefaultDSNEnv = "ENCOURS_PG_DSN"
)

// Ledger drivers.
const (
	DriverSQLite   = "sqlite"   // data_dir/ledger.db
	DriverPostgres = "postgres" // a PostgreSQL database several daemons share
)

// Mail transports.
const (
	TransportDir  = "dir"  // writes .eml files to data_dir/outbox
	TransportSMTP = "smtp" // sends through Mail.SMTP
)

// When mail is sent (key "send").
const (
	SendEveryRun = "every_run" // every run mails every wholesaler and the program managers
	SendOnChange = "on_change" // only the wholesalers with news, and the managers when any has
)

// SMTP connection security.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is mandatory
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
	TLSNone     = "none"     // no encryption at all
)

// Languages of wholesaler outputs.
const (
	LangFR = "fr"
	LangEN = "en"
)

// Config is a validated config.yaml. Parse and Load fill every default, so
// no field needs a nil or zero check; Default returns the same defaults for
// tests that build a Config by hand.
type Config struct {
	// Path is the config file's absolute path after Load; empty after Parse.
	Path string

	// Timezone names the zone of as-of dates and the schedule; Location is
	// that zone, loaded.
	Timezone string
	Location *time.Location

	// Schedule is a robfig/cron spec: 5 fields, 6 fields with leading
	// seconds, or a descriptor like @weekly. See ScheduleSpec.
	Schedule string

	// Inbox, DataDir and RulesPath are absolute after Load (relative paths
	// are taken from the config file's folder); Parse keeps them as written.
	Inbox     string
	DataDir   string
	RulesPath string // key "rules"

	// MinFileAge: a file modified more recently is deferred to the next run.
	MinFileAge time.Duration
	// ExpiringWithinDays flags a valid line expiring within that many days.
	ExpiringWithinDays int
	// ShutdownGrace is how long the daemon lets a running run finish after SIGTERM.
	ShutdownGrace time.Duration

	HTTP   HTTP
	Limits Limits
	Mail   Mail
	Ledger Ledger
	// Retention says how long run folders are kept.
	Retention Retention

	// Wholesalers in file order.
	Wholesalers []Wholesaler
	// Programs from the rules file, in file order; set by Load.
	Programs []reconcile.Program
}

// HTTP configures the daemon's health and metrics endpoint.
type HTTP struct {
	// Listen is a host:port such as 127.0.0.1:9464; empty turns it off.
	Listen string
}

// Ledger says where the ledger lives.
type Ledger struct {
	// Driver is DriverSQLite (the default) or DriverPostgres.
	Driver string
	// DSNEnv names the environment variable holding the PostgreSQL DSN
	// (key "dsn_env"), so that the password never sits in the file.
	DSNEnv string
	// DSN is the PostgreSQL DSN written in the file (key "dsn"); DSNEnv
	// is the better place for it.
	DSN string
}

// Limits bound what one export may cost to read; a file over them is quarantined.
type Limits struct {
	MaxFileBytes     int64 // size on disk
	MaxUnzippedBytes int64 // total inflated size of the workbook's parts
	MaxRows          int   // rows per sheet
}

// Retention bounds how long a run's outputs stay in data_dir/runs.
type Retention struct {
	// Runs: after a committed run, the run folders whose as-of is more than
	// Runs before its as-of are removed; 0 keeps them all (key "runs").
	Runs time.Duration
}

// Mail configures how summaries are sent.
type Mail struct {
	// Transport is TransportDir or TransportSMTP.
	Transport string
	// From is the sender address, "Name <addr>" or "addr". Required with
	// smtp; DefaultFrom with dir when not set.
	From string
	// ProgramManagers receive the consolidated workbook.
	ProgramManagers []string
	// MaxAge is how long a temporarily failing message keeps being retried
	// (key "max_age").
	MaxAge time.Duration
	// Send is SendEveryRun or SendOnChange (spec §10.3).
	Send string
	SMTP SMTP
}

// SMTP is the mail server for TransportSMTP.
type SMTP struct {
	Host     string
	Port     int
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	Username string // empty: no authentication
	// PasswordEnv names the environment variable holding the password, so
	// the secret never sits in the config file.
	PasswordEnv string
}

// Wholesaler is one distributor sending exports.
type Wholesaler struct {
	ID     string // [a-z0-9][a-z0-9-]*, also its inbox folder name
	Name   string // defaults to ID
	Emails []string
	// Language of its workbook and email: LangFR or LangEN.
	Language string
	Layout   layout.Layout
}

// Default returns a Config holding every default and no wholesaler.
func Default() *Config {
	paris, err := time.LoadLocation(DefaultTimezone)
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return &Config{
		Timezone:           DefaultTimezone,
		Location:           paris,
		Schedule:           DefaultSchedule,
		Inbox:              DefaultInbox,
		DataDir:            DefaultDataDir,
		RulesPath:          DefaultRules,
		MinFileAge:         DefaultMinFileAge,
		ExpiringWithinDays: DefaultExpiringWithinDays,
		ShutdownGrace:      DefaultShutdownGrace,
		Limits: Limits{
			MaxFileBytes:     DefaultMaxFileBytes,
			MaxUnzippedBytes: DefaultMaxUnzippedBytes,
			MaxRows:          DefaultMaxRows,
		},
		Ledger: Ledger{Driver: DriverSQLite},
		Mail: Mail{
			Transport: TransportDir,
			From:      DefaultFrom,
			MaxAge:    DefaultMailMaxAge,
			Send:      SendEveryRun,
			SMTP:      SMTP{Port: DefaultSMTPPort, TLS: TLSStartTLS, PasswordEnv: DefaultPasswordEnv},
		},
	}
}

// Wholesaler returns the wholesaler with that id.
func (c *Config) Wholesaler(id string) (Wholesaler, bool) {
	for _, w := range c.Wholesalers {
		if w.ID == id {
			return w, true
		}
	}
	return Wholesaler{}, false
}

// WholesalerIDs returns the configured ids in file order.
func (c *Config) WholesalerIDs() []string {
	ids := make([]string, len(c.Wholesalers))
	for i, w := range c.Wholesalers {
		ids[i] = w.ID
	}
	return ids
}

var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ScheduleSpec parses Schedule. Field schedules compute their ticks in
// Location whatever the zone of the time given to Next.
func (c *Config) ScheduleSpec() (cron.Schedule, error) {
	return parseSchedule(c.Schedule, c.Location)
}

func parseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("%q carries its own time zone; remove the prefix and set timezone instead", spec)
	}
	sched, err := scheduleParser.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule (%v); write 5 fields like \"0 7 * * MON\", 6 fields with leading seconds like \"*/10 * * * * *\", or a descriptor like @weekly", spec, err)
	}
	if ss, ok := sched.(*cron.SpecSchedule); ok && loc != nil {
		ss.Location = loc
	}
	return sched, nil
}

// Load reads the config file at path, resolves inbox, data_dir and rules
// against its folder, reads the rules file and sets Programs. Problems of
// both files come back together as Errors.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("cannot read the config file: %v", err), Err: err}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error(), Err: err}}
	}
	c, errs := parse(bytes.NewReader(data), path)
	dir := filepath.Dir(abs)
	c.Path = abs
	c.Inbox = resolve(dir, c.Inbox)
	c.DataDir = resolve(dir, c.DataDir)
	rulesName := c.RulesPath
	if !filepath.IsAbs(rulesName) {
		rulesName = filepath.Join(filepath.Dir(path), rulesName)
	}
	c.RulesPath = resolve(dir, c.RulesPath)
	rules, err := os.ReadFile(c.RulesPath)
	if err != nil {
		errs = append(errs, &Error{File: path, Path: "rules", Msg: fmt.Sprintf("cannot read the rules file: %v", err), Err: err})
	} else {
		progs, rerrs := parseRules(bytes.NewReader(rules), rulesName, c.WholesalerIDs())
		errs = append(errs, rerrs...)
		c.Programs = progs
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// Parse reads a config.yaml from r; name is used in messages. Paths stay as
// written and Programs stays empty: Load does both.
func Parse(r io.Reader, name string) (*Config, error) {
	c, errs := parse(r, name)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

var topKeys = []string{"timezone", "schedule", "inbox", "data_dir", "rules", "min_file_age",
	"expiring_within_days", "shutdown_grace", "http", "limits", "mail", "ledger", "wholesalers", "retention"}

// parse always returns a Config (with defaults where values were bad), so
// Load can go on to check the rules against the wholesaler ids it found.
func parse(in io.Reader, name string) (*Config, Errors) {
	r := &reader{file: name}
	c := Default()
	root := r.document(in)
	f := r.mapping(root, "")
	r.unknown(f, "", topKeys)

	if s, ok := r.str(f.get("timezone"), "timezone"); ok {
		loc, err := time.LoadLocation(s)
		switch {
		case err != nil || s == "" || s == "Local":
			r.errorf(f.get("timezone"), "timezone", "unknown time zone %q; use an IANA name like Europe/Paris or UTC", s)
		default:
			c.Timezone, c.Location = s, loc
		}
	}
	if s, ok := r.str(f.get("schedule"), "schedule"); ok {
		if _, err := parseSchedule(s, c.Location); err != nil {
			r.errorf(f.get("schedule"), "schedule", "%v", err)
		} else {
			c.Schedule = strings.TrimSpace(s)
		}
	}
	r.path(f, "inbox", &c.Inbox)
	r.path(f, "data_dir", &c.DataDir)
	r.path(f, "rules", &c.RulesPath)
	r.duration(f, "", "min_file_age", &c.MinFileAge)
	r.duration(f, "", "shutdown_grace", &c.ShutdownGrace)
	if n := f.get("expiring_within_days"); n != nil {
		if v, ok := r.integer(n, "expiring_within_days"); ok {
			if v < 0 {
				r.errorf(n, "expiring_within_days", "must be 0 or more, not %d", v)
			} else {
				c.ExpiringWithinDays = v
			}
		}
	}

	hf := r.mapping(f.get("http"), "http")
	r.unknown(hf, "http", []string{"listen"})
	if s, ok := r.str(hf.get("listen"), "http.listen"); ok && s != "" {
		if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
			r.errorf(hf.get("listen"), "http.listen", "%q is not a host:port like 127.0.0.1:9464 (leave empty to turn it off)", s)
		} else {
			c.HTTP.Listen = s
		}
	}

	rf := r.mapping(f.get("retention"), "retention")
	r.unknown(rf, "retention", []string{"runs"})
	if s, ok := r.str(rf.get("runs"), "retention.runs"); ok {
		if d, err := ParseRetention(s); err != nil {
			r.errorf(rf.get("runs"), "retention.runs", "%v", err)
		} else {
			c.Retention.Runs = d
		}
	}

	lf := r.mapping(f.get("limits"), "limits")
	r.unknown(lf, "limits", []string{"max_file_bytes", "max_unzipped_bytes", "max_rows"})
	r.size(lf, "limits", "max_file_bytes", &c.Limits.MaxFileBytes)
	r.size(lf, "limits", "max_unzipped_bytes", &c.Limits.MaxUnzippedBytes)
	if n := lf.get("max_rows"); n != nil {
		if v, ok := r.integer(n, "limits.max_rows"); ok {
			if v <= 0 {
				r.errorf(n, "limits.max_rows", "must be greater than 0, not %d", v)
			} else {
				c.Limits.MaxRows = v
			}
		}
	}

	r.mail(f.get("mail"), &c.Mail)
	r.ledger(f.get("ledger"), &c.Ledger)
	c.Wholesalers = r.wholesalers(f.get("wholesalers"))
	return c, r.errs
}

func (r *reader) path(f fields, key string, dst *string) {
	if s, ok := r.str(f.get(key), key); ok {
		if strings.TrimSpace(s) == "" {
			r.errorf(f.get(key), key, "is empty; give a folder or file path")
			return
		}
		*dst = s
	}
}

func (r *reader) duration(f fields, path, key string, dst *time.Duration) {
	p := join(path, key)
	if s, ok := r.str(f.get(key), p); ok {
		d, err := parseDuration(s)
		if err != nil {
			r.errorf(f.get(key), p, "%v", err)
			return
		}
		*dst = d
	}
}

func (r *reader) size(f fields, path, key string, dst *int64) {
	p := join(path, key)
	if s, ok := r.str(f.get(key), p); ok {
		v, err := ParseSize(s)
		switch {
		case err != nil:
			r.errorf(f.get(key), p, "%v", err)
		case v <= 0:
			r.errorf(f.get(key), p, "must be greater than 0")
		default:
			*dst = v
		}
	}
}

// address checks one email address and returns it trimmed.
func (r *reader) address(n *yaml.Node, path, s string) (string, bool) {
	if strings.ContainsAny(s, "\r\n") {
		r.errorf(n, path, "contains a line break; write one address per item")
		return "", false
	}
	s = strings.TrimSpace(s)
	if _, err := mail.ParseAddress(s); err != nil {
		r.errorf(n, path, "%q is not an email address; write it like credit@example.com or \"Name <credit@example.com>\"", s)
		return "", false
	}
	return s, true
}

func (r *reader) addresses(n *yaml.Node, path string) []string {
	list, _ := r.strings(n, path)
	var out []string
	for _, it := range list {
		if a, ok := r.address(it.n, index(path, it.i), it.s); ok {
			out = append(out, a)
		}
	}
	return out
}

func (r *reader) ledger(n *yaml.Node, l *Ledger) {
	f := r.mapping(n, "ledger")
	r.unknown(f, "ledger", []string{"driver", "dsn_env", "dsn"})
	if s, ok := r.str(f.get("driver"), "ledger.driver"); ok {
		if s != DriverSQLite && s != DriverPostgres {
			r.errorf(f.get("driver"), "ledger.driver", "%q is not a driver (allowed: sqlite, postgres)", s)
		} else {
			l.Driver = s
		}
	}
	if s, ok := r.str(f.get("dsn_env"), "ledger.dsn_env"); ok {
		if !envRE.MatchString(s) {
			r.errorf(f.get("dsn_env"), "ledger.dsn_env", "%q is not an environment variable name like ENCOURS_PG_DSN", s)
		} else {
			l.DSNEnv = s
		}
	}
	if s, ok := r.str(f.get("dsn"), "ledger.dsn"); ok {
		// Never quoted back: it may hold a password.
		if strings.TrimSpace(s) == "" {
			r.errorf(f.get("dsn"), "ledger.dsn", "is empty; remove it, or write the DSN, like postgres://encours@db:5432/encours")
		} else {
			l.DSN = strings.TrimSpace(s)
		}
	}
	switch {
	case l.Driver != DriverPostgres && (l.DSNEnv != "" || l.DSN != ""):
		r.errorf(n, "ledger", "dsn_env and dsn are for driver postgres; the %s ledger is data_dir/ledger.db", l.Driver)
	case l.DSNEnv != "" && l.DSN != "":
		r.errorf(n, "ledger", "give dsn_env or dsn, not both")
	case l.Driver == DriverPostgres && l.DSN == "" && l.DSNEnv == "":
		l.DSNEnv = DefaultDSNEnv
	}
}

var envRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (r *reader) mail(n *yaml.Node, m *Mail) {
	f := r.mapping(n, "mail")
	r.unknown(f, "mail", []string{"transport", "from", "program_managers", "max_age", "send", "smtp"})
	if s, ok := r.str(f.get("send"), "mail.send"); ok {
		if s != SendEveryRun && s != SendOnChange {
			r.errorf(f.get("send"), "mail.send", "%q is not allowed (allowed: every_run, on_change)", s)
		} else {
			m.Send = s
		}
	}
	if s, ok := r.str(f.get("transport"), "mail.transport"); ok {
		if s != TransportDir && s != TransportSMTP {
			r.errorf(f.get("transport"), "mail.transport", "%q is not a transport (allowed: dir, smtp)", s)
		} else {
			m.Transport = s
		}
	}
	if s, ok := r.str(f.get("from"), "mail.from"); ok {
		if a, ok := r.address(f.get("from"), "mail.from", s); ok {
			m.From = a
		}
	}
	m.ProgramManagers = r.addresses(f.get("program_managers"), "mail.program_managers")
	r.duration(f, "mail", "max_age", &m.MaxAge)

	sf := r.mapping(f.get("smtp"), "mail.smtp")
	r.unknown(sf, "mail.smtp", []string{"host", "port", "tls", "username", "password_env"})
	if s, ok := r.str(sf.get("host"), "mail.smtp.host"); ok {
		m.SMTP.Host = strings.TrimSpace(s)
	}
	if n := sf.get("port"); n != nil {
		if v, ok := r.integer(n, "mail.smtp.port"); ok {
			if v < 1 || v > 65535 {
				r.errorf(n, "mail.smtp.port", "%d is not a port (1 to 65535)", v)
			} else {
				m.SMTP.Port = v
			}
		}
	}
	if s, ok := r.str(sf.get("tls"), "mail.smtp.tls"); ok {
		if s != TLSStartTLS && s != TLSImplicit && s != TLSNone {
			r.errorf(sf.get("tls"), "mail.smtp.tls", "%q is not allowed (allowed: starttls, tls, none)", s)
		} else {
			m.SMTP.TLS = s
		}
	}
	if s, ok := r.str(sf.get("username"), "mail.smtp.username"); ok {
		m.SMTP.Username = s
	}
	if s, ok := r.str(sf.get("password_env"), "mail.smtp.password_env"); ok {
		if !envRE.MatchString(s) {
			r.errorf(sf.get("password_env"), "mail.smtp.password_env", "%q is not an environment variable name like SMTP_PASSWORD", s)
		} else {
			m.SMTP.PasswordEnv = s
		}
	}
	if m.Transport == TransportSMTP {
		if m.SMTP.Host == "" {
			r.errorf(n, "mail.smtp.host", "is required when mail.transport is smtp")
		}
		if !f.has("from") || m.From == "" {
			r.errorf(n, "mail.from", "is required when mail.transport is smtp")
		}
	}
	if m.From == "" && m.Transport != TransportSMTP {
		m.From = DefaultFrom
	}
}

func (r *reader) wholesalers(n *yaml.Node) []Wholesaler {
	n = deref(n)
	if isNull(n) {
		r.errorf(n, "wholesalers", "is missing; configure at least one wholesaler (id, name, emails, language, layout)")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "wholesalers", "must be a list of wholesalers (- id: …), not %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		r.errorf(n, "wholesalers", "is empty; configure at least one wholesaler")
	}
	var out []Wholesaler
	seen := map[string]int{}
	for i, wn := range n.Content {
		p := index("wholesalers", i)
		w, ok := r.wholesaler(wn, p)
		if !ok {
			continue
		}
		if j, dup := seen[w.ID]; dup {
			r.errorf(wn, p+".id", "%q is already the id of wholesalers[%d]; ids must be unique", w.ID, j)
			continue
		}
		seen[w.ID] = i
		out = append(out, w)
	}
	return out
}

// wholesaler reads one wholesaler; ok is false only when it has no usable id.
func (r *reader) wholesaler(n *yaml.Node, p string) (Wholesaler, bool) {
	f := r.mapping(n, p)
	r.unknown(f, p, []string{"id", "name", "emails", "language", "layout"})
	w := Wholesaler{Language: LangFR}
	id, ok := r.str(f.get("id"), p+".id")
	switch {
	case !ok && f.get("id") == nil:
		r.errorf(deref(n), p+".id", "is missing; give a short id like actebis (lowercase letters, digits, dashes)")
	case ok && !idRE.MatchString(id):
		r.errorf(f.get("id"), p+".id", "%q is not a valid id; use lowercase letters, digits and dashes, starting with a letter or digit (like tech-data)", id)
		ok = false
	}
	w.ID = id
	if s, has := r.str(f.get("name"), p+".name"); has && strings.TrimSpace(s) != "" {
		w.Name = strings.TrimSpace(s)
	} else {
		w.Name = id
	}
	w.Emails = r.addresses(f.get("emails"), p+".emails")
	if s, has := r.str(f.get("language"), p+".language"); has {
		if s != LangFR && s != LangEN {
			r.errorf(f.get("language"), p+".language", "%q is not a language (allowed: fr, en)", s)
		} else {
			w.Language = s
		}
	}
	w.Layout = r.layout(f.get("layout"), p+".layout", deref(n))
	return w, ok
}

func (r *reader) layout(n *yaml.Node, p string, parent *yaml.Node) layout.Layout {
	l := layout.Layout{Decimal: "comma", DateOrder: "dmy"}
	if n == nil {
		r.errorf(parent, p, "is missing; describe at least the accounts sheet (layout: {accounts: {columns: {…}}})")
		return l
	}
	f := r.mapping(n, p)
	r.unknown(f, p, []string{"decimal", "date_order", "accounts", "orders"})
	if s, ok := r.str(f.get("decimal"), p+".decimal"); ok {
		if s != "comma" && s != "point" {
			r.errorf(f.get("decimal"), p+".decimal", "%q is not allowed (allowed: comma, point)", s)
		} else {
			l.Decimal = s
		}
	}
	if s, ok := r.str(f.get("date_order"), p+".date_order"); ok {
		if s != "dmy" && s != "mdy" && s != "ymd" {
			r.errorf(f.get("date_order"), p+".date_order", "%q is not allowed (allowed: dmy, mdy, ymd)", s)
		} else {
			l.DateOrder = s
		}
	}
	if f.get("accounts") == nil {
		r.errorf(n, p+".accounts", "is missing; the accounts sheet is required (columns: reseller_id, reseller_name, status, insured_limit, outstanding)")
	} else {
		l.Accounts = r.sheet(f.get("accounts"), p+".accounts", layout.AccountFields, layout.AccountOptionalFields, true)
	}
	if on := f.get("orders"); on != nil {
		s := r.sheet(on, p+".orders", layout.OrderFields, layout.OrderOptionalFields, false)
		l.Orders = &s
	}
	return l
}

var builtinStatus = map[string][]string{
	"active":     {"active", "actif", "ok"},
	"terminated": {"terminated", "résilié", "resilie", "closed"},
}

func (r *reader) sheet(n *yaml.Node, p string, required, optional []string, accounts bool) layout.Sheet {
	var s layout.Sheet
	f := r.mapping(n, p)
	allowed := []string{"sheet", "columns"}
	if accounts {
		allowed = append(allowed, "status_values")
	}
	r.unknown(f, p, allowed)
	if v, ok := r.str(f.get("sheet"), p+".sheet"); ok {
		s.Name = strings.TrimSpace(v)
	}

	cp := p + ".columns"
	cn := f.get("columns")
	cf := r.mapping(cn, cp)
	all := append(append([]string{}, required...), optional...)
	s.Columns = map[string][]string{}
	owner := map[string]string{} // normalised alias → field
	for _, field := range cf.keys {
		fp := cp + "." + field
		vn := cf.m[field].val
		if !contains(all, field) {
			r.errorf(cf.m[field].key, fp, "unknown field (allowed: %s)", strings.Join(all, ", "))
			continue
		}
		aliases, _ := r.strings(vn, fp)
		var clean []string
		for _, it := range aliases {
			a := strings.TrimSpace(it.s)
			if a == "" {
				r.errorf(it.n, index(fp, it.i), "is an empty header; write the header text as it appears in the export")
				continue
			}
			key := foldSpace(a)
			if other, dup := owner[key]; dup && other != field {
				r.errorf(it.n, index(fp, it.i), "header %q already stands for %s; one header cannot mean two fields", a, other)
				continue
			}
			owner[key] = field
			clean = append(clean, a)
		}
		if len(clean) == 0 {
			if len(aliases) == 0 {
				r.errorf(vn, fp, "has no header; give at least one, like %s: [\"Header\"]", field)
			}
			continue
		}
		s.Columns[field] = clean
	}
	var missing []string
	for _, field := range required {
		if _, ok := cf.m[field]; !ok {
			missing = append(missing, field)
		}
	}
	if len(missing) > 0 {
		at := cn
		if at == nil {
			at = deref(n)
		}
		r.errorf(at, cp, "missing %s (required: %s)", strings.Join(missing, ", "), strings.Join(required, ", "))
	}

	if accounts {
		vp := p + ".status_values"
		vf := r.mapping(f.get("status_values"), vp)
		seen := map[string]string{}
		for status, words := range builtinStatus {
			for _, w := range words {
				seen[w] = status
			}
		}
		for _, status := range vf.keys {
			sp := vp + "." + status
			vn := vf.m[status].val
			if _, ok := builtinStatus[status]; !ok {
				r.errorf(vf.m[status].key, sp, "unknown status (allowed: active, terminated)")
				continue
			}
			words, _ := r.strings(vn, sp)
			for _, it := range words {
				w := strings.TrimSpace(it.s)
				if w == "" {
					r.errorf(it.n, index(sp, it.i), "is empty; write the status word as it appears in the export")
					continue
				}
				key := foldSpace(w)
				if other, dup := seen[key]; dup && other != status {
					r.errorf(it.n, index(sp, it.i), "%q already means %s; a word cannot mean both statuses", w, other)
					continue
				}
				seen[key] = status
				if s.StatusValues == nil {
					s.StatusValues = map[string][]string{}
				}
				s.StatusValues[status] = append(s.StatusValues[status], w)
			}
		}
	}
	return s
}

// foldSpace is a rough version of the layout's header matching (case and
// spaces; accents are the layout package's business), enough to catch one
// header given to two fields.
func foldSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
