package engine

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes"
)

// recorder turns a runtime's events and the replicas' output lines into each
// replica's timeline and state. Its methods are safe for concurrent use.
type recorder struct {
	mu       sync.Mutex
	released time.Time
	reps     []*replicaState
	changed  chan struct{} // signalled (not closed) on every state change
	// tell, when set, is told each event as the result will have it, under
	// mu so that the order is the timeline's (see [Config.Observe]).
	tell func(Update)
}

type replicaState struct {
	name     string
	events   []runtimes.Event
	ready    bool
	readyAt  time.Time
	gaveUp   bool
	crashes  int
	restarts int
	// Per container attempt: the app's last error, the last stderr line,
	// and whether the demo app started migrating in it.
	lastErr, lastLine string
	appSpoke          bool
	skippedNow        bool
	current           runtimes.Event // the last Started/Restarted
	// dirty is the first index of events the current sink call added or
	// changed, for the observer.
	dirty int
}

func newRecorder(d int, name func(int) string) *recorder {
	r := &recorder{changed: make(chan struct{}, 1)}
	for i := range d {
		r.reps = append(r.reps, &replicaState{name: name(i)})
	}
	return r
}

func (r *recorder) sink(e runtimes.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}()
	if e.Kind == runtimes.Released {
		r.released = e.Time
		r.notify(Update{Kind: Released, Time: e.Time})
		return
	}
	if e.Replica < 0 || e.Replica >= len(r.reps) {
		return
	}
	s := r.reps[e.Replica]
	s.dirty = len(s.events)
	defer r.notifyEvents(e.Replica)
	if e.Pod != "" {
		// A runtime may name a replica's pod itself: on kind the
		// Deployment's pods are demo-7c9d8-x2x4q, and the database records
		// the step's runs under that name.
		s.name = e.Pod
	}
	switch e.Kind {
	case runtimes.Output:
		s.output(e)
		return
	case runtimes.Started, runtimes.Restarted:
		s.lastErr, s.lastLine, s.appSpoke, s.skippedNow = "", "", false, false
		s.current = e
		if e.Kind == runtimes.Restarted {
			s.restarts++
		}
	case runtimes.Crashed:
		s.crashes++
		reason := s.lastErr
		if reason == "" {
			reason = s.lastLine
		}
		if reason == "" {
			reason = e.Detail
		}
		e.Detail = cleanReason(reason)
	case runtimes.InitDone:
		// runonce exits 0 without running its command when the step has
		// already succeeded; the demo app, when it runs, always speaks.
		if !s.appSpoke && !s.skippedNow {
			s.events = append(s.events, derived(e, runtimes.Skipped, "init exit 0, step not run here"))
			s.skippedNow = true
			s.sizeWait(e.Time)
		}
	case runtimes.Ready:
		if s.ready {
			return
		}
		s.ready, s.readyAt = true, e.Time
	case runtimes.GaveUp:
		s.gaveUp = true
	}
	s.events = append(s.events, e)
}

func derived(from runtimes.Event, kind runtimes.EventKind, detail string) runtimes.Event {
	return runtimes.Event{Time: from.Time, Replica: from.Replica, Pod: from.Pod, Kind: kind,
		Container: from.Container, Init: from.Init, Attempt: from.Attempt, Detail: detail}
}

// sizeWait turns an open-ended "waited for the lock" of the current attempt
// into how long it lasted, now that the wait is over.
func (s *replicaState) sizeWait(end time.Time) {
	for i := len(s.events) - 1; i >= 0; i-- {
		e := &s.events[i]
		if e.Kind == runtimes.Started || e.Kind == runtimes.Restarted {
			return
		}
		if e.Kind == runtimes.Waited && e.Detail == "for the lock" {
			e.Detail = fmt.Sprintf("%.2fs for the lock", end.Sub(e.Time).Seconds())
			s.dirty = min(s.dirty, i)
			return
		}
	}
}

// output reads the demo app's event lines and, for display only, runonce's
// "waiting for lock": the verdict never depends on log text.
func (s *replicaState) output(e runtimes.Event) {
	line := e.Detail
	if name, attrs, ok := demoapp.ParseEvent(line); ok {
		s.appSpoke = true
		switch name {
		case demoapp.EventRan:
			s.events = append(s.events, derived(e, runtimes.Ran, attrs["step"]))
		case demoapp.EventMigrated:
			s.events = append(s.events, derived(e, runtimes.Migrated, "v"+attrs["versions"]))
		case demoapp.EventUpToDate:
			s.sizeWait(e.Time)
			s.events = append(s.events, derived(e, runtimes.Skipped, "schema up to date"))
			s.skippedNow = true
		case demoapp.EventWaited:
			s.events = append(s.events, derived(e, runtimes.Waited, attrs["seconds"]+"s"))
		case demoapp.EventError:
			s.lastErr = attrs["err"]
		case demoapp.EventCommandExited:
			if c := attrs["code"]; c != "0" {
				s.events = append(s.events, derived(e, runtimes.Failed, "command exit "+c+" ignored, as in the post"))
			}
		}
		return
	}
	if strings.Contains(line, `msg="waiting for lock"`) {
		s.events = append(s.events, derived(e, runtimes.Waited, "for the lock"))
		return
	}
	if e.Stream == "stderr" {
		s.lastLine = line
	}
}

