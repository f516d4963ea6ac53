// Package monitor tells how the daemon is doing: /healthz answers in JSON
// for people and probes, /metrics in the Prometheus text format. It is the
// only importer of the Prometheus client.
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/encours/encours/reconcile"
)

// Result is how a run ended.
type Result string

// Results, as /healthz and the runs_total metric name them.
const (
	OK        Result = "ok"
	Failed    Result = "failed"
	Cancelled Result = "cancelled" // stopped at shutdown past the grace; committed nothing
)

// Run is what the monitor learns of one finished run.
type Run struct {
	// ID is the batch run id; empty when the run failed before it had one.
	ID string
	// Scheduled is the tick that started the run.
	Scheduled         time.Time
	Started, Finished time.Time
	// Err is nil for a run that committed.
	Err error
	// Report is the run's report; nil when the run failed.
	Report *reconcile.Report
}

// Result says how the run ended.
func (r Run) Result() Result {
	switch {
	case r.Err == nil:
		return OK
	case errors.Is(r.Err, context.Canceled), errors.Is(r.Err, context.DeadlineExceeded):
		return Cancelled
	}
	return Failed
}

// Monitor keeps the daemon's state for /healthz and its metrics for
// /metrics, in a registry of its own. Its methods are safe for concurrent use.
type Monitor struct {
	loc *time.Location

	mu          sync.Mutex
	replica     string
	lastTick    *HealthTick
	last        *Run
	lastSuccess time.Time
	next        time.Time
	runningTick time.Time
	runningFrom time.Time

	reg           *prometheus.Registry
	runs          *prometheus.CounterVec
	duration      prometheus.Histogram
	files         *prometheus.CounterVec
	lines         *prometheus.GaugeVec
	emails        *prometheus.CounterVec
	lastSuccessTS prometheus.Gauge
	nextTS        prometheus.Gauge
	inProgress    prometheus.Gauge
	ticks         *prometheus.CounterVec
	replicaInfo   *prometheus.GaugeVec
}

var (
	fileStatuses = []reconcile.FileStatus{reconcile.Processed, reconcile.Duplicate, reconcile.Quarantined, reconcile.Deferred}
	lineStatuses = []reconcile.LineStatus{reconcile.Granted, reconcile.Increased, reconcile.Extended,
		reconcile.Unchanged, reconcile.Ended, reconcile.Withdrawn}
	mailStatuses = []reconcile.MailStatus{reconcile.MailSent, reconcile.MailQueued, reconcile.MailFailed}
)

