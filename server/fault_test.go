package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"captioner/engine"
	"captioner/world"
)

// cluster is a three-node NATS cluster with JetStream on loopback.
type cluster struct {
	t     *testing.T
	opts  []NATSOptions
	nodes []*natsserver.Server
}

func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{t: t}
	var routes []string
	ports := make([]int, n)
	for i := range n {
		ports[i] = freePort(t)
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[i]))
	}
	for i := range n {
		c.opts = append(c.opts, NATSOptions{Name: fmt.Sprintf("n%d", i), Dir: t.TempDir(), Port: freePort(t),
			Cluster: "captioner-test", ClusterPort: ports[i], Routes: routes})
	}
	c.nodes = make([]*natsserver.Server, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { c.nodes[i], errs[i] = StartNATS(c.opts[i]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, ns := range c.nodes {
			if ns != nil {
				ns.Shutdown()
				ns.WaitForShutdown()
			}
		}
	})
	return c
}

// urls is every node's client URL.
func (c *cluster) urls() string {
	var us []string
	for _, o := range c.opts {
		us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(us, ",")
}

// restart stops node i and starts it again on its ports and storage.
func (c *cluster) restart(i int) {
	c.t.Helper()
	c.nodes[i].Shutdown()
	c.nodes[i].WaitForShutdown()
	c.nodes[i] = nil
	ns, err := StartNATS(c.opts[i])
	if err != nil {
		c.t.Fatalf("restarting node %d: %v", i, err)
	}
	c.nodes[i] = ns
}

// startWorker starts `captioner worker` as a process of its own: this test
// binary again, in worker mode (TestMain).
func startWorker(t *testing.T, name, urls string, ackWait time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CAPTIONER_TEST_WORKER="+urls, "CAPTIONER_TEST_NAME="+name,
		"CAPTIONER_TEST_ACK_WAIT="+ackWait.String(), "CAPTIONER_TEST_DATA="+t.TempDir())
	log, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
		if t.Failed() {
			data, _ := os.ReadFile(log.Name())
			t.Logf("worker %s's log:\n%s", name, data)
		}
	})
	return cmd
}

