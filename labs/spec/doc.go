// Package spec describes a Deployment the way Kubernetes does, reduced to what
// the labs need: a name, a replica count, init containers that must succeed
// before the main container starts, the main container with its readiness
// probe, and environment variables.
//
// A spec says nothing about how a replica runs. The same [Deployment] is run
// by every lab runtime: as local processes (labs/runtimes/process), as Docker
// containers (labs/runtimes/docker) or as an apps/v1 Deployment on a kind
// cluster (labs/runtimes/kind). So a container names
// its program by image and argv, never by a path on this machine; a runtime
// maps an image to whatever it runs (a binary folder, a container image).
package spec
