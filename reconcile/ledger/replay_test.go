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

func TestSnapshotIsTheWholeLedger(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	season(t, s)
	dir := filepath.Dir(path)
	snap := filepath.Join(dir, "snap.db")
	// The run makes an empty temp file first; VACUUM INTO accepts it.
	if err := os.WriteFile(snap, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, []string{"ledger.db", "ledger.db-shm", "ledger.db-wal", "snap.db"}) {
		t.Errorf("after the snapshot the folder holds %v: no journal of the copy may stay", got)
	}
	want := dumpText(t, s)
	c, err := Open(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := dumpText(t, c); got != want {
		t.Errorf("the snapshot differs from the ledger:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(want, "lines:") || !strings.Contains(want, "outbox:") || !strings.Contains(want, fmt.Sprintf("user_version %d\n", len(migrations))) {
		t.Errorf("the dump misses rows:\n%s", want)
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

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	season(t, s)
	want := dumpText(t, s)
	s.Close()
	dir := filepath.Dir(path)
	before := names(t, dir)

	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, Commit{Run: run("2009-05-04-1", "2009-05-04")}); err == nil {
		t.Error("a read-only ledger accepted a commit")
	}
	if err := r.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "x"}}); err == nil {
		t.Error("a read-only ledger accepted SetArchived")
	}
	if err := r.Snapshot(ctx, filepath.Join(t.TempDir(), "s.db")); err == nil {
		t.Log("VACUUM INTO from a read-only ledger is allowed (it writes only the copy)")
	}
	if got := dumpText(t, r); got != want {
		t.Errorf("read-only dump differs:\n%s\nwant\n%s", got, want)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("the folder held %v, it holds %v after a read-only open", before, got)
	}

	missing := filepath.Join(dir, "none.db")
	if _, err := OpenReadOnly(ctx, missing); err == nil || !strings.Contains(err.Error(), "no ledger") {
		t.Errorf("a missing ledger: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("OpenReadOnly created the missing ledger")
	}
}

func TestOpenReadOnlyRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenReadOnly(ctx, path); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("err = %v, want ErrSchemaTooNew", err)
	}
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	season(t, s)
	if err := s.SetArchived(ctx, []Archived{{SHA256: "aaa", Path: "archive/actebis/2009-04-20/a.xlsx"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	r, err := OpenReadOnly(ctx, path)
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

func TestHistoryOfAnUnmigratedLedger(t *testing.T) {
	ctx := context.Background()
	saved := migrations
	migrations = saved[:1]
	s, path := open(t)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-04-20")}); err == nil {
		t.Fatal("a version-1 ledger has no as_of_instant column: this commit should fail")
	}
	// Written as encours did before it kept the instant.
	if _, err := s.db.Exec(`INSERT INTO runs (id, as_of, started_at, finished_at, status) VALUES
		('r1', '2009-04-20', '2009-04-20T07:00:00.000000000Z', '2009-04-20T07:01:00.000000000Z', 'ok')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	migrations = saved
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v, _ := r.SchemaVersion(ctx); v != 1 {
		t.Errorf("OpenReadOnly migrated the ledger to version %d", v)
	}
	h, err := r.Replays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 1 || !h.Runs[0].AsOfInstant.IsZero() {
		t.Errorf("runs = %+v", h.Runs)
	}
}

func TestSetArchivedKeepsTheFirstPath(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
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
