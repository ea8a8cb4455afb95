# syntax=docker/dockerfile:1
# Multi-stage build: a static imgmirror binary on a minimal non-root image
# with CA certificates. scripts/test.sh builds the same binary with the same
# flags (there is no Docker engine in CI) and checks it is static.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/imgmirror ./cmd/imgmirror

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/imgmirror /usr/local/bin/imgmirror
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["imgmirror"]
