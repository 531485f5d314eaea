package rnn

// gonum.org/v1/netlib declares the cblas symbols but does not say which library
// provides them; this links Debian's libopenblas-dev (scripts/setup.sh).

// #cgo LDFLAGS: -lopenblas
import "C"