var (
	sqlstateRE = regexp.MustCompile(`\s*\(SQLSTATE (\w+)\)`)
	spaceRE    = regexp.MustCompile(`\s+`)
)

// cleanReason shortens an error for a timeline: no "migrate: " prefix, no
// "ERROR: ", the SQLSTATE in brackets, at most 110 characters.
func cleanReason(s string) string {
	s = strings.TrimPrefix(s, "migrate: ")
	s = strings.ReplaceAll(s, "ERROR: ", "")
	s = sqlstateRE.ReplaceAllString(s, " ($1)")
	s = spaceRE.ReplaceAllString(strings.TrimSpace(s), " ")
	if r := []rune(s); len(r) > 110 {
		s = string(r[:107]) + "..."
	}
	return s
}

// settled reports whether every replica is ready or has given up.
func (r *recorder) settled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.reps {
		if !s.ready && !s.gaveUp {
			return false
		}
	}
	return true
}

// finish marks the replicas neither ready nor given up as hung at end.
func (r *recorder) finish(end time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, s := range r.reps {
		if s.ready || s.gaveUp {
			continue
		}
		where := "in " + s.current.Container
		if s.current.Init {
			where = "in init container " + s.current.Container
		}
		if s.current.Container == "" {
			where = "never started"
		}
		s.dirty = len(s.events)
		s.events = append(s.events, runtimes.Event{Time: end, Replica: i, Pod: s.name, Kind: "hung", Detail: where})
		r.notifyEvents(i)
	}
}

// notify tells the observer u, when there is one.
func (r *recorder) notify(u Update) {
	if r.tell != nil {
		r.tell(u)
	}
}

// notifyEvents tells the observer replica i's events from its dirty index
// on, each at its index in the result's timeline.
func (r *recorder) notifyEvents(i int) {
	if r.tell == nil {
		return
	}
	s := r.reps[i]
	idx := 0
	for k, e := range s.events {
		ev, ok := r.reportEvent(e)
		if !ok {
			continue
		}
		if k >= s.dirty {
			r.tell(Update{Kind: ReplicaEvent, Time: e.Time, Replica: i, Index: idx, Event: &ev})
		}
		idx++
	}
	s.dirty = len(s.events)
}

// reportEvent is e as a timeline has it; false for events a timeline
// leaves out (a container's first start, an output line).
func (r *recorder) reportEvent(e runtimes.Event) (report.Event, bool) {
	if e.Kind == runtimes.Started || e.Kind == runtimes.Output {
		return report.Event{}, false
	}
	ev := report.Event{At: r.since(e.Time), Kind: string(e.Kind), Container: e.Container, Init: e.Init, Detail: e.Detail}
	if e.Kind == runtimes.Crashed || e.Kind == runtimes.InitDone {
		c := e.ExitCode
		ev.ExitCode = &c
	}
	return ev, true
}

// replicas renders each replica's outcome; ranBy counts the step's runs per
// pod, from the database.
func (r *recorder) replicas(ranBy map[string]int) []report.Replica {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]report.Replica, 0, len(r.reps))
	for _, s := range r.reps {
		rep := report.Replica{Name: s.name, RanStep: ranBy[s.name], Restarts: s.restarts, Crashes: s.crashes, Ready: s.ready}
		switch {
		case s.ready && rep.RanStep > 0:
			rep.Outcome = report.Ran
		case s.ready:
			rep.Outcome = report.Skipped
		case s.gaveUp:
			rep.Outcome = report.Crashed
		default:
			rep.Outcome = report.Hung
		}
		if s.ready {
			sec := r.since(s.readyAt)
			rep.SecondsToReady = &sec
		}
		rep.Events = []report.Event{}
		for _, e := range s.events {
			if ev, ok := r.reportEvent(e); ok {
				rep.Events = append(rep.Events, ev)
			}
		}
		out = append(out, rep)
	}
	return out
}

// since is seconds from the release, rounded to milliseconds; events before
// it (a process that failed to start) count as 0.
func (r *recorder) since(t time.Time) float64 {
	if r.released.IsZero() || t.Before(r.released) {
		return 0
	}
	d := t.Sub(r.released).Round(time.Millisecond)
	return d.Seconds()
}
