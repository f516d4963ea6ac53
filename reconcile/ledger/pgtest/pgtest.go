// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// database in the cluster ENCOURS_TEST_PG_DSN names (.ci/pg.sh starts one),
// or a private cluster a test may restart. Without the variable the tests
// that need PostgreSQL skip, or fail when ENCOURS_REQUIRE_PG or CI is set.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the variable holding a superuser DSN of a test cluster.
const EnvDSN = "ENCOURS_TEST_PG_DSN"

// EnvBin names the variable holding the folder of initdb and pg_ctl.
const EnvBin = "ENCOURS_TEST_PG_BIN"

// required reports whether a missing PostgreSQL is a failure, not a skip.
func required() bool {
	return os.Getenv("ENCOURS_REQUIRE_PG") != "" || os.Getenv("CI") != ""
}

func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + ": this test needs PostgreSQL; start a throw-away cluster with `eval \"$(.ci/pg.sh start)\"` " +
		"from the repository root and run the tests again in that shell (`.ci/pg.sh stop` when done)"
	if required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// DSN creates an empty database for this test in the test cluster and
// returns its DSN; the database is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		missing(t, EnvDSN+" is not set")
	}
	return CreateDatabase(t, admin)
}

// CreateDatabase creates an empty database in the cluster of admin (a
// superuser DSN) and returns its DSN; it is dropped when the test ends.
func CreateDatabase(t testing.TB, admin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := make([]byte, 6)
	rand.Read(b)
	name := "encours_test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, admin); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("the test DSN is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Cluster is a private PostgreSQL cluster, for a test that stops or
// restarts the server.
type Cluster struct {
	// DSN is a superuser DSN of the postgres database.
	DSN  string
	bin  string
	data string
	port int
	t    testing.TB
}

// NewCluster initialises and starts a cluster in a temporary folder; it is
// stopped and removed when the test ends. As root, the server runs as the
// postgres user (initdb refuses root).
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv(EnvDSN) == "" && os.Getenv(EnvBin) == "" {
		missing(t, EnvDSN+" and "+EnvBin+" are not set")
	}
	bin := os.Getenv(EnvBin)
	if bin == "" {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				bin = d
			}
		}
	}
	if bin == "" {
		missing(t, "initdb was not found")
	}
	dir, err := os.MkdirTemp("", "encours-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &Cluster{bin: bin, data: filepath.Join(dir, "data"), port: freePort(t), t: t}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and there is no postgres user to run the server: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	c.Start()
	t.Cleanup(func() { c.ctl("-m", "immediate", "stop") })
	c.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	return c
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, name)}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (c *Cluster) ctl(args ...string) {
	c.t.Helper()
	c.run("pg_ctl", append([]string{"-D", c.data, "-w", "-t", "60"}, args...)...)
}

// Start starts the server (NewCluster has started it once).
func (c *Cluster) Start() {
	c.t.Helper()
	c.ctl("-l", filepath.Join(c.data, "server.log"), "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, filepath.Dir(c.data)), "start")
}

// Stop stops the server at once, as a crash would.
func (c *Cluster) Stop() {
	c.t.Helper()
	c.ctl("-m", "immediate", "stop")
}

// Restart stops the server (fast shutdown: sessions are cut) and starts it.
func (c *Cluster) Restart() {
	c.t.Helper()
	c.ctl("-m", "fast", "-l", filepath.Join(c.data, "server.log"), "restart")
}
