package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/layout"
)

func parseFile(t *testing.T, name string) *Config {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f, name)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseSample(t *testing.T) {
	c := parseFile(t, "config.yaml")
	if c.Timezone != "Europe/Paris" || c.Location.String() != "Europe/Paris" {
		t.Errorf("timezone = %q, %v", c.Timezone, c.Location)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"schedule", c.Schedule, "0 7 * * MON"},
		{"inbox", c.Inbox, "inbox"},
		{"data_dir", c.DataDir, "var"},
		{"rules", c.RulesPath, "rules.yaml"},
		{"min_file_age", c.MinFileAge, 60 * time.Second},
		{"expiring_within_days", c.ExpiringWithinDays, 30},
		{"shutdown_grace", c.ShutdownGrace, 2 * time.Minute},
		{"http.listen", c.HTTP.Listen, ""},
		{"limits", c.Limits, Limits{MaxFileBytes: 100 << 20, MaxUnzippedBytes: 1 << 30, MaxRows: 1048576}},
		{"mail", c.Mail, Mail{
			Transport:       "dir",
			From:            "Programme partenaires <partenaires@vendor.example>",
			ProgramManagers: []string{"pm@vendor.example"},
			MaxAge:          120 * time.Hour,
			Send:            SendEveryRun,
			SMTP:            SMTP{Host: "localhost", Port: 587, TLS: "starttls", PasswordEnv: "SMTP_PASSWORD"},
		}},
		{"wholesaler ids", c.WholesalerIDs(), []string{"actebis", "etc"}},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}

	a, ok := c.Wholesaler("actebis")
	if !ok {
		t.Fatal("no actebis")
	}
	wantA := Wholesaler{
		ID: "actebis", Name: "Actebis", Emails: []string{"credit@actebis.example"}, Language: "fr",
		Layout: layout.Layout{
			Decimal: "comma", DateOrder: "dmy",
			Accounts: layout.Sheet{
				Name: "Encours",
				Columns: map[string][]string{
					"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
					"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"}, "applied_line": {"Ligne Microsoft"},
				},
				StatusValues: map[string][]string{"terminated": {"Radié"}},
			},
			Orders: &layout.Sheet{
				Name: "Commandes",
				Columns: map[string][]string{
					"order_id": {"N° commande"}, "reseller_id": {"Code client"}, "order_date": {"Date"},
					"product": {"Article"}, "category": {"Famille"}, "amount": {"Montant HT"},
					"payment": {"Règlement"}, "financing_accepted_at": {"Accord financement"},
					"financing_paid_at": {"Paiement financement"},
				},
			},
		},
	}
	if !reflect.DeepEqual(a, wantA) {
		t.Errorf("actebis =\n%#v\nwant\n%#v", a, wantA)
	}

	e, _ := c.Wholesaler("etc")
	wantE := Wholesaler{
		ID: "etc", Name: "ETC", Emails: []string{"credit@etc.example", "Service crédit <credit2@etc.example>"}, Language: "en",
		Layout: layout.Layout{
			Decimal: "point", DateOrder: "mdy",
			Accounts: layout.Sheet{Columns: map[string][]string{
				"reseller_id": {"Customer No"}, "reseller_name": {"Customer", "Company"}, "status": {"Status"},
				"insured_limit": {"Insured limit"}, "outstanding": {"Outstanding"},
			}},
		},
	}
	if !reflect.DeepEqual(e, wantE) {
		t.Errorf("etc =\n%#v\nwant\n%#v", e, wantE)
	}
	if _, ok := c.Wholesaler("tech-data"); ok {
		t.Error("Wholesaler(tech-data) found")
	}
}

