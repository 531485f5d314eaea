package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"captioner/internal/realmedia"
	"captioner/world"
)

// service is a `captioner serve` run by a test.
type service struct {
	client
	nats string
	data string
	stop func() error // cancels and waits for Serve's return
}

// serve starts Serve with c (its Addr, Data and NATSListen filled) and
// waits until it is ready.
func serve(t *testing.T, c Config) *service {
	t.Helper()
	c.Addr, c.NATSListen = "127.0.0.1:0", "127.0.0.1:0"
	if c.Data == "" {
		c.Data = t.TempDir()
	}
	type addrs struct{ http, nats string }
	got := make(chan addrs, 1)
	c.Listening = func(h, n string) { got <- addrs{h, n} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c) }()
	var a addrs
	select {
	case a = <-got:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not listen within 60 s")
	}
	s := &service{client: client{t: t, base: "http://" + a.http, token: c.Token}, nats: a.nats, data: c.Data}
	s.stop = func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("serve did not stop within 20 s")
		}
	}
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(90 * time.Second)
	for s.do("GET", "/readyz", "", nil).code != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 90 s: %s", s.do("GET", "/readyz", "", nil).body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return s
}

// store connects to the service's NATS.
func (s *service) store() *Store {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := OpenStore(ctx, StoreOptions{URL: s.nats})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(st.Close)
	return st
}

