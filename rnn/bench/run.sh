#!/usr/bin/env bash
# Runs the PyTorch peer (../shared/bench/torch_lstm.py) and rnn's Go
# benchmarks back to back on this machine and prints one markdown table with
# both columns. Usage, from the repository root:
#
#   rnn/bench/run.sh            # full run (about 3 minutes)
#   QUICK=1 rnn/bench/run.sh    # fewer repetitions
#
# Needs /usr/bin/python3 with python3-torch (apt-get install -y python3-torch).
# The environment variables below are the peer's documented fair settings
# (../shared/bench/README.md); they are set for the Python process only, and
# the Go side runs with the machine's defaults (no OPENBLAS_* variables).
set -euo pipefail
cd "$(dirname "$0")/../.."
peer=${PEER:-../shared/bench/torch_lstm.py}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

count=7; quick=()
if [ -n "${QUICK:-}" ]; then count=3; quick=(--quick); fi

echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
peer_run() {
  OMP_WAIT_POLICY=PASSIVE \
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
    /usr/bin/python3 "$peer" --threads 2 "${quick[@]}"
}
# The peer runs before and after Go, so that a change of load from other
# processes during the run shows up as a difference between its two columns.
peer_run >"$out/torch.txt"
go test ./rnn -run '^$' -bench '^Benchmark(ProjectionGemv|ProjectionGemvUnsplit|ProjectionGemvOpenBLAS|GreedyDecode|GreedyDecodeUnsplit|GreedyDecodeSplit|BeamDecode|BeamDecodeUnsplit|BeamDecodeSplit|TrainStep|Synced600)$' \
  -benchtime 1s -count "$count" >"$out/go.txt"
peer_run >"$out/torch2.txt"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$out/torch.txt" "$out/go.txt" "$out/torch2.txt" <<'PY'
import re, statistics, sys
torch = open(sys.argv[1]).read()
gotxt = open(sys.argv[2]).read()
torch2 = open(sys.argv[3]).read()
def tmed1(text, prefix):
    for line in text.splitlines():
        if line.startswith("| " + prefix):
            return float(line.split("|")[2].split()[0])
    return float("nan")
def tmed(prefix):
    return (tmed1(torch, prefix) + tmed1(torch2, prefix)) / 2
gm = {}
for m in re.finditer(r"^Benchmark(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", gotxt, re.M):
    gm.setdefault(m.group(1), []).append(float(m.group(2)) / 1e6)
rows = [
    ("BenchmarkGreedyDecode", "GreedyDecode", "(i) greedy", "greedy b1, 20 steps, 10k projection (OpenBLAS Sgemv, the default)", "ms/seq"),
    ("BenchmarkGreedyDecodeUnsplit", "GreedyDecodeUnsplit", "(i) greedy", "same, gonum Sgemv on one goroutine", "ms/seq"),
    ("BenchmarkGreedyDecodeSplit", "GreedyDecodeSplit", "(i) greedy", "same, gonum Sgemv split over two goroutines", "ms/seq"),
    ("BenchmarkBeamDecode", "BeamDecode", "(ii) beam", "beam 3, 20 steps (OpenBLAS Sgemv, the default)", "ms/seq"),
    ("BenchmarkBeamDecodeUnsplit", "BeamDecodeUnsplit", "(ii) beam", "same, gonum Sgemv on one goroutine", "ms/seq"),
    ("BenchmarkBeamDecodeSplit", "BeamDecodeSplit", "(ii) beam", "same, gonum Sgemv split over two goroutines", "ms/seq"),
    ("BenchmarkTrainStep", "TrainStep", "(iii) train", "b32 x T20, emb+LSTM+proj+CE+Adam", "ms/step"),
    ("BenchmarkSynced600", "Synced600", "(iv) synced", "LSTM 512->256, T600, 20 labels", "ms/seq"),
]
print("| benchmark | case | PyTorch before / after | Go median | Go / PyTorch (mean of both) |")
print("| --- | --- | --- | --- | --- |")
for name, key, tkey, case, unit in rows:
    if key not in gm:
        continue
    t, g = tmed(tkey), statistics.median(gm[key])
    t1, t2 = tmed1(torch, tkey), tmed1(torch2, tkey)
    print(f"| {name} | {case} | {t1:.1f} / {t2:.1f} {unit} | {g:.1f} {unit} | {g/t:.2f} |")
print()
print("PyTorch raw (before Go):"); print("\n".join(l for l in torch.splitlines() if l.startswith("|") or "torch" in l))
print("PyTorch raw (after Go):"); print("\n".join(l for l in torch2.splitlines() if l.startswith("|")))
print("Go raw:"); print("\n".join(l for l in gotxt.splitlines() if l.startswith("Benchmark")))
for key in ("ProjectionGemv", "ProjectionGemvUnsplit", "ProjectionGemvOpenBLAS"):
    rates = [float(m.group(1)) for m in re.finditer(r"^Benchmark%s-\d+\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s" % key, gotxt, re.M)]
    if rates:
        print(f"{key}: median {statistics.median(rates)/1000:.1f} GB/s streaming the 10000x512 float32 projection")
PY
