package sim

import "math"

// rateFactor is the working-day profile: 1 in working hours on weekdays,
// the off-peak factor otherwise. Time 0 is a Monday 00:00.
func (t *tmpl) rateFactor(at float64) float64 {
	a := &t.jobs.Arrivals
	if a.Profile != "working-day" {
		return 1
	}
	day := int(at / 86400)
	tod := at - float64(day)*86400
	if day%7 < 5 && tod >= a.WorkdayStart.Seconds() && tod < a.WorkdayEnd.Seconds() {
		return 1
	}
	return *a.OffPeakFactor
}

// scheduleArrival draws the next arrival after `after` by thinning a Poisson
// process at the peak rate (Lewis and Shedler), or ends the stream.
func (e *engine) scheduleArrival(t *tmpl, after float64) {
	if tr := t.jobs.Trace; len(tr) > 0 {
		if t.next >= len(tr) || tr[t.next].At.Seconds() > e.horizon {
			e.activeArrivals--
			return
		}
		e.push(event{t: tr[t.next].At.Seconds(), kind: evArrival, tmpl: int32(t.idx)})
		return
	}
	at := after
	for {
		at += t.rng.ExpFloat64() / t.peakRate
		if at > e.horizon || (e.sc.MaxJobs > 0 && e.res.Jobs >= e.sc.MaxJobs) {
			if at <= e.horizon {
				e.maxJobsHit = true
			}
			e.activeArrivals--
			return
		}
		if f := t.rateFactor(at); f >= 1 || t.rng.Float64() < f {
			break
		}
	}
	e.push(event{t: at, kind: evArrival, tmpl: int32(t.idx)})
}

func (t *tmpl) sampleWork() float64 {
	if tr := t.jobs.Trace; len(tr) > 0 {
		t.next++
		return tr[t.next-1].Duration.Seconds()
	}
	d := &t.jobs.Duration
	mean := d.Mean.Seconds()
	if d.Distribution == "lognormal" {
		mu := math.Log(mean) - d.Sigma*d.Sigma/2 // so that the mean is mean
		return math.Exp(mu + d.Sigma*t.rng.NormFloat64())
	}
	return t.rng.ExpFloat64() * mean
}

func (e *engine) arrival(t *tmpl) {
	e.res.Jobs++
	t.st.Jobs++
	e.inFlight++
	e.submit(&pod{t: t, created: e.now, work: t.sampleWork(), attempt: 1, job: e.res.Jobs})
	e.scheduleArrival(t, e.now)
}

// submit hands a job attempt to the runner, which creates its pod unless it
// is at its concurrent limit.
func (e *engine) submit(p *pod) {
	t := p.t
	if t.concurrent > 0 && t.inRunner >= t.concurrent {
		p.state = podQueued
		t.gitlabQ.push(p)
		return
	}
	e.createPod(p)
}

func (e *engine) createPod(p *pod) {
	t := p.t
	p.state = podPending
	p.gen++
	t.pending.push(p)
	t.pendingN++
	e.pendingTotal++
	if t.isJob {
		t.inRunner++
		if t.pollTimeout > 0 {
			e.push(event{t: e.now + t.pollTimeout, kind: evPollTimeout, pod: p, gen: p.gen})
		}
		return
	}
	p.rslot = len(t.replicas)
	t.replicas = append(t.replicas, p)
}

// countReplicas integrates missing replicas over time (the Deployment's
// downtime), then applies delta to the running count.
func (e *engine) countReplicas(t *tmpl, delta int) {
	if missing := t.w.replicas - t.runningN; missing > 0 {
		t.st.DowntimeReplicaSeconds += float64(missing) * (e.now - t.lastCount)
	}
	t.lastCount = e.now
	t.runningN += delta
}

// replicaGone forgets a replica that was killed or replaced.
func (e *engine) replicaGone(p *pod) {
	t := p.t
	last := len(t.replicas) - 1
	t.replicas[p.rslot] = t.replicas[last]
	t.replicas[p.rslot].rslot = p.rslot
	t.replicas[last] = nil
	t.replicas = t.replicas[:last]
	p.state = podDone
	if p.old {
		p.old = false
		t.toReplace--
	}
}

// rollout starts a RollingUpdate with the defaults for a few replicas
// (maxSurge 25% rounded up = 1, maxUnavailable 25% rounded down = 0): one new
// pod at a time, an old one removed each time a new one runs. New pods are
// scheduled afresh, which is how Deployments drift onto whatever nodes they
// tolerate.
func (e *engine) rollout(t *tmpl) {
	for _, p := range t.replicas {
		if !p.old {
			p.old = true
			t.old.push(p)
			t.toReplace++
		}
	}
	if t.toReplace > 0 {
		e.createPod(&pod{t: t, created: e.now})
	}
	e.push(event{t: e.now + t.w.RolloutEvery.Seconds(), kind: evRollout, tmpl: int32(t.idx)})
}

// rolloutStep runs when a new replica starts: it retires one old replica
// and surges the next new one.
func (e *engine) rolloutStep(t *tmpl, started *pod) {
	if t.toReplace == 0 || started.old {
		return
	}
	old := t.old.peek(func(p *pod) bool { return p.old })
	if old == nil {
		return
	}
	t.old.pop()
	switch old.state {
	case podRunning:
		e.unbind(old)
	case podPending:
		e.dropPending(old)
	}
	e.replicaGone(old)
	if t.toReplace > 0 {
		e.createPod(&pod{t: t, created: e.now})
	}
}

func (e *engine) runnerSlotFreed(t *tmpl) {
	t.inRunner--
	if q := t.gitlabQ.peek(func(*pod) bool { return true }); q != nil {
		t.gitlabQ.pop()
		e.createPod(q)
	}
}

func (e *engine) podDone(p *pod) {
	t := p.t
	e.unbind(p)
	p.state = podDone
	e.res.Succeeded++
	t.st.Succeeded++
	e.jobOver()
	e.runnerSlotFreed(t)
}

func (e *engine) jobOver() {
	e.inFlight--
	e.res.Makespan = seconds(e.now)
}

// jobFailed applies GitLab's retry rule to a failed attempt.
func (e *engine) jobFailed(p *pod, reason string) {
	t := p.t
	e.res.FailedAttempts++
	p.state = podDone
	if t.retry.Retries(p.attempt, reason) {
		e.res.Retries++
		// GitLab creates a new job for the retry; it queues behind the others.
		e.submit(&pod{t: t, created: e.now, work: p.work, attempt: p.attempt + 1, job: p.job})
	} else {
		e.res.Lost++
		t.st.Lost++
		e.jobOver()
	}
	e.runnerSlotFreed(t)
}

func (e *engine) pollTimeout(p *pod) {
	e.dropPending(p)
	p.state = podCancelled
	e.res.Attempts++
	e.res.NeverScheduled++
	e.jobFailed(p, ReasonRunnerSystemFailure)
}