// TestWorkersSurviveFaults runs the service on a three-node NATS cluster
// with two worker processes, kills one worker with SIGKILL while it works
// on a job, restarts a NATS node, stops the other worker with SIGTERM
// while it works and starts a third: every job ends done, exactly once,
// with its track; none is lost and none is done twice.
func TestWorkersSurviveFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and worker processes")
	}
	const ackWait = 3 * time.Second
	vids := videos(t, 6, 99)
	cl := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := OpenStore(ctx, StoreOptions{URL: cl.urls(), Replicas: 3, AckWait: ackWait})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// Every state any job goes through, as it is written.
	type seen struct {
		state string
		rev   uint64
	}
	var mu sync.Mutex
	history := map[string][]seen{}
	watch, err := st.Jobs.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Stop()
	go func() {
		for e := range watch.Updates() {
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var j Job
			json.Unmarshal(e.Value(), &j)
			mu.Lock()
			history[e.Key()] = append(history[e.Key()], seen{j.State, e.Revision()})
			mu.Unlock()
		}
	}()

	b, err := engine.OpenBundle("")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := engine.SubtitleFingerprint(b, subtitleOptions(), trackFormats(), true)
	if err != nil {
		t.Fatal(err)
	}
	api := NewAPI(APIOptions{Store: st, Fingerprint: fp, TempDir: t.TempDir()})
	hs := httptest.NewServer(api.Handler())
	defer hs.Close()
	c := client{t: t, base: hs.URL}

	workers := map[string]*exec.Cmd{
		"alpha": startWorker(t, "alpha", cl.urls(), ackWait),
		"beta":  startWorker(t, "beta", cl.urls(), ackWait),
	}
	var ids []string
	for _, v := range vids {
		r := c.upload("/v1/jobs", v)
		var j Job
		json.Unmarshal(r.body, &j)
		if r.code != http.StatusAccepted {
			t.Fatalf("upload %s: %d %s", v, r.code, r.body)
		}
		ids = append(ids, j.ID)
	}

	// Kill the first worker seen working on a job, mid-job.
	var killed, victim string
	deadline := time.Now().Add(2 * time.Minute)
	for killed == "" {
		if time.Now().After(deadline) {
			t.Fatal("no worker started a job within 2 minutes")
		}
		for _, id := range ids {
			if j, _ := c.job(id); j.State == Running && workers[j.Worker] != nil {
				killed, victim = j.Worker, id
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := workers[killed].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed worker %s while it worked on job %s", killed, victim)
	// Then restart a NATS node while the other worker goes on.
	cl.restart(1)
	t.Log("restarted NATS node n1")
	// Then stop the other worker with SIGTERM while it works: it drains
	// (finishes its job or hands it back) and exits 0; a third worker
	// takes what is left.
	other := "alpha"
	if killed == "alpha" {
		other = "beta"
	}
	drained := ""
	for deadline := time.Now().Add(2 * time.Minute); drained == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		left := 0
		for _, id := range ids {
			j, _ := c.job(id)
			if !j.ended() {
				left++
			}
			if j.State == Running && j.Worker == other {
				drained = id
				break
			}
		}
		if left == 0 {
			break
		}
	}
	if drained != "" {
		w := workers[other]
		w.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { exited <- w.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("worker %s after SIGTERM: %v, want exit 0", other, err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("worker %s still running 15 s after SIGTERM", other)
		}
		t.Logf("drained worker %s while it worked on job %s", other, drained)
	} else {
		t.Logf("every job ended before worker %s could be stopped mid-job", other)
	}
	startWorker(t, "gamma", cl.urls(), ackWait)

	jobs := c.wait(ids, 4*time.Minute)
	for i, id := range ids {
		j := jobs[id]
		if j.State != Done || j.Result == nil || len(j.Result.Cues) == 0 || j.Error != "" {
			t.Errorf("job %d (%s): %+v", i, id, j)
			continue
		}
		vtt := c.do("GET", "/v1/jobs/"+id+"/subtitles.vtt", "", nil)
		if vtt.code != http.StatusOK || !strings.Contains(string(vtt.body), j.Result.Cues[0].Text) {
			t.Errorf("job %d's track: %d %q", i, vtt.code, vtt.body)
		}
		if _, err := world.ParseLabel(j.Result.Cues[0].Text); err != nil {
			t.Errorf("job %d: cue %q: %v", i, j.Result.Cues[0].Text, err)
		}
	}
	if j := jobs[victim]; j.Attempts < 2 || j.Worker == killed {
		t.Errorf("the killed worker's job: %d attempts, finished by %s; want it redelivered to the other", j.Attempts, j.Worker)
	}
	// Done exactly once: one write of state done per job, ever.
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	for i, id := range ids {
		revs := map[uint64]bool{}
		for _, s := range history[id] {
			if s.state == Done {
				revs[s.rev] = true
			}
		}
		if len(revs) != 1 {
			t.Errorf("job %d (%s) was written done %d times: %v", i, id, len(revs), history[id])
		}
	}
	mu.Unlock()
	// Nothing left in the queue: every job acknowledged once done.
	deadline = time.Now().Add(30 * time.Second)
	for {
		info, err := st.Stream.Info(ctx)
		if err == nil && info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("queue not empty: %+v %v", info, err)
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// The uploads are gone once their jobs are done; the results stay.
	objs, _ := st.Media.List(ctx)
	for _, o := range objs {
		if strings.HasPrefix(o.Name, "uploads/") {
			t.Errorf("upload left behind: %s", o.Name)
		}
	}
	if len(objs) != 3*len(ids) {
		t.Errorf("%d objects in the store, want %d (vtt, srt, result.json for each job)", len(objs), 3*len(ids))
	}
}