// New returns a Monitor that writes times in loc (nil: UTC).
func New(loc *time.Location) *Monitor {
	if loc == nil {
		loc = time.UTC
	}
	m := &Monitor{
		loc: loc,
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "encours_runs_total", Help: "Scheduled runs by result (ok, failed, cancelled).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "encours_run_duration_seconds", Help: "Duration of scheduled runs, whatever their result.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 14), // 0.25s … about 34 min
		}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "encours_files_total", Help: "Inbox files seen by runs, by status (processed, duplicate, quarantined, deferred).",
		}, []string{"status"}),
		lines: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "encours_lines", Help: "Credit lines reported by the last successful run, by status.",
		}, []string{"status"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "encours_emails_total", Help: "Emails of runs by status (sent, queued, failed).",
		}, []string{"status"}),
		lastSuccessTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "encours_last_success_timestamp_seconds", Help: "When the last successful run finished, in Unix seconds; 0 before the first.",
		}),
		nextTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "encours_next_run_timestamp_seconds", Help: "The next scheduled tick, in Unix seconds; 0 when none.",
		}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "encours_run_in_progress", Help: "1 while a run is in progress.",
		}),
		ticks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "encours_ticks_total",
			Help: "Schedule ticks this replica saw, by outcome: ran (this replica ran it, whatever the result; runs_total has the result), run_elsewhere (another replica sharing the ledger had run it) or skipped_busy (this replica's previous run was still running: nothing ran for it here).",
		}, []string{"outcome"}),
		replicaInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "encours_replica_info", Help: "1, labelled with this daemon's replica name.",
		}, []string{"replica"}),
	}
	// Every series exists from the start, at zero, so that rates and
	// alerts work before the first failure.
	for _, r := range []Result{OK, Failed, Cancelled} {
		m.runs.WithLabelValues(string(r))
	}
	for _, s := range fileStatuses {
		m.files.WithLabelValues(string(s))
	}
	for _, s := range lineStatuses {
		m.lines.WithLabelValues(string(s))
	}
	for _, s := range mailStatuses {
		m.emails.WithLabelValues(string(s))
	}
	for _, o := range []string{tickRan, tickRunElsewhere, tickSkippedBusy} {
		m.ticks.WithLabelValues(o)
	}
	m.reg.MustRegister(m.runs, m.duration, m.files, m.lines, m.emails, m.lastSuccessTS, m.nextTS, m.inProgress,
		m.ticks, m.replicaInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Outcomes of a tick, as the ticks_total metric names them.
const (
	tickRan          = "ran"
	tickRunElsewhere = "run_elsewhere"
	tickSkippedBusy  = "skipped_busy"
)

// SkippedBusy records that tick came while this replica's previous run was
// still running, so that nothing ran for it here.
func (m *Monitor) SkippedBusy(time.Time) { m.ticks.WithLabelValues(tickSkippedBusy).Inc() }

// SetReplica names this daemon among replicas sharing a ledger: /healthz
// and the replica_info metric say it.
func (m *Monitor) SetReplica(name string) {
	m.mu.Lock()
	m.replica = name
	m.mu.Unlock()
	m.replicaInfo.Reset()
	m.replicaInfo.WithLabelValues(name).Set(1)
}

// RunElsewhere records that tick, which this replica had started on, had
// been run by another replica (by, "" when unknown): nothing ran here.
func (m *Monitor) RunElsewhere(tick time.Time, by string) {
	m.ticks.WithLabelValues(tickRunElsewhere).Inc()
	m.inProgress.Set(0)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runningTick, m.runningFrom = time.Time{}, time.Time{}
	m.lastTick = &HealthTick{ScheduledAt: tick.In(m.loc), RanBy: by}
}

// Idle records that the run started for a tick did not happen (the daemon
// stopped while it waited for another replica's run): nothing is running.
func (m *Monitor) Idle() {
	m.inProgress.Set(0)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runningTick, m.runningFrom = time.Time{}, time.Time{}
}

// Registry is the monitor's private registry.
func (m *Monitor) Registry() *prometheus.Registry { return m.reg }

// SetNext records the next scheduled tick; zero when there is none.
func (m *Monitor) SetNext(t time.Time) {
	m.mu.Lock()
	m.next = t
	m.mu.Unlock()
	if t.IsZero() {
		m.nextTS.Set(0)
	} else {
		m.nextTS.Set(unix(t))
	}
}

// Started records that a run for tick started at at.
func (m *Monitor) Started(tick, at time.Time) {
	m.mu.Lock()
	m.runningTick, m.runningFrom = tick, at
	m.mu.Unlock()
	m.inProgress.Set(1)
}

// Finished records a finished run.
func (m *Monitor) Finished(r Run) {
	res := r.Result()
	m.runs.WithLabelValues(string(res)).Inc()
	m.ticks.WithLabelValues(tickRan).Inc()
	m.duration.Observe(r.Finished.Sub(r.Started).Seconds())
	m.inProgress.Set(0)
	if rep := r.Report; rep != nil {
		for _, f := range rep.Files {
			m.files.WithLabelValues(string(f.Status)).Inc()
		}
		counts := map[reconcile.LineStatus]int{}
		for _, l := range rep.Lines {
			counts[l.Status]++
		}
		for _, s := range lineStatuses {
			m.lines.WithLabelValues(string(s)).Set(float64(counts[s]))
		}
		for _, mail := range rep.Mail {
			m.emails.WithLabelValues(string(mail.Status)).Inc()
		}
	}
	if res == OK {
		m.lastSuccessTS.Set(unix(r.Finished))
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = &r
	m.lastTick = &HealthTick{ScheduledAt: r.Scheduled.In(m.loc), RanBy: m.replica, Result: res}
	m.runningTick, m.runningFrom = time.Time{}, time.Time{}
	if res == OK {
		m.lastSuccess = r.Finished
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Health is the /healthz document.
type Health struct {
	// Status is ok, failing (the last run failed: HTTP 503) or waiting
	// (no run yet since the daemon started).
	Status string `json:"status"`
	// Replica is this daemon's name among replicas sharing a ledger.
	Replica string `json:"replica,omitempty"`
	// LastTick is the last tick this replica saw and who ran it: this
	// replica (then LastRun is that run) or another one.
	LastTick *HealthTick `json:"last_tick,omitempty"`
	// LastRun is the last finished run since the daemon started.
	LastRun *HealthRun `json:"last_run,omitempty"`
	// LastSuccessAt is when the last successful run finished.
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	// Running is the run in progress.
	Running *HealthRunning `json:"running,omitempty"`
	// NextRunAt is the next scheduled tick.
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
}

// HealthRun describes a finished run.
type HealthRun struct {
	ID              string    `json:"id,omitempty"`
	Result          Result    `json:"result"`
	ScheduledAt     time.Time `json:"scheduled_at"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	Error           string    `json:"error,omitempty"`
}

// HealthTick is a schedule tick and the replica that ran it.
type HealthTick struct {
	ScheduledAt time.Time `json:"scheduled_at"`
	// RanBy names the replica that ran the tick; empty when unknown.
	RanBy string `json:"ran_by"`
	// Result is how the run ended when this replica ran it.
	Result Result `json:"result,omitempty"`
}

// HealthRunning describes the run in progress.
type HealthRunning struct {
	ScheduledAt time.Time `json:"scheduled_at"`
	StartedAt   time.Time `json:"started_at"`
}

// Health returns the daemon's state as /healthz reports it.
func (m *Monitor) Health() Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := Health{Status: "waiting", Replica: m.replica}
	if m.lastTick != nil {
		t := *m.lastTick
		h.LastTick = &t
	}
	if r := m.last; r != nil {
		h.Status = "ok"
		if r.Result() == Failed {
			h.Status = "failing"
		}
		h.LastRun = &HealthRun{
			ID: r.ID, Result: r.Result(),
			ScheduledAt: r.Scheduled.In(m.loc), StartedAt: r.Started.In(m.loc), FinishedAt: r.Finished.In(m.loc),
			DurationSeconds: r.Finished.Sub(r.Started).Seconds(),
		}
		if r.Err != nil {
			h.LastRun.Error = r.Err.Error()
		}
	}
	h.LastSuccessAt = m.timePtr(m.lastSuccess)
	if !m.runningFrom.IsZero() {
		h.Running = &HealthRunning{ScheduledAt: m.runningTick.In(m.loc), StartedAt: m.runningFrom.In(m.loc)}
	}
	h.NextRunAt = m.timePtr(m.next)
	return h
}

func (m *Monitor) timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(m.loc)
	return &t
}

// Handler serves /healthz and /metrics.
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

func (m *Monitor) serveHealth(w http.ResponseWriter, r *http.Request) {
	h := m.Health()
	body, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Status == "failing" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	w.Write(append(body, '\n'))
}
