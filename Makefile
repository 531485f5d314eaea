# Shorthands for the scripts; the scripts are the source of truth.
.PHONY: demo test build
build:
	go build -o bin/captioner ./cmd/captioner
demo:
	scripts/demo.sh
test:
	scripts/test.sh
