package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/monitor"
	"github.com/encours/encours/reconcile/schedule"
)

// cmdDaemon is `encours daemon --config FILE [--log-format text|json]`: a
// run at each schedule tick, in the configured zone, until SIGINT/SIGTERM
// cancels ctx. Then it stops scheduling, lets a running run finish within
// shutdown_grace, cancels it past that (a cancelled run commits nothing)
// and returns nil: exit 0.
func (m *Main) cmdDaemon(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	logFormat := fs.String("log-format", "text", "text or json")
	replica := fs.String("replica", "", "this replica's name among daemons sharing a PostgreSQL ledger; default $ENCOURS_REPLICA, else host-pid")
	if err := fs.Parse(args); err != nil {
		return usagef("daemon: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("daemon: unexpected argument %q", fs.Arg(0))
	}
	if *cfgPath == "" {
		return usagef("daemon: --config FILE is required")
	}
	log, err := m.logger(*logFormat)
	if err != nil {
		return err
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	spec, err := cfg.ScheduleSpec()
	if err != nil {
		return configError{err}
	}
	runner, err := m.runner(cfg, log, "encours daemon --config "+*cfgPath)
	if err != nil {
		return err
	}
	shared := runner.Ledger.Driver == ledger.Postgres
	if !shared {
		// One daemon per data_dir: a second one stops here with exit 3.
		// Replicas sharing a PostgreSQL ledger take its lock at each tick
		// instead.
		held, err := inbox.LockDaemon(cfg.DataDir, "encours daemon --config "+*cfgPath)
		if err != nil {
			return err
		}
		defer held.Release()
	}
	runner.Replica = m.replicaName(*replica)
	log = log.With("replica", runner.Replica)
	runner.Log = log
	sched := schedule.Wall(spec, cfg.Location)

	mon := monitor.New(cfg.Location)
	mon.SetReplica(runner.Replica)
	stopHTTP, err := serveMonitor(cfg.HTTP.Listen, mon, log)
	if err != nil {
		return err
	}
	defer stopHTTP()

	d := &daemon{runner: runner, cfg: cfg, mon: mon, log: log, now: m.Now}
	if shared {
		// Replicas queue for the run lock at a tick until this daemon
		// stops: the one that gets it after a replica died mid-run runs
		// the tick; the others find it run.
		d.waitLock = ctx
	}
	catchUp, err := d.catchUp(ctx, sched)
	if err != nil {
		return err
	}
	s := &schedule.Scheduler{
		Schedule: sched,
		Job:      d.run,
		CatchUp:  catchUp,
		Grace:    cfg.ShutdownGrace,
		Clock:    schedule.SystemClock{Location: cfg.Location},
		Log:      log,
		Skipped:  mon.SkippedBusy,
		Next: func(t time.Time) {
			mon.SetNext(t)
			if !t.IsZero() {
				log.Info("next run", "at", t.In(cfg.Location).Format(time.RFC3339))
			}
		},
	}
	ledgerName := runner.Ledger.Path
	if shared {
		ledgerName = ledger.Describe(runner.Ledger.DSN)
	}
	log.Info("daemon started", "config", *cfgPath, "schedule", cfg.Schedule, "timezone", cfg.Timezone,
		"inbox", cfg.Inbox, "data_dir", cfg.DataDir, "ledger", ledgerName, "shutdown_grace", cfg.ShutdownGrace.String())
	if err := s.Run(ctx); err != nil {
		return fmt.Errorf("daemon: %w; the ledger is safe (a run commits all or nothing), but check that no encours process is left", err)
	}
	log.Info("daemon stopped")
	return nil
}

// replicaName is the --replica flag, else $ENCOURS_REPLICA, else
// host-pid: unique among replicas, readable in logs and /healthz.
func (m *Main) replicaName(flag string) string {
	if flag != "" {
		return flag
	}
	if env := m.Getenv("ENCOURS_REPLICA"); env != "" {
		return env
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// daemon is what each scheduled run needs.
type daemon struct {
	runner *batch.Runner
	cfg    *config.Config
	mon    *monitor.Monitor
	log    *slog.Logger
	now    func() time.Time
	// waitLock, set with a shared ledger, is how long a tick waits for the
	// run lock another replica holds: until the daemon stops.
	waitLock context.Context
}

// catchUp reads the last tick that ran from the ledger and returns the
// missed tick to run at once, or the zero time. On the very first start
// there is no such tick: it records the start time instead, so that a
// tick missed before the first run that succeeds is still caught up.
func (d *daemon) catchUp(ctx context.Context, sched schedule.Schedule) (time.Time, error) {
	if err := os.MkdirAll(d.cfg.DataDir, 0o750); err != nil {
		return time.Time{}, fmt.Errorf("cannot create data_dir %s: %w", d.cfg.DataDir, err)
	}
	store, err := ledger.OpenConfig(ctx, d.runner.Ledger)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot open the ledger: %w", err)
	}
	defer store.Close()
	now := d.now()
	last, ok, err := store.LastScheduled(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		d.log.Info("first start on this data_dir: ticks are counted from now", "at", now.In(d.cfg.Location).Format(time.RFC3339))
		return time.Time{}, store.SetLastScheduled(ctx, now)
	}
	tick, missed := schedule.CatchUp(sched, last, now)
	if !missed {
		return time.Time{}, nil
	}
	d.log.Info("missed a tick while stopped: catching up once at start",
		"last_tick", last.In(d.cfg.Location).Format(time.RFC3339), "missed_tick", tick.In(d.cfg.Location).Format(time.RFC3339))
	return tick, nil
}

// run is one scheduled run. The scheduler logs its error and recovers a
// panic; run only keeps the monitor and the ledger's last tick up to date.
func (d *daemon) run(ctx context.Context, tick time.Time) (err error) {
	log := d.log.With("tick", tick.In(d.cfg.Location).Format(time.RFC3339))
	started := d.now()
	d.mon.Started(tick, started)
	log.Info("scheduled run starting")
	var res *batch.Result
	skipped := false
	defer func() {
		p := recover()
		if p != nil {
			err = fmt.Errorf("run panicked: %v", p)
		}
		if skipped {
			return
		}
		r := monitor.Run{Scheduled: tick, Started: started, Finished: d.now(), Err: err}
		if res != nil {
			r.ID, r.Report = res.RunID, res.Report
		}
		d.mon.Finished(r)
		if p != nil {
			panic(p) // for the scheduler to log with the stack
		}
	}()
	// Only a run that committed counts as having run the tick (its commit
	// records the tick): after a failed or cancelled one, the next replica
	// waiting for the lock, or a restart, runs the tick.
	res, err = d.runner.Run(ctx, batch.Options{ScheduledAt: tick, WaitLock: d.waitLock})
	var done *batch.TickDoneError
	if errors.As(err, &done) {
		log.Info("tick already run by another replica", "ran_by", done.By)
		d.mon.RunElsewhere(tick, done.By)
		skipped = true
		return nil
	}
	if errors.Is(err, batch.ErrStoppedWaiting) {
		log.Info("stopped waiting for the run lock: the daemon is stopping and another replica holds the lock")
		d.mon.Idle()
		skipped = true
		return nil
	}
	if err != nil {
		return err
	}
	log = log.With("run", res.RunID)
	log.Info("scheduled run done", "duration", d.now().Sub(started).Round(time.Millisecond).String(),
		"files", len(res.Report.Files), "lines", len(res.Report.Lines), "mail", len(res.Report.Mail), "out", res.Out)
	return nil
}

// serveMonitor serves /healthz and /metrics on addr until the returned
// stop is called; with an empty addr it serves nothing.
func serveMonitor(addr string, mon *monitor.Monitor, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen: %w; pick a free address or leave http.listen empty", err)
	}
	srv := &http.Server{
		Handler:           mon.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("the /healthz and /metrics server stopped", "err", err)
		}
	}()
	log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