func TestParseRulesSample(t *testing.T) {
	f, err := os.Open("testdata/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseRules(f, "rules.yaml", []string{"actebis", "etc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []reconcile.Program{
		{ID: "mezzanine", Name: "Programme Mezzanine", Kind: reconcile.CreditTopUp, Wholesalers: []string{"actebis"},
			From: reconcile.MustDate("2009-03-02"), Until: reconcile.MustDate("2009-06-30"),
			MaxAmount: 500000, RoundUpTo: 10000},
		{ID: "oem-office", Name: "Ligne OEM Office", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"etc"},
			Amount: 500000, DurationMonths: 6,
			Trigger: reconcile.Trigger{Category: []string{"OEM"}, ProductContains: []string{"Office"}, MinOrderAmount: 100000}},
		{ID: "ms-financing", Name: "Microsoft Financing", Kind: reconcile.FinancingSLA, Wholesalers: []string{"*"},
			PaymentValues: []string{"Microsoft Financing"}, MaxHours: 48},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("programs =\n%#v\nwant\n%#v", got, want)
	}
}

// minimal is the smallest valid config: one wholesaler with its accounts columns.
const minimal = `
wholesalers:
  - id: w1
    layout:
      accounts:
        columns: {reseller_id: [Id], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}
`

func TestDefaults(t *testing.T) {
	c, err := Parse(strings.NewReader(minimal), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	d.Wholesalers = c.Wholesalers
	if !reflect.DeepEqual(c, d) {
		t.Errorf("minimal config =\n%#v\nwant defaults\n%#v", c, d)
	}
	w := c.Wholesalers[0]
	if w.Name != "w1" || w.Language != "fr" || w.Layout.Decimal != "comma" || w.Layout.DateOrder != "dmy" || w.Layout.Orders != nil {
		t.Errorf("wholesaler defaults = %#v", w)
	}
	if c.ExpiringWithinDays != 30 {
		t.Errorf("expiring_within_days = %d", c.ExpiringWithinDays)
	}
	c, err = Parse(strings.NewReader("expiring_within_days: 0\nmin_file_age: 0s\n"+minimal), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.ExpiringWithinDays != 0 || c.MinFileAge != 0 {
		t.Errorf("explicit zeros not kept: %d, %v", c.ExpiringWithinDays, c.MinFileAge)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		yaml  string
		check func(*Config) any
		want  any
	}{
		{"limits: {max_file_bytes: 1048576}", func(c *Config) any { return c.Limits.MaxFileBytes }, int64(1 << 20)},
		{"limits: {max_file_bytes: 10 KiB}", func(c *Config) any { return c.Limits.MaxFileBytes }, int64(10240)},
		{"limits: {max_unzipped_bytes: 2GB}", func(c *Config) any { return c.Limits.MaxUnzippedBytes }, int64(2e9)},
		{"limits: {max_rows: 500}", func(c *Config) any { return c.Limits.MaxRows }, 500},
		{"schedule: '*/10 * * * * *'", func(c *Config) any { return c.Schedule }, "*/10 * * * * *"},
		{"schedule: '@weekly'", func(c *Config) any { return c.Schedule }, "@weekly"},
		{"timezone: America/New_York", func(c *Config) any { return c.Location.String() }, "America/New_York"},
		{"mail: {max_age: 5h30m}", func(c *Config) any { return c.Mail.MaxAge }, 5*time.Hour + 30*time.Minute},
		{"mail: {send: on_change}", func(c *Config) any { return c.Mail.Send }, SendOnChange},
		{"mail: {send: every_run}", func(c *Config) any { return c.Mail.Send }, SendEveryRun},
		{"mail: {}", func(c *Config) any { return c.Mail.Send }, SendEveryRun},
		{"mail: {transport: smtp, from: a@b.example, smtp: {host: mx, port: 465, tls: tls, username: u, password_env: MY_PW}}",
			func(c *Config) any { return c.Mail.SMTP }, SMTP{Host: "mx", Port: 465, TLS: "tls", Username: "u", PasswordEnv: "MY_PW"}},
		{"http: {listen: '127.0.0.1:9464'}", func(c *Config) any { return c.HTTP.Listen }, "127.0.0.1:9464"},
		{"http: {listen: ':0'}", func(c *Config) any { return c.HTTP.Listen }, ":0"},
		{"shutdown_grace: 0s", func(c *Config) any { return c.ShutdownGrace }, time.Duration(0)},
		{"timezone: UTC", func(c *Config) any { return c.Ledger }, Ledger{Driver: "sqlite"}},
		{"ledger: {driver: postgres}", func(c *Config) any { return c.Ledger }, Ledger{Driver: "postgres", DSNEnv: "ENCOURS_PG_DSN"}},
		{"ledger: {driver: postgres, dsn_env: PG_LEDGER}", func(c *Config) any { return c.Ledger }, Ledger{Driver: "postgres", DSNEnv: "PG_LEDGER"}},
		{"ledger: {driver: postgres, dsn: 'postgres://db/encours'}", func(c *Config) any { return c.Ledger },
			Ledger{Driver: "postgres", DSN: "postgres://db/encours"}},
		{"retention: {runs: 26w}", func(c *Config) any { return c.Retention.Runs }, 26 * 7 * 24 * time.Hour},
		{"retention: {runs: 90d}", func(c *Config) any { return c.Retention.Runs }, 90 * 24 * time.Hour},
		{"retention: {runs: 720h}", func(c *Config) any { return c.Retention.Runs }, 720 * time.Hour},
		{"retention: {runs: 0}", func(c *Config) any { return c.Retention.Runs }, time.Duration(0)},
		{"retention: {}", func(c *Config) any { return c.Retention.Runs }, time.Duration(0)},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.yaml+"\n"+minimal), "config.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// wholesaler builds a one-wholesaler config from its parts, so each error
// case changes only what it tests.
func wholesaler(extra, layoutExtra, accountsColumns string) string {
	if accountsColumns == "" {
		accountsColumns = "{reseller_id: [Id], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}"
	}
	return `
wholesalers:
  - id: w1
` + extra + `
    layout:
` + layoutExtra + `
      accounts:
        columns: ` + accountsColumns + "\n"
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of one error message
	}{
		{"unknown top key", "tiemzone: UTC\n" + minimal, []string{"config.yaml: tiemzone: unknown key (allowed: timezone, schedule"}},
		{"unknown nested key", "mail: {transprt: dir}\n" + minimal, []string{"mail.transprt: unknown key (allowed: transport, from"}},
		{"unknown wholesaler key", wholesaler("    emial: [a@b.example]", "", ""), []string{"wholesalers[0].emial: unknown key (allowed: id, name, emails, language, layout)"}},
		{"unknown layout key", wholesaler("", "      decimals: comma", ""), []string{"wholesalers[0].layout.decimals: unknown key"}},
		{"not yaml", "wholesalers: [\n", []string{"config.yaml: not valid YAML"}},
		{"timezone", "timezone: Europe/Pariss\n" + minimal, []string{"timezone: unknown time zone \"Europe/Pariss\""}},
		{"schedule", "schedule: '0 7 * *'\n" + minimal, []string{"schedule: \"0 7 * *\" is not a cron schedule", "@weekly"}},
		{"schedule with zone", "schedule: 'CRON_TZ=UTC 0 7 * * *'\n" + minimal, []string{"schedule:", "set timezone instead"}},
		{"duration", "min_file_age: 60\n" + minimal, []string{"min_file_age: \"60\" is not a duration"}},
		{"negative duration", "shutdown_grace: -1s\n" + minimal, []string{"shutdown_grace: \"-1s\" is negative"}},
		{"mail max_age", "mail: {max_age: 5d}\n" + minimal, []string{"mail.max_age: \"5d\" is not a duration"}},
		{"ledger driver", "ledger: {driver: mysql}\n" + minimal, []string{`ledger.driver: "mysql" is not a driver (allowed: sqlite, postgres)`}},
		{"ledger dsn_env", "ledger: {driver: postgres, dsn_env: 'PG DSN'}\n" + minimal, []string{"ledger.dsn_env:", "environment variable name"}},
		{"ledger both", "ledger: {driver: postgres, dsn_env: X, dsn: 'postgres://db/e'}\n" + minimal, []string{"ledger: give dsn_env or dsn, not both"}},
		{"ledger dsn for sqlite", "ledger: {dsn: 'postgres://db/e'}\n" + minimal, []string{"ledger: dsn_env and dsn are for driver postgres"}},
		{"ledger unknown key", "ledger: {driver: postgres, url: x}\n" + minimal, []string{"ledger.url: unknown key (allowed: driver, dsn_env, dsn)"}},
		{"mail send", "mail: {send: daily}\n" + minimal, []string{"mail.send: \"daily\" is not allowed (allowed: every_run, on_change)"}},
		{"retention", "retention: {runs: 6 months}\n" + minimal, []string{"retention.runs: \"6 months\" is not a retention; write it like 26w, 180d or 4320h, or 0 to keep everything"}},
		{"retention negative", "retention: {runs: -2w}\n" + minimal, []string{"retention.runs: \"-2w\" is not a retention"}},
		{"retention key", "retention: {run: 26w}\n" + minimal, []string{"retention.run: unknown key (allowed: runs)"}},
		{"expiring negative", "expiring_within_days: -1\n" + minimal, []string{"expiring_within_days: must be 0 or more"}},
		{"expiring not int", "expiring_within_days: 3.5\n" + minimal, []string{"expiring_within_days: \"3.5\" is not a whole number"}},
		{"size unit", "limits: {max_file_bytes: 100MiBs}\n" + minimal, []string{"limits.max_file_bytes:", "unknown unit", "KiB"}},
		{"size zero", "limits: {max_unzipped_bytes: 0}\n" + minimal, []string{"limits.max_unzipped_bytes: must be greater than 0"}},
		{"size text", "limits: {max_file_bytes: lots}\n" + minimal, []string{"limits.max_file_bytes: \"lots\" is not a size"}},
		{"rows", "limits: {max_rows: 0}\n" + minimal, []string{"limits.max_rows: must be greater than 0"}},
		{"listen", "http: {listen: localhost}\n" + minimal, []string{"http.listen: \"localhost\" is not a host:port"}},
		{"transport", "mail: {transport: pigeon}\n" + minimal, []string{"mail.transport: \"pigeon\" is not a transport (allowed: dir, smtp)"}},
		{"tls", "mail: {smtp: {tls: ssl}}\n" + minimal, []string{"mail.smtp.tls: \"ssl\" is not allowed (allowed: starttls, tls, none)"}},
		{"port", "mail: {smtp: {port: 70000}}\n" + minimal, []string{"mail.smtp.port: 70000 is not a port"}},
		{"password env", "mail: {smtp: {password_env: 'MY PW'}}\n" + minimal, []string{"mail.smtp.password_env: \"MY PW\" is not an environment variable name"}},
		{"smtp host", "mail: {transport: smtp, from: a@b.example}\n" + minimal, []string{"mail.smtp.host: is required when mail.transport is smtp"}},
		{"smtp from", "mail: {transport: smtp, smtp: {host: mx}}\n" + minimal, []string{"mail.from: is required when mail.transport is smtp"}},
		{"from", "mail: {from: 'not an address'}\n" + minimal, []string{"mail.from: \"not an address\" is not an email address"}},
		{"program manager", "mail: {program_managers: [pm@x.example, nope]}\n" + minimal, []string{"mail.program_managers[1]: \"nope\" is not an email address"}},
		{"no wholesalers", "timezone: UTC\n", []string{"wholesalers: is missing"}},
		{"wholesaler id", strings.Replace(minimal, "id: w1", "id: Actebis", 1), []string{"wholesalers[0].id: \"Actebis\" is not a valid id"}},
		{"wholesaler id missing", strings.Replace(minimal, "id: w1", "name: W", 1), []string{"wholesalers[0].id: is missing"}},
		{"duplicate id", minimal + strings.TrimPrefix(minimal, "\nwholesalers:\n"), []string{"wholesalers[1].id: \"w1\" is already the id of wholesalers[0]"}},
		{"email", wholesaler("    emails: [credit@w1.example, 'credit at w1']", "", ""), []string{"wholesalers[0].emails[1]: \"credit at w1\" is not an email address"}},
		{"email newline", wholesaler("    emails: [\"a@b.example\\r\\nBcc: x@y.example\"]", "", ""), []string{"wholesalers[0].emails[0]: contains a line break"}},
		{"language", wholesaler("    language: de", "", ""), []string{"wholesalers[0].language: \"de\" is not a language (allowed: fr, en)"}},
		{"decimal", wholesaler("", "      decimal: dot", ""), []string{"wholesalers[0].layout.decimal: \"dot\" is not allowed (allowed: comma, point)"}},
		{"date order", wholesaler("", "      date_order: dym", ""), []string{"wholesalers[0].layout.date_order: \"dym\" is not allowed (allowed: dmy, mdy, ymd)"}},
		{"no layout", "wholesalers:\n  - id: w1\n", []string{"wholesalers[0].layout: is missing"}},
		{"no accounts", "wholesalers:\n  - id: w1\n    layout: {decimal: comma}\n", []string{"wholesalers[0].layout.accounts: is missing"}},
		{"missing columns", wholesaler("", "", "{reseller_id: [Id], status: [Status], insured_limit: [Limit]}"),
			[]string{"config.yaml: wholesalers[0].layout.accounts.columns: missing reseller_name, outstanding (required: reseller_id, reseller_name, status, insured_limit, outstanding)"}},
		{"empty alias list", wholesaler("", "", "{reseller_id: [], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}"),
			[]string{"wholesalers[0].layout.accounts.columns.reseller_id: has no header"}},
		{"empty alias", wholesaler("", "", "{reseller_id: [''], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}"),
			[]string{"wholesalers[0].layout.accounts.columns.reseller_id[0]: is an empty header"}},
		{"null alias", wholesaler("", "", "{reseller_id: , reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}"),
			[]string{"wholesalers[0].layout.accounts.columns.reseller_id: has no header"}},
		{"unknown column", wholesaler("", "", "{reseller_id: [Id], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding], vat: [TVA]}"),
			[]string{"wholesalers[0].layout.accounts.columns.vat: unknown field (allowed: reseller_id, reseller_name, status, insured_limit, outstanding, siren, applied_line)"}},
		{"order field in accounts", wholesaler("", "", "{reseller_id: [Id], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding], order_id: [No]}"),
			[]string{"accounts.columns.order_id: unknown field"}},
		{"same header twice", wholesaler("", "", "{reseller_id: [Client], reseller_name: [' client '], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}"),
			[]string{"columns.reseller_name[0]: header \"client\" already stands for reseller_id"}},
		{"orders missing columns", wholesaler("", "      orders: {sheet: Cmd, columns: {order_id: [No]}}", ""),
			[]string{"wholesalers[0].layout.orders.columns: missing reseller_id, order_date, product, category, amount (required: order_id, reseller_id, order_date, product, category, amount)"}},
		{"status_values in orders", wholesaler("", "      orders: {status_values: {active: [A]}, columns: {order_id: [No], reseller_id: [C], order_date: [D], product: [P], category: [F], amount: [M]}}", ""),
			[]string{"wholesalers[0].layout.orders.status_values: unknown key (allowed: sheet, columns)"}},
		{"status key", strings.Replace(minimal, "      accounts:\n", "      accounts:\n        status_values: {suspended: [Suspendu]}\n", 1),
			[]string{"wholesalers[0].layout.accounts.status_values.suspended: unknown status (allowed: active, terminated)"}},
		{"status conflict", strings.Replace(minimal, "      accounts:\n", "      accounts:\n        status_values: {terminated: [OK]}\n", 1),
			[]string{"status_values.terminated[0]: \"OK\" already means active"}},
		{"columns not mapping", wholesaler("", "", "[Id, Name]"), []string{"wholesalers[0].layout.accounts.columns: must be a mapping"}},
		{"duplicate key", "timezone: UTC\ntimezone: UTC\n" + minimal, []string{"timezone: given twice"}},
		{"empty path", "inbox: ''\n" + minimal, []string{"inbox: is empty; give a folder or file path"}},
		{"two documents", minimal + "---\ntimezone: UTC\n", []string{"config.yaml: holds more than one YAML document"}},
		{"list item not a value", "mail: {program_managers: [[a@b.example]]}\n" + minimal, []string{"mail.program_managers[0]: must be a single value, not a list"}},
		{"null list item", "mail: {program_managers: [a@b.example, ~]}\n" + minimal, []string{"mail.program_managers[1]: is empty"}},
		{"string for mapping", "limits: 100MiB\n" + minimal, []string{"limits: must be a mapping of keys to values (key: value), not \"100MiB\""}},
		{"mapping for string", "timezone: {name: UTC}\n" + minimal, []string{"timezone: must be a single value, not a mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml), "config.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			if !containsAll(err, tt.want) {
				t.Errorf("error:\n%v\nwant one message containing %q", err, tt.want)
			}
		})
	}
}

// containsAll reports whether one of err's messages holds every substring.
func containsAll(err error, want []string) bool {
	var es Errors
	if !errors.As(err, &es) {
		es = Errors{{Msg: err.Error()}}
	}
	for _, e := range es {
		msg, ok := e.Error(), true
		for _, w := range want {
			ok = ok && strings.Contains(msg, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestErrorLine(t *testing.T) {
	_, err := Parse(strings.NewReader("timezone: UTC\nschedule: nope\n"+minimal), "config.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("err = %v", err)
	}
	if e := es[0]; e.Line != 2 || e.Path != "schedule" || e.File != "config.yaml" || !strings.HasSuffix(e.Error(), "(line 2)") {
		t.Errorf("error = %+v: %v", e, e)
	}
}

func TestItemLine(t *testing.T) {
	yaml := "mail:\n  program_managers:\n    - pm@vendor.example\n    - not an address\n" + minimal
	_, err := Parse(strings.NewReader(yaml), "config.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].Line != 4 || es[0].Path != "mail.program_managers[1]" {
		t.Errorf("err = %v", err)
	}
}

func TestAnchors(t *testing.T) {
	yaml := `
wholesalers:
  - id: w1
    layout: &l
      decimal: point
      accounts:
        columns: {reseller_id: [Id], reseller_name: [Name], status: [Status], insured_limit: [Limit], outstanding: [Outstanding]}
  - id: w2
    layout: *l
`
	c, err := Parse(strings.NewReader(yaml), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Wholesalers) != 2 || !reflect.DeepEqual(c.Wholesalers[0].Layout, c.Wholesalers[1].Layout) || c.Wholesalers[1].Layout.Decimal != "point" {
		t.Errorf("wholesalers = %#v", c.Wholesalers)
	}
}

func TestMultipleErrors(t *testing.T) {
	yaml := `
timezone: Mars/Olympus
schedule: every monday
colour: blue
limits: {max_file_bytes: big}
mail: {transport: fax, from: nobody}
wholesalers:
  - id: W1
    language: it
    layout:
      decimal: comma
      accounts:
        columns: {reseller_id: [Id]}
  - id: w2
    emails: [broken]
    layout:
      accounts:
        columns: {reseller_id: [Id], reseller_name: [N], status: [S], insured_limit: [L], outstanding: [O], colour: [C]}
`
	_, err := Parse(strings.NewReader(yaml), "config.yaml")
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	wantPaths := []string{
		"colour", "timezone", "schedule", "limits.max_file_bytes", "mail.transport", "mail.from",
		"wholesalers[0].id", "wholesalers[0].language", "wholesalers[0].layout.accounts.columns",
		"wholesalers[1].emails[0]", "wholesalers[1].layout.accounts.columns.colour",
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Path)
	}
	if !reflect.DeepEqual(got, wantPaths) {
		t.Errorf("paths =\n%q\nwant\n%q\n%v", got, wantPaths, err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(wantPaths) {
		t.Errorf("Error() has %d lines, want %d", n, len(wantPaths))
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "etc", "encours")
	if err := os.MkdirAll(filepath.Join(sub, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, "shared", "inbox")
	cfg := "inbox: " + inbox + "\ndata_dir: ../../var\nrules: rules/programs.yaml\n" + strings.Replace(minimal, "id: w1", "id: actebis", 1)
	rules := "programs:\n  - {id: mezzanine, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: 5000.5}\n"
	write(t, filepath.Join(sub, "config.yaml"), cfg)
	write(t, filepath.Join(sub, "rules", "programs.yaml"), rules)

	// Load from another working directory, through a relative path.
	t.Chdir(dir)
	c, err := Load(filepath.Join("etc", "encours", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"path", c.Path, filepath.Join(sub, "config.yaml")},
		{"inbox", c.Inbox, inbox},
		{"data_dir", c.DataDir, filepath.Join(dir, "var")},
		{"rules", c.RulesPath, filepath.Join(sub, "rules", "programs.yaml")},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if len(c.Programs) != 1 || c.Programs[0].MaxAmount != 500050 || c.Programs[0].RoundUpTo != 10000 {
		t.Errorf("programs = %#v", c.Programs)
	}

	// Errors of both files come back together, the rules file named as reached.
	write(t, filepath.Join(sub, "config.yaml"), "timezone: Nowhere\n"+cfg)
	write(t, filepath.Join(sub, "rules", "programs.yaml"), strings.Replace(rules, "[actebis]", "[etc]", 1))
	_, err = Load(filepath.Join("etc", "encours", "config.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		filepath.Join("etc", "encours", "config.yaml") + ": timezone:",
		filepath.Join("etc", "encours", "rules", "programs.yaml") + ": programs[0].wholesalers[0]: unknown wholesaler \"etc\" (configured: actebis",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error:\n%v\nwant %q", err, w)
		}
	}

	// A missing rules file names the rules key.
	write(t, filepath.Join(sub, "config.yaml"), strings.Replace(cfg, "rules/programs.yaml", "nope.yaml", 1))
	_, err = Load(filepath.Join("etc", "encours", "config.yaml"))
	if err == nil || !strings.Contains(err.Error(), "config.yaml: rules: cannot read the rules file") {
		t.Errorf("err = %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err does not wrap os.ErrNotExist: %v", err)
	}
	// A missing config file.
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScheduleSpec(t *testing.T) {
	paris := Default().Location
	// Monday 2009-05-04 06:59:58 Paris is 04:59:58 UTC.
	start := time.Date(2009, 5, 4, 4, 59, 58, 0, time.UTC)
	tests := []struct {
		spec string
		want time.Time
	}{
		{"0 7 * * MON", time.Date(2009, 5, 4, 7, 0, 0, 0, paris)},
		{"*/10 * * * * *", time.Date(2009, 5, 4, 7, 0, 0, 0, paris)},
		{"30 0 7 * * *", time.Date(2009, 5, 4, 7, 0, 30, 0, paris)},
		{"@weekly", time.Date(2009, 5, 10, 0, 0, 0, 0, paris)},
		{"@every 1h", start.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			c, err := Parse(strings.NewReader("schedule: '"+tt.spec+"'\n"+minimal), "config.yaml")
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.ScheduleSpec()
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(start); !got.Equal(tt.want) {
				t.Errorf("Next = %v, want %v", got, tt.want.In(time.UTC))
			}
		})
	}
}
