# The fnbench container image, for fnbench distribute's Kubernetes pods
# (or any container runtime): one static binary on a distroless base that
# has CA certificates and nothing else: no shell, no package manager.
#
#   docker build -t REGISTRY/fnbench:TAG --build-arg VERSION=$(git describe --always) .
#   docker push REGISTRY/fnbench:TAG
#   fnbench distribute scenario.yaml --shards 8 --image REGISTRY/fnbench:TAG --upload s3://bucket/runs
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary, which the distroless static base needs.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/fnbench ./cmd/fnbench

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fnbench /fnbench
# The Job's pods run as this user (65532, "nonroot") with a read-only root
# file system; the run directory goes to an emptyDir at /work.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/fnbench"]
