# captioner in a container: build on Debian bookworm with Go, OpenCV's and OpenBLAS's
# headers, run on bookworm-slim with ffmpeg and only the shared libraries the
# binary links to.
#
#   docker build -t captioner .
#   docker run --rm -v "$PWD:/data" captioner probe /data/clip.mp4

FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopencv-dev libopenblas-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -o /out/captioner ./cmd/captioner \
 && scripts/runtime-packages.sh /out/captioner > /out/runtime-packages.txt

FROM debian:bookworm-slim
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg $(cat /tmp/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
COPY --from=build /out/captioner /usr/local/bin/captioner
WORKDIR /data
ENTRYPOINT ["captioner"]
CMD ["--help"]
