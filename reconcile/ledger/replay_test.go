package ledger

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/encours/encours/reconcile"
)

func dumpText(t *testing.T, s *Store) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// season commits two runs with lines, files, seen orders and mail.
func season(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	r1 := run("2009-04-20-1", "2009-04-20")
	r1.AsOfInstant = d("2009-04-20").Time(time.UTC)
	if err := s.Commit(ctx, Commit{Run: r1, Report: []byte(`{"as_of":"2009-04-20"}`),
		Lines: []reconcile.LineChange{line("actebis", "mezzanine", "C1", 340000, "2009-04-20", "2009-06-30", reconcile.Granted)},
		Seen:  []reconcile.OrderKey{{Wholesaler: "etc", OrderID: "O1"}},
		Files: []FileRecord{{Wholesaler: "actebis", Name: "a.xlsx", SHA256: "aaa", Status: reconcile.Processed},
			{Wholesaler: "etc", Name: "e.xlsx", SHA256: "eee", Status: reconcile.Processed}},
		Feeds:  []string{"actebis", "etc"},
		Outbox: []reconcile.Message{{ID: "m1", Recipient: "x@example.com", Subject: "s", EML: []byte("eml")}},
	}); err != nil {
		t.Fatal(err)
	}
	r2 := run("2009-04-27-1", "2009-04-27")
	r2.AsOfInstant = r2.StartedAt
	if err := s.Commit(ctx, Commit{Run: r2, Report: gz(t, `{"as_of":"2009-04-27"}`),
		Files: []FileRecord{{Wholesaler: "actebis", Name: "b.xlsx", SHA256: "bbb", Status: reconcile.Processed},
			{Wholesaler: "actebis", Name: "a.xlsx", SHA256: "aaa", Status: reconcile.Duplicate}},
		Feeds: []string{"actebis"},
	}); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// TestSQLiteSnapshotVacuumInto: on SQLite the snapshot is VACUUM INTO,
// into the empty temp file a run makes first, and leaves no journal of
// the copy beside the ledger.
func TestSQLiteSnapshotVacuumInto(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	season(t, s)
	dir := filepath.Dir(path)
	snap := filepath.Join(dir, "snap.db")
	if err := os.WriteFile(snap, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, []string{"ledger.db", "ledger.db-shm", "ledger.db-wal", "snap.db"}) {
		t.Errorf("after the snapshot the folder holds %v: no journal of the copy may stay", got)
	}
	c, err := Open(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := dumpText(t, c), dumpText(t, s); got != want {
		t.Errorf("the snapshot differs from the ledger:\n%s\nwant\n%s", got, want)
	}
}

// testSnapshot: the snapshot, an SQLite file whatever the ledger's engine,
// holds the whole ledger, schema version included, and stays as it was
// when the ledger goes on.
func testSnapshot(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	season(t, s)
	if err := s.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "archive/actebis/2009-04-20/a.xlsx"}}); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := s.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	want := dumpText(t, s)
	c, err := Open(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := dumpText(t, c); got != want {
		t.Errorf("the snapshot differs from the ledger:\n%s", firstLineDiff(got, want))
	}
	fresh, _ := sqliteBackend.open(t)
	if got, want := schemaText(t, c), schemaText(t, fresh); got != want {
		t.Errorf("the snapshot's schema differs from a new ledger's:\n%s", firstLineDiff(got, want))
	}
	for _, row := range []string{"lines: id=1 ", "outbox: message_id=m1 ", "files: sha256=aaa ", "archived_path=archive/actebis/2009-04-20/a.xlsx",
		fmt.Sprintf("user_version %d\n", len(migrations))} {
		if !strings.Contains(want, row) {
			t.Errorf("the dump lacks %q:\n%s", row, want)
		}
	}
	// A ledger changed after the snapshot leaves the snapshot as it was.
	if err := s.Commit(ctx, Commit{Run: run("2009-05-04-1", "2009-05-04")}); err != nil {
		t.Fatal(err)
	}
	if got := dumpText(t, c); got != want {
		t.Error("the snapshot follows the ledger")
	}
	if err := s.Snapshot(ctx, snap); err == nil {
		t.Error("a snapshot over an existing ledger file was accepted")
	}
}

// schemaText lists the tables and indexes of an SQLite ledger.
func schemaText(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", typ, name, text)
	}
	if !strings.Contains(b.String(), "index lines_one_valid") {
		t.Fatalf("no index in the schema:\n%s", b.String())
	}
	return b.String()
}

// firstLineDiff shows the first line where two dumps differ.
func firstLineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

// testOpenReadOnly: a read-only ledger reads what was committed and
// refuses every write; where there is no ledger it says so and creates
// none.
func testOpenReadOnly(t *testing.T, b backend) {
	ctx := context.Background()
	s, at := b.open(t)
	season(t, s)
	want := dumpText(t, s)
	s.Close()

	r, err := b.readOnly(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if lines, err := r.ValidLines(ctx); err != nil || len(lines) != 1 {
		t.Errorf("read-only lines: %+v, %v", lines, err)
	}
	if err := r.Commit(ctx, Commit{Run: run("2009-05-04-1", "2009-05-04")}); err == nil {
		t.Error("a read-only ledger accepted a commit")
	}
	if err := r.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "x"}}); err == nil {
		t.Error("a read-only ledger accepted SetArchived")
	}
	if err := r.SetLastScheduled(ctx, time.Now()); err == nil {
		t.Error("a read-only ledger accepted SetLastScheduled")
	}
	if _, err := r.LockRun(ctx, "x", nil); err == nil {
		t.Error("a read-only ledger took the run lock")
	}
	if got := dumpText(t, r); got != want {
		t.Errorf("read-only dump differs:\n%s", firstLineDiff(got, want))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := b.reopen(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := dumpText(t, again); got != want {
		t.Errorf("the ledger changed under a read-only store:\n%s", firstLineDiff(got, want))
	}

	none := b.missing(t)
	if _, err := b.readOnly(ctx, none); !errors.Is(err, ErrNoLedger) || !strings.Contains(err.Error(), "no ledger") {
		t.Fatalf("no ledger: err = %v, want ErrNoLedger", err)
	}
	if b.name == SQLite {
		if _, err := os.Stat(filepath.Dir(none)); !errors.Is(err, os.ErrNotExist) {
			t.Error("OpenReadOnly created the missing ledger's folder")
		}
		return
	}
	// Nothing was created in the empty database either.
	conn, err := pgx.Connect(ctx, none)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a read-only open left %d tables in the empty database (%v)", n, err)
	}
}

