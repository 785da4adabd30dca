package kube_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/internal/kube"
)

// A condition that answers "done" while its read failed has not answered:
// Poll goes on until the read succeeds. (One of the two copies of poll that
// this package replaces returned on done whatever the error.)
func TestPollDoneWithAnErrorIsNotDone(t *testing.T) {
	t.Parallel()
	calls := 0
	err := kube.Poll(t.Context(), time.Minute, time.Millisecond, "answer", func(context.Context) (bool, error) {
		calls++
		if calls < 3 {
			return true, errors.New("the server is restarting")
		}
		return true, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Poll = %v after %d calls; want nil after 3 (two failed reads, then the answer)", err, calls)
	}
}

// A wait that ends unanswered says what it waited for, and the last error
// of the condition, if any.
func TestPollUnanswered(t *testing.T) {
	t.Parallel()
	read := errors.New("connection refused")
	for _, tc := range []struct {
		name    string
		err     error
		want    string
		wantErr error
	}{
		{"not yet", nil, "nodes Ready: not within 20ms", nil},
		{"failed reads", read, "nodes Ready: connection refused", read},
	} {
		err := kube.Poll(t.Context(), 20*time.Millisecond, time.Millisecond, "nodes Ready", func(context.Context) (bool, error) {
			return tc.err != nil, tc.err
		})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Poll = %v, want %q...", tc.name, err, tc.want)
		}
		if tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !errors.Is(err, context.DeadlineExceeded)) {
			t.Errorf("%s: Poll = %v, want it to wrap %v and the deadline", tc.name, err, tc.wantErr)
		}
	}
}

// Cancelling the caller's context ends the wait at once with
// context.Canceled, which the commands map to exit status 130.
func TestPollCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := kube.Poll(ctx, time.Hour, time.Millisecond, "pods", func(context.Context) (bool, error) {
		calls++
		if calls == 2 {
			cancel()
		}
		return false, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Poll = %v, want context.Canceled", err)
	}
}

func TestNodeReady(t *testing.T) {
	t.Parallel()
	node := func(conds ...corev1.NodeCondition) *corev1.Node {
		return &corev1.Node{Status: corev1.NodeStatus{Conditions: conds}}
	}
	for _, tc := range []struct {
		name string
		node *corev1.Node
		want bool
	}{
		{"no conditions yet", node(), false},
		{"ready", node(corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue}), true},
		{"kubelet silent", node(corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}), false},
		{"not ready", node(corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionFalse}), false},
	} {
		if got := kube.NodeReady(tc.node); got != tc.want {
			t.Errorf("%s: NodeReady = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSchedulerReason(t *testing.T) {
	t.Parallel()
	pod := func(conds ...corev1.PodCondition) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Conditions: conds}}
	}
	// kube-scheduler v1.37.2's words, as recorded from the local control plane.
	unschedulable := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
		Message: "0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint(s). " +
			"preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"not tried yet", pod(), ""},
		{"scheduled", pod(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}), ""},
		{"unschedulable", pod(unschedulable),
			"Unschedulable: 0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint(s)."},
		{"no reason", pod(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "waiting"}), "waiting"},
	} {
		if got := kube.SchedulerReason(tc.pod); got != tc.want {
			t.Errorf("%s: SchedulerReason = %q, want %q", tc.name, got, tc.want)
		}
	}
}
