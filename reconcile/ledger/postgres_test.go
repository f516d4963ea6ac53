package ledger

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/ledger/pgtest"
)

func TestRebind(t *testing.T) {
	for q, want := range map[string]string{
		`SELECT 1`: `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`:      `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`,
		`SELECT '?' || ? FROM "we?ird" WHERE x = 'it''s?'`: `SELECT '?' || $1 FROM "we?ird" WHERE x = 'it''s?'`,
	} {
		if got := (pgDialect{}).rebind(q); got != want {
			t.Errorf("rebind(%s) = %s; want %s", q, got, want)
		}
	}
}

func TestDDLForPostgres(t *testing.T) {
	got := (pgDialect{}).ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, b BLOB, n integer) WITHOUT ROWID;")
	want := `CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, b BYTEA, n BIGINT);`
	if got != want {
		t.Errorf("ddl = %s\nwant %s", got, want)
	}
}

func TestMasked(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://enc:s3cr%40t@db.example:5432/encours?sslmode=require": "postgres://enc:xxxxx@db.example:5432/encours?sslmode=require",
		"postgresql://db.example/encours?password=s3cret&user=enc":        "postgresql://db.example/encours?password=xxxxx&user=enc",
		"host=db.example user=enc password=s3cret dbname=encours":         "host=db.example user=enc password=xxxxx dbname=encours",
		"host=db.example password='s3 cret' dbname=encours":               "host=db.example password=xxxxx dbname=encours",
		"postgres://enc@db.example/encours":                               "postgres://enc@db.example/encours",
		// URLs that do not parse are masked all the same.
		"postgres://enc:S3cretPw@127.0.0.1:notaport/encdb":  "postgres://enc:xxxxx@127.0.0.1:notaport/encdb",
		"postgres://enc:pa/ss#1@db.example/encours":         "postgres://enc:xxxxx@db.example/encours",
		"postgres://enc:12/ss@db.example/encours":           "postgres://enc:xxxxx@db.example/encours",
		"postgres://enc:p@ss@db.example/encours?password=x": "postgres://enc:xxxxx@db.example/encours?password=xxxxx",
		"POSTGRESQL://enc:s3cret@db.example/encours":        "POSTGRESQL://enc:xxxxx@db.example/encours",
	} {
		if got := Masked(dsn); got != want {
			t.Errorf("Masked(%s) = %s; want %s", dsn, got, want)
		}
	}
}

// TestUnescapedPassword: a URL whose password holds a raw / or # is
// refused before it is parsed, without the password; percent-encoded, or
// in a key=value DSN, it is read.
func TestUnescapedPassword(t *testing.T) {
	for _, dsn := range []string{"postgres://enc:12/ss@127.0.0.1/encdb", "postgresql://enc:pa#ss@127.0.0.1/encdb"} {
		err := Ping(context.Background(), Config{Driver: Postgres, DSN: dsn})
		if err == nil || !strings.Contains(err.Error(), "percent-encoded") || strings.Contains(err.Error(), "ss@") {
			t.Errorf("Ping(%s) = %v; want a refusal naming percent-encoding, without the password", dsn, err)
		}
	}
	for _, dsn := range []string{"postgres://enc:12%2Fss@127.0.0.1/encdb", "postgres://enc:p@ss@127.0.0.1/encdb?options=a/b@c", "host=127.0.0.1 password=12/ss"} {
		if err := unescapedUserinfo(dsn); err != nil {
			t.Errorf("unescapedUserinfo(%s) = %v; want nil", dsn, err)
		}
	}
}

// TestConnectErrors: the reasons a connection fails come out in plain
// words with the fix, and never with the password.
func TestConnectErrors(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	u, _ := url.Parse(dsn)

	// A port where nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	refused := *u
	refused.Host = closed
	refused.User = url.UserPassword("postgres", "s3cret")

	missing := *u
	missing.Path = "/no_such_database"
	missing.User = url.UserPassword("postgres", "s3cret")

	for name, c := range map[string]struct{ dsn, want string }{
		"unreachable": {refused.String(), "cannot reach the PostgreSQL server at " + closed + ": check that it runs"},
		"no database": {missing.String(), `database "no_such_database" does not exist`},
		"bad dsn":     {"host=x password=s3cret port=notaport", "cannot be read"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Ping(ctx, Config{Driver: Postgres, DSN: c.dsn})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Ping: %v; want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
			_, err = OpenConfig(ctx, Config{Driver: Postgres, DSN: c.dsn})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("OpenConfig: %v", err)
			}
		})
	}
	if err := Ping(ctx, Config{Driver: Postgres, DSN: dsn}); err != nil {
		t.Errorf("Ping of a good DSN: %v", err)
	}
}
