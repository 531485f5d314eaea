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
# The machine: CPU model, the vector flags kernels are chosen by, caches,
# and the fused kernel this build picks on it.
echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# vector flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|avx512f|avx512bw|avx512vl|avx512_vnni)$' | tr '\n' ' ')"
if command -v lscpu >/dev/null; then
  echo "# caches: $(lscpu | grep -E '^L[123]' | sed 's/  */ /g' | tr '\n' ';')"
fi
echo "# $(go test ./rnn -count=1 -run '^TestKernelChoice$' -v | grep -o 'fused kernel: .*')"
peer_run() {
  OMP_WAIT_POLICY=PASSIVE \
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
    /usr/bin/python3 "$peer" --threads 2 "${quick[@]}"
}
# The peer runs before and after Go, so that a change of load from other
# processes during the run shows up as a difference between its two columns.
peer_run >"$out/torch.txt"
go test ./rnn -run '^$' -bench '^Benchmark(MemoryStream|SgemmPeak|ProjectionGemv|ProjectionGemvUnsplit|ProjectionGemvOpenBLAS|ProjectionFused3|GreedyDecode|GreedyDecodeUnsplit|GreedyDecodeSplit|GreedyDecodeFused|BeamDecode|BeamDecodeOneGoroutine|BeamDecodeUnfused|TrainStep|Synced600)$' \
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
def rate(key):
    # median MB/s of a benchmark that sets bytes
    r = [float(m.group(1)) for m in re.finditer(r"^Benchmark%s-\d+\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s" % key, gotxt, re.M)]
    return statistics.median(r) if r else float("nan")
# The floors. Decoding streams, a step, the 10000x512 projection and the
# LSTM's two 2048x512 matrices (28.9 MB), 20 steps a sequence; a fused beam
# step streams the same. At the rate this machine streams the projection
# over and over (the best ProjectionGemv* or ProjectionFused3 rate, where
# much of it may stay in the last-level cache) that is the floor; the
# memory floor uses MemoryStream's rate over 256 MB. Training's floor is its
# ~28 GFLOP at SgemmPeak's rate.
step_bytes = 4 * (10000 * 512 + 2 * 2048 * 512)
seq_mb = 20 * step_bytes / 1e6
cached = max(rate(k) for k in ("ProjectionGemv", "ProjectionGemvUnsplit", "ProjectionGemvOpenBLAS", "ProjectionFused3"))
dram = rate("MemoryStream")
gflops = rate("SgemmPeak")
train_gflop = 3 * 2 * 640 * 512 * 10000 / 1e9 + 3 * 2 * 640 * 512 * 2048 * 2 / 1e9
floors = {"GreedyDecode": seq_mb / cached * 1e3, "BeamDecode": seq_mb / cached * 1e3,
          "TrainStep": train_gflop / gflops * 1e3}
rows = [
    ("BenchmarkGreedyDecode", "GreedyDecode", "(i) greedy", "greedy b1, 20 steps, 10k projection (OpenBLAS Sgemv, the default)", "ms/seq"),
    ("BenchmarkGreedyDecodeUnsplit", "GreedyDecodeUnsplit", "(i) greedy", "same, gonum Sgemv on one goroutine", "ms/seq"),
    ("BenchmarkGreedyDecodeSplit", "GreedyDecodeSplit", "(i) greedy", "same, gonum Sgemv split over two goroutines", "ms/seq"),
    ("BenchmarkGreedyDecodeFused", "GreedyDecodeFused", "(i) greedy", "same, the fused kernel split over two goroutines", "ms/seq"),
    ("BenchmarkBeamDecode", "BeamDecode", "(ii) beam", "beam 3, 20 steps (fused kernel, split over two goroutines: the default)", "ms/seq"),
    ("BenchmarkBeamDecodeOneGoroutine", "BeamDecodeOneGoroutine", "(ii) beam", "same, fused kernel on one goroutine", "ms/seq"),
    ("BenchmarkBeamDecodeUnfused", "BeamDecodeUnfused", "(ii) beam", "same, one OpenBLAS Sgemv a beam (before the fused kernel)", "ms/seq"),
    ("BenchmarkTrainStep", "TrainStep", "(iii) train", "b32 x T20, emb+LSTM+proj+CE+Adam", "ms/step"),
    ("BenchmarkSynced600", "Synced600", "(iv) synced", "LSTM 512->256, T600, 20 labels", "ms/seq"),
]
print("| benchmark | case | PyTorch before / after | Go median | Go / PyTorch (mean of both) | floor | Go / floor |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, key, tkey, case, unit in rows:
    if key not in gm:
        continue
    t, g = tmed(tkey), statistics.median(gm[key])
    t1, t2 = tmed1(torch, tkey), tmed1(torch2, tkey)
    base = key.replace("OneGoroutine", "").replace("Unfused", "").replace("Fused", "").replace("Unsplit", "").replace("Split", "")
    fl = floors.get(base)
    fls = f"{fl:.1f} {unit}" if fl else "-"
    flr = f"{g/fl:.2f}" if fl else "-"
    print(f"| {name} | {case} | {t1:.1f} / {t2:.1f} {unit} | {g:.1f} {unit} | {g/t:.2f} | {fls} | {flr} |")
print()
print(f"Floors: decoding streams {step_bytes/1e6:.1f} MB a step, {seq_mb:.0f} MB a sequence; this machine streamed the projection at {cached/1000:.1f} GB/s (best of the Projection* benchmarks) and 256 MB at {dram/1000:.1f} GB/s (MemoryStream; decoding's memory floor would be {seq_mb/dram*1e3:.1f} ms/seq); OpenBLAS multiplied at {gflops:.1f} GFLOP/s (SgemmPeak), so the training step's {train_gflop:.1f} GFLOP of products take at least {train_gflop/gflops*1e3:.0f} ms.")
print()
print("PyTorch raw (before Go):"); print("\n".join(l for l in torch.splitlines() if l.startswith("|") or "torch" in l))
print("PyTorch raw (after Go):"); print("\n".join(l for l in torch2.splitlines() if l.startswith("|")))
print("Go raw:"); print("\n".join(l for l in gotxt.splitlines() if l.startswith("Benchmark")))
for key in ("ProjectionGemv", "ProjectionGemvUnsplit", "ProjectionGemvOpenBLAS", "ProjectionFused3", "MemoryStream"):
    rates = [float(m.group(1)) for m in re.finditer(r"^Benchmark%s-\d+\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s" % key, gotxt, re.M)]
    if rates:
        print(f"{key}: median {statistics.median(rates)/1000:.1f} GB/s")
PY
