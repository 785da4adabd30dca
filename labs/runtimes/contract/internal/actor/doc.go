// Package actor is the program the runtime contract deploys: one binary
// that plays each behaviour a scenario needs, the same on every runtime (a
// local process, a container of a scratch image, a pod).
package actor
