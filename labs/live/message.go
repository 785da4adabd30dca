package live

import (
	"cmp"
	"slices"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/report"
)

// MessageType says what a [Message] is about.
type MessageType string

// Message types, in the order a run produces them.
const (
	// TypeLab starts a run: Lab and Mode.
	TypeLab MessageType = "lab"
	// The per-deployment types are [engine.UpdateKind]'s.
	TypeDeploying MessageType = MessageType(engine.Deploying)
	TypeReleased  MessageType = MessageType(engine.Released)
	TypeEvent     MessageType = MessageType(engine.ReplicaEvent)
	TypeDeployed  MessageType = MessageType(engine.Deployed)
	// TypeEnd ends a run: Result is the lab's result (a report.Result or
	// report.Comparison), Error what went wrong when it did not run.
	TypeEnd MessageType = "end"
)

// Modes of the page.
const (
	ModeLive   = "live"
	ModeReplay = "replay"
)

// Message is what the page is sent, as JSON.
type Message struct {
	// Seq numbers the run's messages from 0; it is the event stream's id.
	Seq  int         `json:"seq"`
	Type MessageType `json:"type"`
	Lab  string      `json:"lab,omitempty"`
	Mode string      `json:"mode,omitempty"`
	// Run is the deployment the message is about.
	Run int `json:"run"`
	// Time is when it happened, in milliseconds since the Unix epoch (live
	// only): the page measures event-to-screen latency from it.
	Time float64 `json:"time,omitempty"`
	// Sent is when the server published it, in the same unit: the page
	// tells the lab's delay (Time to Sent) from its own (Sent to drawn).
	Sent float64 `json:"sent,omitempty"`
	// At is, in a replay, when to show it: seconds from the first
	// deployment's release, the deployments one after another.
	At         float64        `json:"at,omitempty"`
	Deployment *report.Result `json:"deployment,omitempty"`
	Names      []string       `json:"names,omitempty"`
	Replica    int            `json:"replica"`
	Index      int            `json:"index"`
	Event      *report.Event  `json:"event,omitempty"`
	Result     any            `json:"result,omitempty"`
	// Table is a result the page draws as a table (the preemptible
	// simulator's), in the end message.
	Table *Table `json:"table,omitempty"`
	// Cluster is a cluster lab's event (TypeCluster).
	Cluster *ClusterEvent `json:"cluster,omitempty"`
	Error   string        `json:"error,omitempty"`
}

// fromUpdate is u as the page is sent it.
func fromUpdate(u engine.Update) Message {
	m := Message{Type: MessageType(u.Kind), Run: u.Run, Deployment: u.Deployment, Names: u.Names,
		Replica: u.Replica, Index: u.Index, Event: u.Event}
	if !u.Time.IsZero() {
		m.Time = float64(u.Time.UnixMicro()) / 1000
	}
	return m
}

// replayGap is the pause between two deployments of a replay, in seconds.
const replayGap = 1.0

// recorded are the messages a live run of v (a *report.Result or
// *report.Comparison) would have sent, events in time order, each with the
// instant to show it at.
func recorded(v any) []Message {
	var lab string
	var runs []report.Result
	switch r := v.(type) {
	case *report.Result:
		lab, runs = r.Lab, []report.Result{*r}
	case *report.Comparison:
		lab, runs = r.Lab, r.Runs
	}
	msgs := []Message{{Type: TypeLab, Lab: lab, Mode: ModeReplay}}
	offset := 0.0
	for n, run := range runs {
		msgs = append(msgs, recordedRun(n, run, offset)...)
		offset += run.Seconds + replayGap
	}
	last := offset - replayGap
	msgs = append(msgs, Message{Type: TypeEnd, At: max(last, 0), Result: v})
	for i := range msgs {
		msgs[i].Seq = i
	}
	return msgs
}

// recordedRun is one deployment's messages, shown from offset on.
func recordedRun(n int, run report.Result, offset float64) []Message {
	head := run
	head.ReplicaOutcomes, head.DBProblems, head.Verdict, head.Hang = nil, nil, "", ""
	names := make([]string, len(run.ReplicaOutcomes))
	var evs []Message
	for i, rep := range run.ReplicaOutcomes {
		names[i] = rep.Name
		for k := range rep.Events {
			e := rep.Events[k]
			evs = append(evs, Message{Type: TypeEvent, Run: n, Replica: i, Index: k, Event: &e, At: offset + e.At})
		}
	}
	// Stable: a replica's events keep their order at equal times.
	slices.SortStableFunc(evs, func(a, b Message) int { return cmp.Compare(a.At, b.At) })
	msgs := []Message{
		{Type: TypeDeploying, Run: n, Deployment: &head, Names: names, At: offset},
		{Type: TypeReleased, Run: n, At: offset},
	}
	msgs = append(msgs, evs...)
	return append(msgs, Message{Type: TypeDeployed, Run: n, Deployment: &run, At: offset + run.Seconds})
}
