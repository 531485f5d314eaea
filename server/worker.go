package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"captioner/engine"
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	Name string // shown in job states; "" is the host name and process id
	// Slots is how many jobs the worker does at once (each with its own
	// labeller; they share the CNN); 0 is 1.
	Slots int
	// MaxAttempts is how many deliveries a job gets before it is failed
	// with its last reason; 0 is 4.
	MaxAttempts int
	// Drain is how long in-flight jobs may take to finish when the worker
	// is stopped; those still running then are handed back to the queue.
	// 0 is 5 s.
	Drain time.Duration
	// TempDir holds the media being worked on; "" is the system's.
	TempDir string
	Log     *slog.Logger
	Metrics *Metrics // nil: none
}

// Worker takes video jobs from the queue and subtitles them with the
// engine's subtitle task. Delivery is at least once: a job whose worker
// dies is delivered again after the consumer's ack wait, and its result is
// written once, keyed by content and settings, and its state turned to
// done once (compare and set), whoever finishes it.
type Worker struct {
	st   *Store
	task engine.Task
	o    WorkerOptions
}

// NewWorker makes a worker doing task on the jobs of st.
func NewWorker(st *Store, task engine.Task, o WorkerOptions) *Worker {
	if o.Slots == 0 {
		o.Slots = 1
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 4
	}
	if o.Drain == 0 {
		o.Drain = 5 * time.Second
	}
	if o.Name == "" {
		h, _ := os.Hostname()
		o.Name = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Worker{st: st, task: task, o: o}
}

// Run takes jobs until ctx ends, then gives in-flight jobs o.Drain to
// finish and hands back those that have not.
func (w *Worker) Run(ctx context.Context) error {
	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var wg sync.WaitGroup
	for range w.o.Slots {
		wg.Go(func() { w.loop(ctx, work) })
	}
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.o.Drain):
		stop() // the jobs still running are handed back (Nak) as they stop
		<-done
	}
	return nil
}

// loop fetches one job at a time while ctx lasts; the job runs under work,
// which outlives ctx by the drain.
func (w *Worker) loop(ctx, work context.Context) {
	for ctx.Err() == nil {
		batch, err := w.st.Consumer.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			w.o.Log.Warn("fetch", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		for msg := range batch.Messages() {
			w.handle(work, msg)
		}
	}
}

// jobMessage is what the queue carries for a job.
type jobMessage struct {
	ID string `json:"id"`
}

// handle does one delivery of a job.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	var m jobMessage
	if err := json.Unmarshal(msg.Data(), &m); err != nil || !validID(m.ID) {
		w.o.Log.Warn("bad message", "data", string(msg.Data()))
		msg.Term()
		return
	}
	meta, err := msg.Metadata()
	if err != nil {
		msg.Nak()
		return
	}
	id := m.ID
	job, started, err := mutate(ctx, w.st.Jobs, id, func(j *Job) bool {
		if j.ended() {
			return false
		}
		j.State, j.Attempts, j.Worker, j.Progress = Running, int(meta.NumDelivered), w.o.Name, 0
		return true
	})
	switch {
	case errors.Is(err, errGone):
		msg.Ack() // deleted while it waited
		return
	case err != nil:
		w.o.Log.Warn("job state", "job", id, "err", err)
		msg.NakWithDelay(time.Second)
		return
	case !started:
		msg.Ack() // done by an earlier delivery
		return
	}
	if int(meta.NumDelivered) > w.o.MaxAttempts {
		w.fail(ctx, id, fmt.Sprintf("gave up after %d deliveries; last error: %s", w.o.MaxAttempts, orNone(job.Error)))
		msg.Term()
		return
	}
	w.o.Log.Info("job", "job", id, "attempt", meta.NumDelivered)
	err = w.run(ctx, msg, job)
	switch {
	case err == nil:
		msg.DoubleAck(ctx)
	case errors.Is(err, errGone):
		msg.Ack() // deleted while it ran
	case engine.BadInput(err):
		w.fail(ctx, id, err.Error())
		msg.Term()
	case ctx.Err() != nil:
		// Stopped by a drain: back to the queue, where another worker
		// takes it now.
		w.requeue(ctx, id, job.Error)
		msg.Nak()
	default:
		w.o.Log.Warn("job failed", "job", id, "err", err)
		w.requeue(ctx, id, err.Error())
		msg.NakWithDelay(time.Second)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none recorded (the worker stopped)"
	}
	return s
}

// requeue says that the job waits again, with the reason of its last
// failure, unless it ended meanwhile.
func (w *Worker) requeue(ctx context.Context, id, reason string) {
	mutate(context.WithoutCancel(ctx), w.st.Jobs, id, func(j *Job) bool {
		if j.ended() {
			return false
		}
		j.State, j.Error, j.Worker = Queued, reason, ""
		return true
	})
}

