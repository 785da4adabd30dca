package engine

import (
	"time"

	"github.com/bloglabs/posts/labs/report"
)

// UpdateKind says what an [Update] is about.
type UpdateKind string

// Update kinds, in the order a deployment produces them.
const (
	// Deploying: a deployment starts; Deployment holds its header (lab,
	// title, strategy, replicas, ...) and Names its replicas' names.
	Deploying UpdateKind = "deploying"
	// Released: every replica was let go together; times count from here.
	Released UpdateKind = "released"
	// ReplicaEvent: Event is the Index-th event of Replica's timeline, as
	// the result's JSON will have it. An Index seen before replaces that
	// event (a wait for the lock gets its length once it is over).
	ReplicaEvent UpdateKind = "event"
	// Deployed: the deployment ended and the database was checked;
	// Deployment is its result (without the verdict for a Compare row).
	Deployed UpdateKind = "deployed"
)

// Update is one thing a lab did, told as it happens to [Config.Observe].
type Update struct {
	Kind UpdateKind
	// Run counts the lab's deployments from 0 (Compare has eight).
	Run int
	// Time is when it happened (for an event, the runtime's time).
	Time time.Time
	// Deployment is set for Deploying (the header) and Deployed (the
	// result).
	Deployment *report.Result
	// Names are the replicas' names, for Deploying.
	Names []string
	// Replica, Index and Event are set for ReplicaEvent.
	Replica int
	Index   int
	Event   *report.Event
}

// observe tells c.Observe, when set.
func (c Config) observe(u Update) {
	if c.Observe != nil {
		c.Observe(u)
	}
}
