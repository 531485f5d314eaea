package batch

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"captioner/internal/atomicfile"
)

// ManifestName is the manifest's file name in the output folder.
const ManifestName = "captioner-batch.jsonl"

// manifestFormat and manifestVersion are in the manifest's header line.
const (
	manifestFormat  = "captioner-batch"
	manifestVersion = 1
)

type manifestHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// ErrLocked is wrapped by Run's error when another run holds the output
// folder.
var ErrLocked = errors.New("another captioner batch is using this output folder")

// manifest is the journal of a run's output folder (see the package
// documentation). It is safe for concurrent use.
type manifest struct {
	path string
	lock *os.File // the output folder, flocked

	mu       sync.Mutex
	records  map[string]*Record
	lines    int      // records in the file, superseded ones included
	appended int      // records appended by this run
	f        *os.File // append handle
}

// openManifest locks dir and reads its manifest (creating one with just the
// header), compacting it first when it holds superseded or torn lines.
func openManifest(dir string) (*manifest, error) {
	lock, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("batch: %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("batch: locking %s: %w", dir, err)
	}
	m := &manifest{path: filepath.Join(dir, ManifestName), lock: lock, records: map[string]*Record{}}
	torn, err := m.read()
	if err != nil {
		m.close()
		return nil, err
	}
	if torn || m.lines > len(m.records) {
		if err := m.rewrite(nil); err != nil {
			m.close()
			return nil, err
		}
	}
	if m.f, err = os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		m.close()
		return nil, fmt.Errorf("batch: %w", err)
	}
	return m, nil
}

// read loads the manifest; torn says that some line could not be read (a
// line cut short by a crash): it is left out.
func (m *manifest) read() (torn bool, err error) {
	data, err := os.ReadFile(m.path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil // no manifest yet: rewrite writes the header
	}
	if err != nil {
		return false, fmt.Errorf("batch: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			var h manifestHeader
			if json.Unmarshal(line, &h) != nil || h.Format != manifestFormat {
				return false, fmt.Errorf("batch: %s: not a captioner batch manifest (move it away to start afresh)", m.path)
			}
			if h.Version != manifestVersion {
				return false, fmt.Errorf("batch: %s: manifest version %d, this captioner reads %d", m.path, h.Version, manifestVersion)
			}
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.File == "" {
			torn = true
			continue
		}
		m.records[r.File] = &r
		m.lines++
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("batch: %s: %w", m.path, err)
	}
	if first {
		return false, fmt.Errorf("batch: %s: empty manifest (move it away to start afresh)", m.path)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		torn = true // a last line without its newline: cut short
	}
	return torn, nil
}

// get returns the file's latest record.
func (m *manifest) get(file string) (Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[file]
	if !ok {
		return Record{}, false
	}
	return *r, true
}

// all returns a copy of every latest record, sorted by file.
func (m *manifest) all() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Record, 0, len(m.records))
	for _, r := range m.records {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Record) int { return cmp.Compare(a.File, b.File) })
	return out
}

// append writes recs at the end of the journal in one write and syncs it:
// when append returns, the records survive a crash.
func (m *manifest) append(recs ...Record) error {
	var buf bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("batch: manifest record of %s: %w", r.File, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("batch: writing the manifest: %w", err)
	}
	if err := m.f.Sync(); err != nil {
		return fmt.Errorf("batch: writing the manifest: %w", err)
	}
	for _, r := range recs {
		m.records[r.File] = &r
	}
	m.lines += len(recs)
	m.appended += len(recs)
	return nil
}

// compact rewrites the journal with one line per file, leaving out the
// files drop says to, if this run appended or would drop anything.
func (m *manifest) compact(drop func(Record) bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dropping := false
	for _, r := range m.records {
		if drop(*r) {
			dropping = true
			break
		}
	}
	if !dropping && m.appended == 0 && m.lines == len(m.records) {
		return nil
	}
	if m.f != nil {
		m.f.Close()
		m.f = nil
	}
	if err := m.rewrite(drop); err != nil {
		return err
	}
	f, err := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	m.f = f
	return nil
}

// rewrite writes the header and the latest records (less those drop says
// to leave out) to a temporary file and renames it over the journal. The
// caller holds m.mu or owns m alone.
func (m *manifest) rewrite(drop func(Record) bool) error {
	var buf bytes.Buffer
	h, _ := json.Marshal(manifestHeader{Format: manifestFormat, Version: manifestVersion})
	buf.Write(h)
	buf.WriteByte('\n')
	files := make([]string, 0, len(m.records))
	for f, r := range m.records {
		if drop != nil && drop(*r) {
			delete(m.records, f)
			continue
		}
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		line, err := json.Marshal(m.records[f])
		if err != nil {
			return fmt.Errorf("batch: manifest record of %s: %w", f, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(m.path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("batch: writing the manifest: %w", err)
	}
	if err := syncDir(filepath.Dir(m.path)); err != nil {
		return fmt.Errorf("batch: writing the manifest: %w", err)
	}
	m.lines = len(files)
	m.appended = 0
	return nil
}

// close releases the append handle and the lock.
func (m *manifest) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f != nil {
		m.f.Close()
		m.f = nil
	}
	if m.lock != nil {
		m.lock.Close() // closing the descriptor releases the flock
		m.lock = nil
	}
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