// fail ends the job as failed with reason, unless it already ended.
func (w *Worker) fail(ctx context.Context, id, reason string) {
	_, wrote, err := mutate(context.WithoutCancel(ctx), w.st.Jobs, id, func(j *Job) bool {
		if j.ended() {
			return false
		}
		j.State, j.Error = Failed, reason
		return true
	})
	if wrote && w.o.Metrics != nil {
		w.o.Metrics.jobsEnded.WithLabelValues(Failed).Inc()
	}
	if err != nil && !errors.Is(err, errGone) {
		w.o.Log.Warn("job state", "job", id, "err", err)
	}
}

// run works on the job: its results are made (or found, when the same
// content was done before under the same fingerprint), stored, and the
// job turned to done. A job deleted meanwhile stops it (errGone).
func (w *Worker) run(ctx context.Context, msg jetstream.Msg, job *Job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A deleted job stops its work.
	watch, err := w.st.Jobs.Watch(ctx, job.ID, jetstream.UpdatesOnly())
	if err == nil {
		defer watch.Stop()
		go func() {
			for e := range watch.Updates() {
				if e != nil && e.Operation() != jetstream.KeyValuePut {
					cancel()
					return
				}
			}
		}()
	}
	// Signs of life, so that the job is not handed to another worker.
	go func() {
		t := time.NewTicker(w.st.AckWait / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	var res engine.Result
	if _, err := w.st.Media.GetInfo(ctx, resultName(job.Key, "result.json")); err == nil {
		data, err := w.st.Media.GetBytes(ctx, resultName(job.Key, "result.json"))
		if err != nil {
			return fmt.Errorf("server: job %s: %w", job.ID, err)
		}
		if err := json.Unmarshal(data, &res); err != nil {
			return fmt.Errorf("server: job %s: %w", job.ID, err)
		}
	} else {
		if res, err = w.work(ctx, job); err != nil {
			if _, _, gerr := getJob(context.WithoutCancel(ctx), w.st.Jobs, job.ID); errors.Is(gerr, errGone) {
				return errGone
			}
			return err
		}
	}
	_, wrote, err := mutate(context.WithoutCancel(ctx), w.st.Jobs, job.ID, func(j *Job) bool {
		if j.ended() {
			return false
		}
		j.State, j.Progress, j.Error, j.Result = Done, 1, "", res.Video
		return true
	})
	if err != nil {
		return err
	}
	if wrote {
		w.st.Media.Delete(context.WithoutCancel(ctx), uploadName(job.ID))
		if w.o.Metrics != nil {
			w.o.Metrics.jobsEnded.WithLabelValues(Done).Inc()
		}
	}
	return nil
}

// work fetches the upload, runs the task on it with its progress in the
// job's state, and stores the outputs, result.json last.
func (w *Worker) work(ctx context.Context, job *Job) (engine.Result, error) {
	f, err := os.CreateTemp(w.o.TempDir, "job-*")
	if err != nil {
		return engine.Result{}, fmt.Errorf("server: %w", err)
	}
	defer os.Remove(f.Name())
	obj, err := w.st.Media.Get(ctx, uploadName(job.ID))
	if err != nil {
		f.Close()
		return engine.Result{}, fmt.Errorf("server: job %s: upload: %w", job.ID, err)
	}
	_, err = io.Copy(f, obj)
	obj.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return engine.Result{}, fmt.Errorf("server: job %s: upload: %w", job.ID, err)
	}
	var last time.Time
	progress := func(done, total time.Duration) {
		if total <= 0 || time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		p := min(0.99, done.Seconds()/total.Seconds())
		mutate(ctx, w.st.Jobs, job.ID, func(j *Job) bool {
			if j.ended() || j.State != Running {
				return false
			}
			j.Progress = p
			return true
		})
	}
	res, outs, err := w.task.Run(ctx, engine.Input{Path: f.Name(), Progress: progress})
	if err != nil {
		// The reason names the job's file, not our temporary copy.
		return engine.Result{}, replacePath(err, f.Name(), job.Name)
	}
	if w.o.Metrics != nil && res.Video != nil {
		w.o.Metrics.frames.Add(float64(res.Video.Steps))
	}
	for _, o := range outs {
		if _, err := w.st.Media.PutBytes(ctx, resultName(job.Key, o.Name), o.Data); err != nil {
			return engine.Result{}, fmt.Errorf("server: job %s: %s: %w", job.ID, o.Name, err)
		}
	}
	data, _ := json.Marshal(res)
	if _, err := w.st.Media.PutBytes(ctx, resultName(job.Key, "result.json"), data); err != nil {
		return engine.Result{}, fmt.Errorf("server: job %s: result: %w", job.ID, err)
	}
	return res, nil
}

// pathError is an error whose text names a file by another name, keeping
// what it wraps for errors.Is and As.
type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }

func replacePath(err error, path, name string) error {
	if name == "" {
		name = "upload"
	}
	return &pathError{msg: strings.ReplaceAll(err.Error(), path, name), err: err}
}
