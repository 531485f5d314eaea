package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"captioner/engine"
)

// Job states. A job is queued when its upload is stored and its message
// published, running while a worker has it, and ends done or failed.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Job is a video job's state, kept in the jobs bucket under its id.
type Job struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // "subtitle"
	State    string    `json:"state"`
	Name     string    `json:"name,omitempty"` // the uploaded file's name, for people only
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Progress float64   `json:"progress"` // 0 to 1
	Attempts int       `json:"attempts"` // deliveries to workers so far
	Worker   string    `json:"worker,omitempty"`
	Error    string    `json:"error,omitempty"`
	// Key names the results in the media store (results/KEY/...): the
	// content's hash with the task's fingerprint, so that the same file
	// under the same models and settings is answered once.
	Key    string               `json:"result_key"`
	Cached bool                 `json:"cached,omitempty"` // answered from the store, not worked on
	Result *engine.VideoSummary `json:"result,omitempty"`
}

// ended says whether the job is over.
func (j *Job) ended() bool { return j.State == Done || j.State == Failed }

// newID makes a job id: 32 random hex digits. Only ids the server made
// are ever used as names.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// validID says whether id could be one the server made.
func validID(id string) bool { return idPattern.MatchString(id) }

// resultKey is where the results of content with sha256 sum go under a
// task's fingerprint.
func resultKey(sum, fingerprint string) string {
	return sum[:32] + fingerprint[:32]
}

func uploadName(id string) string        { return "uploads/" + id }
func resultName(key, file string) string { return "results/" + key + "/" + file }

// errGone is returned by mutate when the job is not there (deleted).
var errGone = errors.New("job gone")

// getJob reads a job and its revision.
func getJob(ctx context.Context, kv jetstream.KeyValue, id string) (*Job, uint64, error) {
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, errGone
	}
	if err != nil {
		return nil, 0, fmt.Errorf("server: job %s: %w", id, err)
	}
	var j Job
	if err := json.Unmarshal(e.Value(), &j); err != nil {
		return nil, 0, fmt.Errorf("server: job %s: %w", id, err)
	}
	return &j, e.Revision(), nil
}

// mutate applies change to the job id and writes it back only if nobody
// wrote it in between (compare and set on the revision), trying again
// otherwise. change returns false to leave the job as it is. It returns
// the job as it stands, and whether this call wrote it.
func mutate(ctx context.Context, kv jetstream.KeyValue, id string, change func(j *Job) bool) (*Job, bool, error) {
	for {
		j, rev, err := getJob(ctx, kv, id)
		if err != nil {
			return nil, false, err
		}
		if !change(j) {
			return j, false, nil
		}
		j.Updated = time.Now().UTC()
		data, _ := json.Marshal(j)
		_, err = kv.Update(ctx, id, data, rev)
		if err == nil {
			return j, true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return nil, false, fmt.Errorf("server: job %s: %w", id, err)
		}
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		// Someone wrote in between: read again.
	}
}

// putNew stores a new job.
func putNew(ctx context.Context, kv jetstream.KeyValue, j *Job) error {
	data, _ := json.Marshal(j)
	if _, err := kv.Create(ctx, j.ID, data); err != nil {
		return fmt.Errorf("server: job %s: %w", j.ID, err)
	}
	return nil
}
