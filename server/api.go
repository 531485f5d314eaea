package server

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"captioner/engine"
	"captioner/media"
)

//go:embed openapi.json
var openAPI []byte

// APIOptions configure the HTTP API.
type APIOptions struct {
	Store *Store
	// Captions returns the task that answers POST /v1/captions in this
	// process; nil while its models load.
	Captions func() engine.Task
	// Detect returns the task that finds the objects of an image the
	// captioner answered in the objects domain (a photo), whose boxes the
	// answer carries; nil: none.
	Detect func() engine.Task
	// Fingerprint is the video task's (engine.SubtitleFingerprint): with
	// an upload's hash it names the results, so that a file done before
	// is answered from the store.
	Fingerprint string
	TempDir     string // where uploads are received; "" is the system's
	// MaxImageBytes and MaxVideoBytes cap uploads; 0 is 32 MiB and 2 GiB.
	MaxImageBytes, MaxVideoBytes int64
	Token                        string // if not "", every /v1 route wants "Authorization: Bearer TOKEN"
	// CaptionSlots bounds the captions made at once, Uploads the uploads
	// received at once; 0 is 2 and 8. A request waits for a slot as long
	// as its time limit allows.
	CaptionSlots, Uploads int
	// RequestTimeout bounds a caption request, UploadTimeout a job upload;
	// 0 is 60 s and 10 min.
	RequestTimeout, UploadTimeout time.Duration
	Metrics                       *Metrics
	// Ready, if not nil, says whether the models are loaded.
	Ready func() bool
	// Version is shown on the page.
	Version string
	Log     *slog.Logger
}

// API is the HTTP API over the store.
type API struct {
	o        APIOptions
	captions chan struct{}
	uploads  chan struct{}
}

