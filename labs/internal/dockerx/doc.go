// Package dockerx is what the container parts of the labs share about the
// Docker engine: connecting to the same engine testcontainers uses (so that
// a Postgres container and the replicas meet), a one-line error when no
// engine answers, and an image pull that fails in seconds when no registry
// is reachable instead of retrying for minutes.
package dockerx