func TestServeCaptionsAndJobs(t *testing.T) {
	vids := videos(t, 1, 21)
	s := serve(t, Config{Workers: 1, Token: "s3cret", MaxAttempts: 2})

	if r := s.do("GET", "/healthz", "", nil); r.code != http.StatusOK {
		t.Errorf("healthz: %d", r.code)
	}
	anon := client{t: t, base: s.base}
	for _, route := range []string{"/v1/jobs", "/v1/jobs/0123456789abcdef0123456789abcdef"} {
		if r := anon.do("GET", route, "", nil); r.code != http.StatusUnauthorized || r.errorCode() != "unauthorized" {
			t.Errorf("GET %s without the token: %d %s", route, r.code, r.body)
		}
	}
	wrong := client{t: t, base: s.base, token: "s3creT"}
	if r := wrong.upload("/v1/captions", filepath.Join("..", "testdata", "shapes", "000001.png")); r.code != http.StatusUnauthorized {
		t.Errorf("caption with a wrong token: %d", r.code)
	}

	// A caption, synchronously: raw body and multipart.
	png, err := os.ReadFile(filepath.Join("..", "testdata", "shapes", "000001.png"))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]response{
		"raw":       s.do("POST", "/v1/captions", "image/png", bytes.NewReader(png)),
		"multipart": s.upload("/v1/captions", filepath.Join("..", "testdata", "shapes", "000001.png")),
	} {
		var c captionResponse
		json.Unmarshal(r.body, &c)
		if r.code != http.StatusOK || c.Caption != "a large yellow square at the top" || c.Domain != "shapes" ||
			c.Confidence <= 0.5 || c.Confidence > 1 || c.LowConfidence {
			t.Errorf("%s caption: %d %s", name, r.code, r.body)
		}
	}

	// A photo: the objects domain, with the detector's boxes.
	dog, err := os.ReadFile(realmedia.Path(t, "dog.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r := s.do("POST", "/v1/captions", "application/octet-stream", bytes.NewReader(dog))
	var photo captionResponse
	json.Unmarshal(r.body, &photo)
	var classes []string
	for _, o := range photo.Objects {
		classes = append(classes, o.Class)
		if b := o.Box; b[0] < 0 || b[2] > 1 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("dog.jpg: box %v", b)
		}
	}
	if r.code != http.StatusOK || photo.Domain != "objects" || !slices.Contains(classes, "dog") || !slices.Contains(classes, "bicycle") {
		t.Errorf("dog.jpg: %d %s", r.code, r.body)
	}

	// A video job, done by the local worker.
	r = s.upload("/v1/jobs", vids[0])
	var j Job
	json.Unmarshal(r.body, &j)
	if r.code != http.StatusAccepted || !validID(j.ID) || j.State != Queued || r.hdr.Get("Location") != "/v1/jobs/"+j.ID || j.Name != "0000.mp4" {
		t.Fatalf("job: %d %s", r.code, r.body)
	}
	if g := s.do("GET", "/v1/jobs/"+j.ID+"/subtitles.vtt", "", nil); g.code != http.StatusConflict || g.errorCode() != "not_done" {
		// The worker may have been quick; only a wrong answer is wrong.
		if g.code != http.StatusOK {
			t.Errorf("track of a job not done: %d %s", g.code, g.body)
		}
	}
	done := s.wait([]string{j.ID}, 3*time.Minute)[j.ID]
	rec, err := world.ReadVideoRecord(strings.TrimSuffix(vids[0], ".mp4") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if done.State != Done || done.Result == nil || done.Result.Domain != "shapes" || len(done.Result.Cues) == 0 || done.Progress != 1 ||
		done.Attempts != 1 || done.Result.Steps != int(rec.Duration*4+0.5) {
		t.Fatalf("done job: %+v %+v (video of %.2f s)", done, done.Result, rec.Duration)
	}
	vtt := s.do("GET", "/v1/jobs/"+j.ID+"/subtitles.vtt", "", nil)
	if vtt.code != http.StatusOK || !strings.HasPrefix(vtt.hdr.Get("Content-Type"), "text/vtt") ||
		!strings.HasPrefix(string(vtt.body), "WEBVTT") || !strings.Contains(string(vtt.body), done.Result.Cues[0].Text) {
		t.Errorf("vtt: %d %q", vtt.code, vtt.body)
	}
	srt := s.do("GET", "/v1/jobs/"+j.ID+"/subtitles.srt?download=1", "", nil)
	if srt.code != http.StatusOK || !strings.Contains(string(srt.body), " --> ") || srt.hdr.Get("Content-Disposition") != `attachment; filename="0000.srt"` {
		t.Errorf("srt: %d %q %v", srt.code, srt.body, srt.hdr)
	}
	if _, err := world.ParseLabel(done.Result.Cues[0].Text); err != nil {
		t.Errorf("cue %q is not a Shapes label: %v", done.Result.Cues[0].Text, err)
	}

	// The same file again is answered from the store.
	r = s.upload("/v1/jobs", vids[0])
	var again Job
	json.Unmarshal(r.body, &again)
	if r.code != http.StatusAccepted || again.State != Done || !again.Cached || again.Key != done.Key || again.ID == done.ID ||
		len(again.Result.Cues) != len(done.Result.Cues) {
		t.Errorf("re-upload: %d %s", r.code, r.body)
	}
	if g := s.do("GET", "/v1/jobs/"+again.ID+"/subtitles.vtt", "", nil); !bytes.Equal(g.body, vtt.body) {
		t.Errorf("re-upload's track differs: %q", g.body)
	}

	// Paging, newest first.
	var page jobList
	json.Unmarshal(s.do("GET", "/v1/jobs?limit=1", "", nil).body, &page)
	if page.Total != 2 || len(page.Jobs) != 1 || page.Jobs[0].ID != again.ID || page.Next != "/v1/jobs?offset=1&limit=1" {
		t.Errorf("first page: %+v", page)
	}
	next := page.Next
	page = jobList{}
	json.Unmarshal(s.do("GET", next, "", nil).body, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].ID != done.ID || page.Next != "" {
		t.Errorf("second page: %+v", page)
	}
	if r := s.do("GET", "/v1/jobs?limit=0", "", nil); r.code != http.StatusBadRequest || r.errorCode() != "bad_limit" {
		t.Errorf("limit 0: %d %s", r.code, r.body)
	}

	// Metrics and the OpenAPI document.
	m := string(s.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`captioner_jobs{state="done"} 2`, `captioner_queue_depth{kind="waiting"} 0`,
		`captioner_http_requests_total{code="202",route="POST /v1/jobs"} 2`, `captioner_jobs_ended_total{state="done"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	var frames float64
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "captioner_frames_processed_total ") {
			json.Unmarshal([]byte(strings.Fields(line)[1]), &frames)
		}
	}
	if want := float64(3 + done.Result.Steps); frames != want {
		t.Errorf("frames processed %v, want %v (3 images and the video's steps)", frames, want)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(s.do("GET", "/openapi.json", "", nil).body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") ||
		doc.Paths["/v1/jobs"]["post"] == nil || doc.Paths["/v1/jobs/{id}"]["delete"] == nil || doc.Paths["/v1/captions"]["post"] == nil {
		t.Errorf("openapi.json: %v %+v", err, doc)
	}

	// Delete.
	if r := s.do("DELETE", "/v1/jobs/"+done.ID, "", nil); r.code != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.code, r.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if r := s.do(m, "/v1/jobs/"+done.ID, "", nil); r.code != http.StatusNotFound || r.errorCode() != "not_found" {
			t.Errorf("%s of a deleted job: %d %s", m, r.code, r.body)
		}
	}
	// Deleting a running job stops its worker: the job is gone, its
	// message acknowledged, no result stored.
	long := t.TempDir()
	if err := world.GenerateVideos(context.Background(), world.VideoOptions{N: 1, Seed: 8, MinDuration: 30 * time.Second,
		MaxDuration: 30 * time.Second, Out: long}); err != nil {
		t.Fatal(err)
	}
	r = s.upload("/v1/jobs", filepath.Join(long, "0000.mp4"))
	var running Job
	json.Unmarshal(r.body, &running)
	for deadline := time.Now().Add(time.Minute); running.State != Running; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) || running.ended() {
			t.Fatalf("the long job never ran: %+v", running)
		}
		running, _ = s.job(running.ID)
	}
	if r := s.do("DELETE", "/v1/jobs/"+running.ID, "", nil); r.code != http.StatusNoContent {
		t.Errorf("delete of a running job: %d %s", r.code, r.body)
	}
	st := s.store()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		info, err := st.Stream.Info(ctx)
		if err == nil && info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted job's message is still queued: %v %v", info, err)
		}
	}
	if _, err := st.Media.GetInfo(ctx, resultName(running.Key, "result.json")); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("a deleted job's result was stored: %v", err)
	}
	if _, err := st.Media.GetInfo(ctx, uploadName(running.ID)); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("a deleted job's upload is still stored: %v", err)
	}

	if r := s.do("GET", "/v1/jobs/..%2f..%2fetc", "", nil); r.code != http.StatusNotFound {
		t.Errorf("a path for an id: %d", r.code)
	}

	// A job that keeps failing (its upload is gone) ends failed, with its
	// reason, after MaxAttempts deliveries.
	lost := &Job{ID: newID(), Kind: "subtitle", State: Queued, Name: "lost.mp4", Created: time.Now(), Key: done.Key}
	if err := putNew(ctx, st.Jobs, lost); err != nil {
		t.Fatal(err)
	}
	if err := st.Media.Delete(ctx, resultName(done.Key, "result.json")); err != nil { // or the store would answer it
		t.Fatal(err)
	}
	msg, _ := json.Marshal(jobMessage{ID: lost.ID})
	if _, err := st.JS.Publish(ctx, jobSubject, msg); err != nil {
		t.Fatal(err)
	}
	failed := s.wait([]string{lost.ID}, time.Minute)[lost.ID]
	if failed.State != Failed || failed.Attempts != 3 || !strings.Contains(failed.Error, "gave up after 2 deliveries; last error: server: job "+lost.ID+": upload: ") {
		t.Errorf("a job that keeps failing: %+v", failed)
	}
	if err := s.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// TestBadUploads sends uploads that must be refused: each gets a 4xx JSON
// error with its reason, and nothing is left behind: no job, no object,
// no temporary file.
func TestBadUploads(t *testing.T) {
	vids := videos(t, 1, 3)
	good, err := os.ReadFile(vids[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "clip.mp4")
	os.WriteFile(text, []byte("this is a text file, not a video\n"), 0o644)
	png := filepath.Join("..", "testdata", "shapes", "000000.png")
	const limit = 1 << 20
	s := serve(t, Config{Workers: 0, MaxVideoBytes: limit, MaxImageBytes: limit})
	big := bytes.Repeat([]byte{0}, 2*limit)
	cases := []struct {
		name, route, ctype string
		body               []byte
		file               string // multipart instead of body
		code               int
		errCode, says      string
	}{
		{"empty", "/v1/jobs", "video/mp4", []byte{}, "", 400, "empty", "empty"},
		{"truncated", "/v1/jobs", "video/mp4", good[:len(good)/2], "", 400, "not_media", "upload"},
		{"text named .mp4", "/v1/jobs", "", nil, text, 400, "not_media", "clip.mp4: not an image or a video"},
		{"text as octets", "/v1/captions", "application/octet-stream", []byte("hello"), "", 400, "not_media", "not an image or a video"},
		{"too large", "/v1/jobs", "video/mp4", big, "", 413, "too_large", "limit"},
		{"wrong content type", "/v1/jobs", "text/plain", good, "", 415, "bad_content_type", "text/plain"},
		{"json content type", "/v1/captions", "application/json", []byte(`{"x":1}`), "", 415, "bad_content_type", "application/json"},
		{"image as a job", "/v1/jobs", "", nil, png, 400, "wrong_kind", "000000.png is an image"},
		{"video as a caption", "/v1/captions", "", nil, vids[0], 400, "wrong_kind", "0000.mp4 is a video"},
		{"form without file", "/v1/jobs", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--x--\r\n"), "", 400, "bad_form", "file"},
	}
	for _, c := range cases {
		var r response
		switch {
		case c.file != "":
			r = s.upload(c.route, c.file)
		case c.name == "too large":
			r = s.do("POST", c.route, c.ctype, io.MultiReader(bytes.NewReader(c.body))) // no length: chunked
		default:
			r = s.do("POST", c.route, c.ctype, bytes.NewReader(c.body))
		}
		var e struct {
			Error apiError `json:"error"`
		}
		err := json.Unmarshal(r.body, &e)
		if r.code != c.code || err != nil || e.Error.Code != c.errCode || !strings.Contains(e.Error.Message, c.says) ||
			strings.Contains(e.Error.Message, s.data) || strings.Contains(e.Error.Message, "\n") {
			t.Errorf("%s: %d %s, want %d %s saying %q", c.name, r.code, r.body, c.code, c.errCode, c.says)
		}
	}
	// A declared size over the limit is refused before the body is read.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: 1099511627776\r\n\r\nabc"))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	head, _ := io.ReadAll(io.LimitReader(conn, 4096))
	conn.Close()
	if !strings.HasPrefix(string(head), "HTTP/1.1 413") || !strings.Contains(string(head), `"too_large"`) {
		t.Errorf("declared 1 TiB: %q", head)
	}

	st := s.store()
	ctx := context.Background()
	if keys, err := st.Jobs.Keys(ctx); !errors.Is(err, jetstream.ErrNoKeysFound) {
		t.Errorf("jobs left behind: %v %v", keys, err)
	}
	if objs, err := st.Media.List(ctx); !errors.Is(err, jetstream.ErrNoObjectsFound) {
		t.Errorf("objects left behind: %d %v", len(objs), err)
	}
	if left, _ := os.ReadDir(filepath.Join(s.data, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// Still serving.
	if r := s.upload("/v1/captions", png); r.code != http.StatusOK {
		t.Errorf("a good image after the bad ones: %d %s", r.code, r.body)
	}
}