// TestSQLiteOpenReadOnlyLeavesTheFolder: closing a read-only SQLite
// ledger leaves no -wal or -shm file that was not there.
func TestSQLiteOpenReadOnlyLeavesTheFolder(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	season(t, s)
	s.Close()
	dir := filepath.Dir(path)
	before := names(t, dir)
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	dumpText(t, r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("the folder held %v, it holds %v after a read-only open", before, got)
	}
}

func testOpenReadOnlyRefusesNewerSchema(t *testing.T, b backend) {
	ctx := context.Background()
	s, at := b.open(t)
	setVersion(t, s, len(migrations)+1)
	s.Close()
	if _, err := b.readOnly(ctx, at); !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade encours") {
		t.Errorf("err = %v, want ErrSchemaTooNew", err)
	}
}

func testReplays(t *testing.T, b backend) {
	ctx := context.Background()
	s, at := b.open(t)
	season(t, s)
	if err := s.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "archive/actebis/2009-04-20/a.xlsx"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	r, err := b.readOnly(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h, err := r.Replays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 2 || h.Runs[0].ID != "2009-04-20-1" || h.Runs[1].ID != "2009-04-27-1" {
		t.Fatalf("runs = %+v", h.Runs)
	}
	r1, r2 := h.Runs[0], h.Runs[1]
	if !r1.AsOfInstant.Equal(d("2009-04-20").Time(time.UTC)) || !r2.AsOfInstant.Equal(r2.StartedAt) {
		t.Errorf("as-of instants %v, %v", r1.AsOfInstant, r2.AsOfInstant)
	}
	wantFiles := []FileRecord{
		{Wholesaler: "actebis", Name: "a.xlsx", SHA256: "aaa", Status: reconcile.Processed, ArchivedPath: "archive/actebis/2009-04-20/a.xlsx"},
		{Wholesaler: "etc", Name: "e.xlsx", SHA256: "eee", Status: reconcile.Processed},
	}
	if !reflect.DeepEqual(r1.Files, wantFiles) {
		t.Errorf("files of the first run:\n%+v\nwant\n%+v", r1.Files, wantFiles)
	}
	if len(r2.Files) != 1 || r2.Files[0].SHA256 != "bbb" {
		t.Errorf("files of the second run (its duplicate is not its own): %+v", r2.Files)
	}
	if string(h.LatestReport) != `{"as_of":"2009-04-27"}` {
		t.Errorf("latest report %q", h.LatestReport)
	}
}

// testReplaysOfAnUnmigratedLedger reads the runs of a version-1 ledger,
// opened read-only and so left at version 1: it has no as-of instants.
func testReplaysOfAnUnmigratedLedger(t *testing.T, b backend) {
	ctx := context.Background()
	saved := migrations
	migrations = saved[:1]
	s, at := b.open(t)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-04-20")}); err == nil {
		migrations = saved
		t.Fatal("a version-1 ledger has no as_of_instant column: this commit should fail")
	}
	// Written as encours did before it kept the instant.
	if _, err := s.db.Exec(`INSERT INTO runs (id, as_of, started_at, finished_at, status) VALUES
		('r1', '2009-04-20', '2009-04-20T07:00:00.000000000Z', '2009-04-20T07:01:00.000000000Z', 'ok')`); err != nil {
		migrations = saved
		t.Fatal(err)
	}
	s.Close()
	migrations = saved
	r, err := b.readOnly(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v, _ := r.SchemaVersion(ctx); v != 1 {
		t.Errorf("a read-only open migrated the ledger to version %d", v)
	}
	h, err := r.Replays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 1 || !h.Runs[0].AsOfInstant.IsZero() {
		t.Errorf("runs = %+v", h.Runs)
	}
}

func testSetArchivedKeepsTheFirstPath(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	season(t, s)
	if err := s.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "archive/actebis/2009-04-27/a.xlsx"}, {SHA256: "zzz", Path: "nobody"}}); err != nil {
		t.Fatal(err)
	}
	// A later copy of the same content (a duplicate) does not replace it.
	if err := s.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "archive/actebis/2009-05-04/a (2).xlsx"}}); err != nil {
		t.Fatal(err)
	}
	var p string
	if err := s.db.QueryRow(`SELECT archived_path FROM files WHERE sha256 = 'aaa'`).Scan(&p); err != nil || p != "archive/actebis/2009-04-27/a.xlsx" {
		t.Errorf("archived_path = %q, %v", p, err)
	}
	var n int
	s.db.QueryRow(`SELECT count(*) FROM files`).Scan(&n)
	if n != 3 {
		t.Errorf("%d files, want 3 (SetArchived adds none)", n)
	}
}