// NewAPI makes the API.
func NewAPI(o APIOptions) *API {
	if o.MaxImageBytes == 0 {
		o.MaxImageBytes = 32 << 20
	}
	if o.MaxVideoBytes == 0 {
		o.MaxVideoBytes = 2 << 30
	}
	if o.CaptionSlots == 0 {
		o.CaptionSlots = 2
	}
	if o.Uploads == 0 {
		o.Uploads = 8
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.UploadTimeout == 0 {
		o.UploadTimeout = 10 * time.Minute
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(o.Store)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &API{o: o, captions: make(chan struct{}, o.CaptionSlots), uploads: make(chan struct{}, o.Uploads)}
}

// Handler routes the API, the page and the service routes.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, auth bool, limit time.Duration, h http.HandlerFunc) {
		if auth {
			h = a.authorized(h)
		}
		h = limited(limit, h)
		mux.HandleFunc(pattern, a.o.Metrics.instrument(pattern, h))
	}
	short := 10 * time.Second
	route("GET /healthz", false, short, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	route("GET /readyz", false, short, a.readyz)
	mux.Handle("GET /metrics", a.o.Metrics.Handler())
	route("GET /openapi.json", false, short, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	route("POST /v1/captions", true, a.o.RequestTimeout, a.postCaption)
	route("POST /v1/jobs", true, a.o.UploadTimeout, a.postJob)
	route("GET /v1/jobs", true, short, a.listJobs)
	route("GET /v1/jobs/{id}", true, short, a.getJob)
	route("GET /v1/jobs/{id}/{file}", true, a.o.UploadTimeout, a.getResult)
	route("DELETE /v1/jobs/{id}", true, short, a.deleteJob)
	if p, err := newPage(a.o.Version, a.o.Token != ""); err == nil {
		route("GET /{$}", false, short, p.index)
		mux.Handle("GET /static/", p.static)
	} else {
		a.o.Log.Error("page", "err", err) // the embedded template: a build mistake
	}
	route("/v1/", true, short, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// limited gives each request at most d.
func limited(d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h(w, r.WithContext(ctx))
	}
}

// authorized refuses requests without the bearer token, when one is set;
// the comparison takes the same time wherever the first difference is.
func (a *API) authorized(h http.HandlerFunc) http.HandlerFunc {
	if a.o.Token == "" {
		return h
	}
	want := []byte("Bearer " + a.o.Token)
	return func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="captioner"`)
			writeError(w, errorf(http.StatusUnauthorized, "unauthorized", "this server wants a bearer token"))
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, map[string]*apiError{"error": e})
}

// internal is a 500 whose detail goes to the log, not to the client.
func (a *API) internal(w http.ResponseWriter, err error) {
	if errors.Is(err, context.DeadlineExceeded) {
		writeError(w, errorf(http.StatusServiceUnavailable, "timeout", "the request ran out of time"))
		return
	}
	a.o.Log.Error("internal error", "err", err)
	writeError(w, errorf(http.StatusInternalServerError, "internal", "internal error"))
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	if a.o.Ready != nil && !a.o.Ready() {
		writeError(w, errorf(http.StatusServiceUnavailable, "not_ready", "models are loading"))
		return
	}
	if err := a.o.Store.Ping(r.Context()); err != nil {
		writeError(w, errorf(http.StatusServiceUnavailable, "not_ready", "queue unreachable: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// slot takes a place in sem until the request's time runs out.
func slot(ctx context.Context, sem chan struct{}) (release func(), ok bool) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, true
	case <-ctx.Done():
		return nil, false
	}
}

// captionResponse is POST /v1/captions' answer.
type captionResponse struct {
	Caption       string  `json:"caption"`
	Score         float64 `json:"score"`      // mean log-probability per word; 0 is certain
	Confidence    float64 `json:"confidence"` // exp(score): the words' geometric mean probability
	LowConfidence bool    `json:"low_confidence"`
	Novelty       float64 `json:"novelty"`
	Domain        string  `json:"domain"`
	// Objects are what the detector found in a photo (the objects domain):
	// class, score and box as fractions of the image's size.
	Objects []engine.Object `json:"objects,omitempty"`
	Elapsed float64         `json:"elapsed"` // seconds in the server
}

func (a *API) postCaption(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	var task engine.Task
	if a.o.Captions != nil {
		task = a.o.Captions()
	}
	if task == nil {
		writeError(w, errorf(http.StatusServiceUnavailable, "not_ready", "models are loading"))
		return
	}
	u, aerr := receive(ctx, r, a.o.TempDir, a.o.MaxImageBytes, media.Image)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer u.remove()
	release, ok := slot(ctx, a.captions)
	if !ok {
		writeError(w, errorf(http.StatusServiceUnavailable, "busy", "every captioner was busy until the request's time ran out"))
		return
	}
	defer release()
	res, _, err := task.Run(ctx, engine.Input{Path: u.path})
	switch {
	case engine.BadInput(err):
		writeError(w, errorf(http.StatusBadRequest, "bad_image", "%s", strings.ReplaceAll(err.Error(), u.path, u.name)))
		return
	case err != nil:
		a.internal(w, err)
		return
	}
	a.o.Metrics.frames.Inc()
	c := res.Caption
	out := captionResponse{Caption: c.Text, Score: c.Score, Confidence: math.Exp(c.Score),
		LowConfidence: c.LowConfidence, Novelty: c.Novelty, Domain: c.Domain}
	if c.Domain == engine.DomainObjects && a.o.Detect != nil {
		if det := a.o.Detect(); det != nil {
			found, _, err := det.Run(ctx, engine.Input{Path: u.path})
			if err != nil {
				a.internal(w, err)
				return
			}
			out.Objects = found.Objects
		}
	}
	out.Elapsed = time.Since(start).Seconds()
	writeJSON(w, http.StatusOK, out)
}

func (a *API) postJob(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	release, ok := slot(ctx, a.uploads)
	if !ok {
		writeError(w, errorf(http.StatusServiceUnavailable, "busy", "too many uploads at once"))
		return
	}
	defer release()
	u, aerr := receive(ctx, r, a.o.TempDir, a.o.MaxVideoBytes, media.Video)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer u.remove()
	now := time.Now().UTC()
	j := &Job{ID: newID(), Kind: "subtitle", State: Queued, Name: u.name, Size: u.size, SHA256: u.sha256,
		Created: now, Updated: now, Key: resultKey(u.sha256, a.o.Fingerprint)}
	// The same content under the same models and settings: answered from
	// the store.
	if data, err := a.o.Store.Media.GetBytes(ctx, resultName(j.Key, "result.json")); err == nil {
		var res engine.Result
		if err := json.Unmarshal(data, &res); err == nil && res.Video != nil {
			j.State, j.Progress, j.Cached, j.Result = Done, 1, true, res.Video
			if err := putNew(ctx, a.o.Store.Jobs, j); err != nil {
				a.internal(w, err)
				return
			}
			a.accepted(w, j)
			return
		}
	}
	f, err := os.Open(u.path)
	if err != nil {
		a.internal(w, err)
		return
	}
	_, err = a.o.Store.Media.Put(ctx, jetstream.ObjectMeta{Name: uploadName(j.ID)}, f)
	f.Close()
	if err != nil {
		a.internal(w, fmt.Errorf("server: storing upload: %w", err))
		return
	}
	undo := func() {
		bg := context.WithoutCancel(ctx)
		a.o.Store.Jobs.Delete(bg, j.ID)
		a.o.Store.Media.Delete(bg, uploadName(j.ID))
	}
	if err := putNew(ctx, a.o.Store.Jobs, j); err != nil {
		undo()
		a.internal(w, err)
		return
	}
	msg, _ := json.Marshal(jobMessage{ID: j.ID})
	if _, err := a.o.Store.JS.Publish(ctx, jobSubject, msg, jetstream.WithMsgID(j.ID)); err != nil {
		undo()
		a.internal(w, fmt.Errorf("server: queueing job: %w", err))
		return
	}
	a.accepted(w, j)
}

func (a *API) accepted(w http.ResponseWriter, j *Job) {
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// job reads the job named by the request's path, or writes why not.
func (a *API) job(w http.ResponseWriter, r *http.Request) *Job {
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no job %q", id))
		return nil
	}
	j, _, err := getJob(r.Context(), a.o.Store.Jobs, id)
	switch {
	case errors.Is(err, errGone):
		writeError(w, errorf(http.StatusNotFound, "not_found", "no job %s", id))
		return nil
	case err != nil:
		a.internal(w, err)
		return nil
	}
	return j
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) {
	if j := a.job(w, r); j != nil {
		writeJSON(w, http.StatusOK, j)
	}
}

// resultFiles are the files GET /v1/jobs/{id}/{file} serves.
var resultFiles = map[string]string{
	"subtitles.vtt": "text/vtt; charset=utf-8",
	"subtitles.srt": "application/x-subrip; charset=utf-8",
}

func (a *API) getResult(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	ct, ok := resultFiles[file]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no file %q: a job has subtitles.vtt and subtitles.srt", file))
		return
	}
	j := a.job(w, r)
	if j == nil {
		return
	}
	if j.State != Done {
		writeError(w, errorf(http.StatusConflict, "not_done", "job %s is %s", j.ID, j.State))
		return
	}
	obj, err := a.o.Store.Media.Get(r.Context(), resultName(j.Key, file))
	if err != nil {
		a.internal(w, err)
		return
	}
	defer obj.Close()
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("download") != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", downloadName(j.Name, file)))
	}
	io.Copy(w, obj)
}

// downloadName is the name a downloaded track gets: the video's name
// with the track's extension ("subtitles" when the name is unusable).
func downloadName(video, file string) string {
	stem := strings.TrimSuffix(video, filepath.Ext(video))
	if stem == "" || strings.ContainsAny(stem, "\"\\/\r\n") {
		stem = "subtitles"
	}
	return stem + filepath.Ext(file)
}

func (a *API) deleteJob(w http.ResponseWriter, r *http.Request) {
	j := a.job(w, r)
	if j == nil {
		return
	}
	ctx := r.Context()
	// The worker watching the job stops; its message is acknowledged when
	// it finds the job gone.
	if err := a.o.Store.Jobs.Delete(ctx, j.ID); err != nil {
		a.internal(w, err)
		return
	}
	if err := a.o.Store.Media.Delete(ctx, uploadName(j.ID)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		a.o.Log.Warn("deleting upload", "job", j.ID, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

// jobList is GET /v1/jobs' answer.
type jobList struct {
	Jobs  []*Job `json:"jobs"`
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"` // the next page's URL
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 20, 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			writeError(w, errorf(http.StatusBadRequest, "bad_limit", "limit must be 1 to 100"))
			return
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeError(w, errorf(http.StatusBadRequest, "bad_offset", "offset must be a count from 0"))
			return
		}
		offset = n
	}
	ctx := r.Context()
	lister, err := a.o.Store.Jobs.ListKeys(ctx)
	if err != nil {
		a.internal(w, err)
		return
	}
	var jobs []*Job
	for key := range lister.Keys() {
		if len(jobs) >= maxScan {
			lister.Stop()
			break
		}
		if j, _, err := getJob(ctx, a.o.Store.Jobs, key); err == nil {
			jobs = append(jobs, j)
		}
	}
	if ctx.Err() != nil {
		a.internal(w, ctx.Err())
		return
	}
	slices.SortFunc(jobs, func(x, y *Job) int {
		if c := y.Created.Compare(x.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	out := jobList{Jobs: []*Job{}, Total: len(jobs)}
	if offset < len(jobs) {
		out.Jobs = jobs[offset:min(offset+limit, len(jobs))]
	}
	if offset+limit < len(jobs) {
		out.Next = fmt.Sprintf("/v1/jobs?offset=%d&limit=%d", offset+limit, limit)
	}
	writeJSON(w, http.StatusOK, out)
}
