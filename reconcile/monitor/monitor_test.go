package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func health(t *testing.T, srv *httptest.Server) (int, Health) {
	t.Helper()
	code, ctype, body := get(t, srv, "/healthz")
	if ctype != "application/json" {
		t.Fatalf("/healthz Content-Type %q", ctype)
	}
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz is not JSON: %v\n%s", err, body)
	}
	return code, h
}

// value reads a counter or gauge from the registry; label is the value of
// its one label, or empty for a metric without labels.
func value(t *testing.T, m *Monitor, name, label string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if label != "" && (len(mt.GetLabel()) != 1 || mt.GetLabel()[0].GetValue() != label) {
				continue
			}
			if c := mt.GetCounter(); c != nil {
				return c.GetValue()
			}
			return mt.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s{%s}", name, label)
	return 0
}

func report() *reconcile.Report {
	return &reconcile.Report{
		Files: []reconcile.FileResult{
			{Wholesaler: "actebis", Name: "a.xlsx", Status: reconcile.Processed},
			{Wholesaler: "etc", Name: "b.xlsx", Status: reconcile.Processed},
			{Wholesaler: "etc", Name: "c.xlsx", Status: reconcile.Quarantined},
		},
		Lines: []reconcile.ReportLine{
			{Wholesaler: "actebis", Status: reconcile.Granted},
			{Wholesaler: "actebis", Status: reconcile.Granted},
			{Wholesaler: "etc", Status: reconcile.Unchanged},
		},
		Mail: []reconcile.MailResult{
			{Wholesaler: "actebis", Status: reconcile.MailSent},
			{Wholesaler: "etc", Status: reconcile.MailQueued},
		},
	}
}

