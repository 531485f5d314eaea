package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream names the service uses: one work-queue stream of jobs and
// its consumer, one KV bucket of job states, one Object Store for uploads
// and results.
const (
	streamName   = "CAPTIONER_JOBS"
	jobSubject   = "captioner.jobs"
	consumerName = "captioner-workers"
	jobsBucket   = "captioner_jobs"
	mediaBucket  = "captioner_media"
)

// NATSOptions describe an embedded NATS server with JetStream.
type NATSOptions struct {
	Name    string // server name, unique in a cluster
	Dir     string // JetStream's file storage
	Host    string // client listener; "" is 127.0.0.1
	Port    int    // client port; 0 picks a free one, -1 (the default in serve) too
	Cluster string // cluster name; "" runs alone
	// ClusterPort is the route listener; Routes are the other nodes'
	// route URLs (nats-route://host:port).
	ClusterPort int
	Routes      []string
}

// StartNATS starts an embedded NATS server with JetStream and waits until
// it takes connections. Shut it down with Shutdown and WaitForShutdown.
func StartNATS(o NATSOptions) (*natsserver.Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = -1 // random
	}
	opts := &natsserver.Options{
		ServerName: o.Name, Host: o.Host, Port: o.Port,
		JetStream: true, StoreDir: o.Dir, NoSigs: true, NoLog: true,
	}
	if o.Cluster != "" {
		opts.Cluster = natsserver.ClusterOpts{Name: o.Cluster, Host: o.Host, Port: o.ClusterPort}
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("server: nats route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("server: nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("server: nats: not ready after 30 s")
	}
	return ns, nil
}

// Store is the service's JetStream: the job stream and its consumer, the
// job states and the media.
type Store struct {
	NC       *nats.Conn
	JS       jetstream.JetStream
	Stream   jetstream.Stream
	Consumer jetstream.Consumer
	Jobs     jetstream.KeyValue
	Media    jetstream.ObjectStore
	AckWait  time.Duration
}

// StoreOptions say how the store is made.
type StoreOptions struct {
	URL      string        // NATS URL(s), comma-separated
	Name     string        // connection name, shown by the server
	Replicas int           // copies of every stream (1 alone, 3 in a 3-node cluster); 0 is 1
	AckWait  time.Duration // how long a job may go without a sign of life before it is handed to another worker; 0 is 30 s
}

// OpenStore connects to NATS and makes (or finds) the stream, the
// consumer and the buckets. It keeps retrying while a cluster elects its
// leaders, until ctx ends.
func OpenStore(ctx context.Context, o StoreOptions) (*Store, error) {
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.AckWait == 0 {
		o.AckWait = 30 * time.Second
	}
	nc, err := nats.Connect(o.URL, nats.Name(o.Name), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(true))
	if err != nil {
		return nil, fmt.Errorf("server: nats %s: %w", o.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("server: jetstream: %w", err)
	}
	s := &Store{NC: nc, JS: js, AckWait: o.AckWait}
	for {
		err = s.setup(ctx, o)
		if err == nil {
			return s, nil
		}
		select {
		case <-ctx.Done():
			nc.Close()
			return nil, fmt.Errorf("server: jetstream setup: %w (last: %v)", ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (s *Store) setup(ctx context.Context, o StoreOptions) error {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var err error
	s.Stream, err = s.JS.CreateOrUpdateStream(c, jetstream.StreamConfig{
		Name: streamName, Subjects: []string{jobSubject}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: o.Replicas, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("server: stream: %w", err)
	}
	s.Consumer, err = s.Stream.CreateOrUpdateConsumer(c, jetstream.ConsumerConfig{
		Durable: consumerName, AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait,
		MaxDeliver: -1, MaxAckPending: 1000, Replicas: o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("server: consumer: %w", err)
	}
	s.Jobs, err = s.JS.CreateOrUpdateKeyValue(c, jetstream.KeyValueConfig{
		Bucket: jobsBucket, History: 1, Storage: jetstream.FileStorage, Replicas: o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("server: job states: %w", err)
	}
	s.Media, err = s.JS.CreateOrUpdateObjectStore(c, jetstream.ObjectStoreConfig{
		Bucket: mediaBucket, Storage: jetstream.FileStorage, Replicas: o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("server: media store: %w", err)
	}
	return nil
}

// Ping says whether the queue answers: the stream's state can be read.
func (s *Store) Ping(ctx context.Context) error {
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := s.Stream.Info(c); err != nil {
		return fmt.Errorf("server: queue: %w", err)
	}
	return nil
}

// Depth is how many jobs wait or are being worked on.
func (s *Store) Depth(ctx context.Context) (waiting, working int, err error) {
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := s.Consumer.Info(c)
	if err != nil {
		return 0, 0, fmt.Errorf("server: queue: %w", err)
	}
	return int(info.NumPending), info.NumAckPending, nil
}

// Close closes the connection.
func (s *Store) Close() { s.NC.Close() }
