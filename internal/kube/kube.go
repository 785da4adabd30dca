package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// NodeReady reports whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// SchedulerReason is kube-scheduler's own message for a pod it could not
// place (its PodScheduled condition, "Unschedulable: 0/3 nodes are
// available: ..."), without the sentence it appends about preempting
// lower-priority pods, which says nothing about placement; "" until the
// scheduler has tried.
func SchedulerReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			msg := c.Message
			if i := strings.Index(msg, " preemption:"); i >= 0 {
				msg = msg[:i]
			}
			return strings.Join(slices.DeleteFunc([]string{c.Reason, strings.TrimSpace(msg)},
				func(s string) bool { return s == "" }), ": ")
		}
	}
	return ""
}

// Poll calls cond at once and then every period until it reports done with
// no error, ctx ends or timeout passes. An error from cond does not stop the
// wait, and done together with an error is not done: the answer could not
// be read. When the wait ends unanswered, the error names what, and
// includes cond's last error and ctx's.
func Poll(ctx context.Context, timeout, every time.Duration, what string, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		done, err := cond(ctx)
		if done && err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && err == nil {
				return fmt.Errorf("%s: not within %s", what, timeout)
			}
			return fmt.Errorf("%s: %w", what, errors.Join(err, ctx.Err()))
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