func TestHealthAndMetrics(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	m := New(paris)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	tick := time.Date(2024, 3, 25, 7, 0, 0, 0, paris)
	next := tick.AddDate(0, 0, 7)

	// Before any run.
	m.SetNext(tick)
	code, h := health(t, srv)
	if code != http.StatusOK || h.Status != "waiting" || h.LastRun != nil || h.NextRunAt == nil || !h.NextRunAt.Equal(tick) {
		t.Fatalf("before any run: %d %+v", code, h)
	}

	// A run in progress.
	m.Started(tick, tick.Add(time.Second))
	m.SetNext(next)
	if _, h := health(t, srv); h.Running == nil || !h.Running.ScheduledAt.Equal(tick) {
		t.Fatalf("while running: %+v", h)
	}
	if got := value(t, m, "encours_run_in_progress", ""); got != 1 {
		t.Fatalf("run_in_progress = %v", got)
	}

	// It succeeds.
	finished := tick.Add(3 * time.Second)
	m.Finished(Run{ID: "2024-03-25-1", Scheduled: tick, Started: tick.Add(time.Second), Finished: finished, Report: report()})
	code, h = health(t, srv)
	if code != http.StatusOK || h.Status != "ok" || h.Running != nil {
		t.Fatalf("after a good run: %d %+v", code, h)
	}
	if r := h.LastRun; r == nil || r.ID != "2024-03-25-1" || r.Result != OK || r.DurationSeconds != 2 ||
		!r.ScheduledAt.Equal(tick) || r.Error != "" {
		t.Fatalf("last run: %+v", h.LastRun)
	}
	if h.LastSuccessAt == nil || !h.LastSuccessAt.Equal(finished) || !h.NextRunAt.Equal(next) {
		t.Fatalf("after a good run: %+v", h)
	}

	// The next one fails: 503, and the last success stays.
	m.Started(next, next)
	m.Finished(Run{Scheduled: next, Started: next, Finished: next.Add(time.Second), Err: errors.New("cannot open the ledger: disk full")})
	code, h = health(t, srv)
	if code != http.StatusServiceUnavailable || h.Status != "failing" || h.LastRun.Result != Failed ||
		!strings.Contains(h.LastRun.Error, "disk full") || !h.LastSuccessAt.Equal(finished) {
		t.Fatalf("after a failed run: %d %+v %+v", code, h, h.LastRun)
	}

	code, ctype, body := get(t, srv, "/metrics")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("/metrics: %d %q", code, ctype)
	}
	for _, want := range []string{
		`encours_runs_total{result="ok"} 1`,
		`encours_runs_total{result="failed"} 1`,
		`encours_runs_total{result="cancelled"} 0`,
		`encours_run_duration_seconds_count 2`,
		`encours_files_total{status="processed"} 2`,
		`encours_files_total{status="quarantined"} 1`,
		`encours_files_total{status="deferred"} 0`,
		`encours_lines{status="granted"} 2`,
		`encours_lines{status="active"} 1`,
		`encours_lines{status="revoked"} 0`,
		`encours_emails_total{status="sent"} 1`,
		`encours_emails_total{status="queued"} 1`,
		`encours_emails_total{status="failed"} 0`,
		fmt.Sprintf("encours_last_success_timestamp_seconds %g", float64(finished.Unix())),
		fmt.Sprintf("encours_next_run_timestamp_seconds %g", float64(next.Unix())),
		`encours_run_in_progress 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want+"\n") && !strings.Contains(body, want+" ") && !strings.Contains(body, want+"{") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestLinesGaugeIsTheLastRun: the lines gauge is replaced, not added to.
func TestLinesGaugeIsTheLastRun(t *testing.T) {
	m := New(nil)
	now := time.Date(2024, 3, 25, 7, 0, 0, 0, time.UTC)
	m.Finished(Run{Started: now, Finished: now, Report: report()})
	m.Finished(Run{Started: now, Finished: now, Report: &reconcile.Report{
		Lines: []reconcile.ReportLine{{Status: reconcile.Ended}},
	}})
	for status, want := range map[string]float64{"granted": 0, "active": 0, "expired": 1} {
		if got := value(t, m, "encours_lines", status); got != want {
			t.Errorf("encours_lines{status=%q} = %v, want %v", status, got, want)
		}
	}
	// Files and emails count across runs.
	if got := value(t, m, "encours_files_total", "processed"); got != 2 {
		t.Errorf("files processed = %v", got)
	}
}

func TestResult(t *testing.T) {
	tests := []struct {
		err  error
		want Result
	}{
		{nil, OK},
		{errors.New("boom"), Failed},
		{fmt.Errorf("run cancelled before commit: %w", context.Canceled), Cancelled},
	}
	for _, tt := range tests {
		if got := (Run{Err: tt.err}).Result(); got != tt.want {
			t.Errorf("Result(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestOnlyGET: the endpoints are read-only.
func TestOnlyGET(t *testing.T) {
	srv := httptest.NewServer(New(nil).Handler())
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz: %d", resp.StatusCode)
	}
}

// TestReplicas: /healthz and /metrics say which replica this is and who
// ran the last tick: this replica, or another one sharing the ledger.
func TestReplicas(t *testing.T) {
	m := New(time.UTC)
	m.SetReplica("replica-b")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	tick := time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)

	m.Started(tick, tick)
	m.RunElsewhere(tick, "replica-a")
	_, h := health(t, srv)
	if h.Replica != "replica-b" || h.LastTick == nil || h.LastTick.RanBy != "replica-a" || !h.LastTick.ScheduledAt.Equal(tick) ||
		h.Running != nil || h.LastRun != nil {
		t.Errorf("after a tick run elsewhere: %+v", h)
	}

	next := tick.Add(time.Hour)
	m.Started(next, next)
	m.Finished(Run{ID: "r2", Scheduled: next, Started: next, Finished: next.Add(time.Second)})
	_, h = health(t, srv)
	if h.LastTick == nil || h.LastTick.RanBy != "replica-b" || h.LastTick.Result != OK || !h.LastTick.ScheduledAt.Equal(next) {
		t.Errorf("after a tick run here: %+v", h.LastTick)
	}
	m.SkippedBusy(next.Add(time.Minute))
	_, _, body := get(t, srv, "/metrics")
	for _, want := range []string{`encours_replica_info{replica="replica-b"} 1`, `encours_ticks_total{outcome="ran"} 1`,
		`encours_ticks_total{outcome="run_elsewhere"} 1`, `encours_ticks_total{outcome="skipped_busy"} 1`, `encours_run_in_progress 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
