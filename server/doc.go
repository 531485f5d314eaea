// Package server is captioner's media service: the HTTP API and web page
// of `captioner serve`, and the workers of `captioner worker`, over NATS
// JetStream.
//
//	client ──POST /v1/captions──> API ──engine.CaptionTask──> caption (at once)
//	client ──POST /v1/jobs──> API: body streamed to a temporary file (hashed,
//	   │                      capped, sniffed by content), then to the store
//	   ├── Object Store  captioner_media  uploads/ID, results/KEY/{subtitles.vtt,srt,result.json}
//	   ├── KV            captioner_jobs   ID -> Job (state, progress, attempts, error, result)
//	   └── stream        CAPTIONER_JOBS   work queue of {"id": ID}, consumer captioner-workers
//	                                        │ (explicit acks, ack wait, redelivery)
//	worker(s) <─────────────────────────────┘ engine.SubtitleTask -> results, state done
//
// Delivery is at least once and results are idempotent: KEY is the
// upload's sha256 with the task's fingerprint, so the same file under the
// same models and settings is answered from the store, and a job's state
// is turned to done by compare and set on its revision, once, whoever
// finishes it. A worker signals progress (InProgress) while it works; one
// that dies has its job redelivered after the ack wait. A job that keeps
// failing is failed with its last reason after WorkerOptions.MaxAttempts
// deliveries; bad input (engine.BadInput) fails it at once.
//
// Serve runs everything one machine needs in one process, with an
// embedded NATS server; Work runs workers against any NATS cluster.
package server
