package kubernetes

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

// fatalWaiting are the reasons a container waits that no restart cures: the
// image is not in the node (and must not be pulled), or the pod's own
// configuration is wrong. A pod waiting for one of them gives up at once.
var fatalWaiting = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true,
	"CreateContainerConfigError": true, "CreateContainerError": true,
}

// PodTracker turns the successive states of one pod, as the API server
// reports them, into the runtime events the other runtimes report: started
// and restarted containers, init containers done, crashes with their exit
// codes, readiness, and giving up. It is a pure function of the pod objects
// it is fed (and the times it is given), so it is tested from recorded pod
// objects.
//
// A watch may skip states (the kubelet coalesces status updates), so the
// tracker reasons from restart counts: attempts it never saw end are
// reported from the container's last termination state, or with exit code
// -1 when even that is gone.
type PodTracker struct {
	pod         pods.Pod
	maxRestarts int

	containers map[string]*attempts
	readyAt    int // the main container's attempt that was last reported ready, -1 none
	gaveUp     bool
}

type attempts struct {
	started, ended int // last attempt reported started, ended; -1 none
}

// NewPodTracker tracks the pod of replica index. A pod gives up once it has
// been restarted maxRestarts times and waits in CrashLoopBackOff, as the
// other runtimes' pods give up after MaxRestarts restarts.
func NewPodTracker(index int, maxRestarts int) *PodTracker {
	return &PodTracker{pod: pods.Pod{Index: index}, maxRestarts: maxRestarts, containers: map[string]*attempts{}, readyAt: -1}
}

// Update returns the events that p's state implies since the last update;
// now stamps them (the lab's clock, the one the release was taken on:
// Kubernetes' own times have whole seconds only).
func (t *PodTracker) Update(p *corev1.Pod, now time.Time) []runtimes.Event {
	t.pod.Name = p.Name
	if t.gaveUp {
		// The other runtimes stop a pod that gave up; the kubelet restarts
		// it after its back-off until the lab deletes the Deployment. What
		// it does then is not the replica's story.
		return nil
	}
	var out []runtimes.Event
	emit := func(e runtimes.Event) {
		e.Time = now
		out = append(out, e)
	}
	restarts := 0
	for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		restarts += int(cs.RestartCount)
	}
	byName := func(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
		return nil
	}
	for _, c := range p.Spec.InitContainers {
		if cs := byName(p.Status.InitContainerStatuses, c.Name); cs != nil {
			t.container(cs, true, restarts, emit)
		}
	}
	var main *corev1.ContainerStatus
	if len(p.Spec.Containers) > 0 {
		main = byName(p.Status.ContainerStatuses, p.Spec.Containers[0].Name)
		if main != nil {
			t.container(main, false, restarts, emit)
		}
	}
	// Ready is a readiness probe's success, as on the other runtimes: a
	// container without one is Ready in Kubernetes as soon as it runs, even
	// one about to crash.
	if main != nil && p.Spec.Containers[0].ReadinessProbe != nil && podReady(p) && t.readyAt != int(main.RestartCount) {
		t.readyAt = int(main.RestartCount)
		emit(t.pod.Event(runtimes.Ready, pods.Attempt{Container: spec.Container{Name: main.Name}, N: t.readyAt}))
	}
	return out
}

// container reports what happened to one container since the last update.
func (t *PodTracker) container(cs *corev1.ContainerStatus, init bool, restarts int, emit func(runtimes.Event)) {
	tr := t.containers[cs.Name]
	if tr == nil {
		tr = &attempts{started: -1, ended: -1}
		t.containers[cs.Name] = tr
	}
	rc := int(cs.RestartCount)
	// The pod's restarts before attempt n of this container: the other
	// containers' and this one's first n.
	others := restarts - rc
	attempt := func(n int) pods.Attempt {
		return pods.Attempt{Container: spec.Container{Name: cs.Name}, Init: init, N: n, Restarts: others + n}
	}
	start := func(n int) {
		if n > tr.started {
			emit(t.pod.StartEvent(attempt(n), time.Time{}))
			tr.started = n
		}
	}
	end := func(n int, term *corev1.ContainerStateTerminated) {
		if n <= tr.ended {
			return
		}
		a := attempt(n)
		tr.ended = n
		if term == nil {
			e := t.pod.Event(runtimes.Crashed, a)
			e.ExitCode, e.Detail = -1, "ended between two looks at the pod"
			emit(e)
			return
		}
		if init && term.ExitCode == 0 {
			emit(t.pod.Event(runtimes.InitDone, a))
			return
		}
		// The main container is meant to run until stopped: any exit is a
		// crash, as on the other runtimes.
		e := t.pod.Event(runtimes.Crashed, a)
		e.ExitCode, e.Detail = int(term.ExitCode), terminationReason(term)
		emit(e)
	}
	// Attempts before the current one that ended unseen.
	for n := tr.ended + 1; n < rc; n++ {
		start(n)
		var term *corev1.ContainerStateTerminated
		if n == rc-1 {
			term = cs.LastTerminationState.Terminated
		}
		end(n, term)
	}
	// The current attempt.
	if cs.State.Running != nil || cs.State.Terminated != nil {
		start(rc)
	}
	if cs.State.Terminated != nil {
		end(rc, cs.State.Terminated)
	}
	if w := cs.State.Waiting; w != nil && !t.gaveUp {
		switch {
		case fatalWaiting[w.Reason]:
			t.gaveUp = true
			emit(runtimes.Event{Replica: t.pod.Index, Pod: t.pod.Name, Kind: runtimes.GaveUp, Container: cs.Name, Init: init,
				Detail: strings.TrimSpace(w.Reason + ": " + firstLine(w.Message))})
		case w.Reason == "CrashLoopBackOff" && restarts >= t.maxRestarts:
			t.gaveUp = true
			emit(runtimes.Event{Replica: t.pod.Index, Pod: t.pod.Name, Kind: runtimes.GaveUp, Container: cs.Name, Init: init,
				Detail: fmt.Sprintf("CrashLoopBackOff after %d restarts", restarts)})
		}
	}
}

// terminationReason is the message the container left (the tail of its log
// under terminationMessagePolicy FallbackToLogsOnError), else the kubelet's
// reason ("Error", "OOMKilled").
func terminationReason(term *corev1.ContainerStateTerminated) string {
	msg := strings.TrimSpace(term.Message)
	if msg != "" {
		lines := strings.Split(msg, "\n")
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return term.Reason
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
