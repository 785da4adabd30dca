package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Workload is either a stream of CI jobs (the pod template comes from a
// gitlab-runner config.toml or a Pod) or a Deployment that runs all along.
// Exactly one of RunnerConfig, RunnerConfigFile, Pod, PodFile, Deployment
// and DeploymentFile is set.
type Workload struct {
	// Name identifies the workload in results.
	Name string `json:"name"`
	// IntendedPools are where this workload is meant to run; a pod placed on
	// any other pool is counted as on the wrong pool. Empty means anywhere.
	IntendedPools []string `json:"intendedPools,omitempty"`

	// RunnerConfig is a gitlab-runner config.toml, inline; RunnerConfigFile
	// reads one. Job pods are built from its first [[runners]] entry.
	RunnerConfig     string `json:"runnerConfig,omitempty"`
	RunnerConfigFile string `json:"runnerConfigFile,omitempty"`
	// Pod is a job pod template, inline; PodFile reads one.
	Pod     *corev1.Pod `json:"pod,omitempty"`
	PodFile string      `json:"podFile,omitempty"`
	// Jobs describes the job stream; required with a runner config or pod.
	Jobs *Jobs `json:"jobs,omitempty"`

	// Deployment is a long-running workload, inline; DeploymentFile reads one.
	Deployment     *appsv1.Deployment `json:"deployment,omitempty"`
	DeploymentFile string             `json:"deploymentFile,omitempty"`
	// RolloutEvery, for a Deployment, replaces its pods that often (a
	// release, `kubectl rollout restart`), first at RolloutAt (defaults to
	// RolloutEvery). Each rollout schedules the pods afresh.
	RolloutEvery *metav1.Duration `json:"rolloutEvery,omitempty"`
	RolloutAt    *metav1.Duration `json:"rolloutAt,omitempty"`

	pod      *corev1.Pod
	replicas int
	runner   *RunnerSettings
}

// Jobs is a stream of CI jobs.
type Jobs struct {
	// Arrivals is the arrival process.
	Arrivals Arrivals `json:"arrivals"`
	// Duration is the job run time distribution.
	Duration Duration `json:"duration"`
	// Trace, when set, replaces Arrivals and Duration: these jobs, in
	// order of arrival, and no others. Job n (from 1) is Trace[n-1].
	Trace []TracedJob `json:"trace,omitempty"`
	// Retry is GitLab's retry keyword: an integer (max, any failure) or
	// {max, when}. Absent means no retry.
	Retry *Retry `json:"retry,omitempty"`
	// Concurrent overrides the runner's concurrent limit; 0 means none.
	// Defaults to the config.toml's, or no limit for a Pod template.
	Concurrent *int `json:"concurrent,omitempty"`
	// PollTimeout overrides the runner's poll_timeout; 0 waits forever.
	// Defaults to the config.toml's (180s if unset there), or forever for a Pod template.
	PollTimeout *metav1.Duration `json:"pollTimeout,omitempty"`
	// PreemptionMisreported is the share (0 to 1) of job attempts killed by
	// a preemption that gitlab-runner reports as script_failure instead of
	// runner_system_failure, as older runners did (docs/labs/preemptible.md,
	// "Retry"): `retry: when: runner_system_failure` then does not retry
	// them. Defaults to 0, a current runner.
	PreemptionMisreported float64 `json:"preemptionMisreported,omitempty"`
}

// TracedJob is one job of a recorded stream: when it arrives and how long
// it runs.
type TracedJob struct {
	At       metav1.Duration `json:"at"`
	Duration metav1.Duration `json:"duration"`
}

// Arrivals is a Poisson process, optionally thinned to working hours.
type Arrivals struct {
	// PerHour is the arrival rate (during working hours with a profile).
	PerHour float64 `json:"perHour"`
	// Profile is "" (constant) or "working-day".
	Profile string `json:"profile,omitempty"`
	// WorkdayStart and WorkdayEnd bound working hours. Default 8h and 18h.
	WorkdayStart *metav1.Duration `json:"workdayStart,omitempty"`
	WorkdayEnd   *metav1.Duration `json:"workdayEnd,omitempty"`
	// OffPeakFactor scales the rate outside working hours and at weekends.
	// Defaults to 0.05.
	OffPeakFactor *float64 `json:"offPeakFactor,omitempty"`
}

// Duration is a job duration distribution.
type Duration struct {
	// Distribution is exponential or lognormal.
	Distribution string `json:"distribution"`
	// Mean is the mean duration.
	Mean metav1.Duration `json:"mean"`
	// Sigma is the lognormal shape (standard deviation of the log).
	Sigma float64 `json:"sigma,omitempty"`
}

// PodTemplate is the pod every pod of a loaded workload is made from: a
// job pod as gitlab-runner builds it from config.toml, or a Deployment's
// pod template. The caller gets a copy.
func (w *Workload) PodTemplate() *corev1.Pod { return w.pod.DeepCopy() }

// Replicas is a loaded Deployment workload's replica count (0 for jobs).
func (w *Workload) Replicas() int { return w.replicas }

// resolve builds the workload's pod template from whichever source it names
// and checks what goes with that source: a job stream for job pods, a
// rollout schedule for a Deployment.
func (w *Workload) resolve(readFile func(string) ([]byte, error), pools map[string]bool) error {
	if w.Name == "" {
		return errors.New("name is required")
	}
	for _, p := range w.IntendedPools {
		if !pools[p] {
			return fmt.Errorf("intendedPools: no pool %q", p)
		}
	}
	n := 0
	for _, set := range []bool{w.RunnerConfig != "", w.RunnerConfigFile != "", w.Pod != nil, w.PodFile != "", w.Deployment != nil, w.DeploymentFile != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New("set exactly one of runnerConfig, runnerConfigFile, pod, podFile, deployment, deploymentFile")
	}
	if w.Deployment != nil || w.DeploymentFile != "" {
		return w.resolveDeployment(readFile)
	}
	if err := w.resolveJobPod(readFile); err != nil {
		return err
	}
	if w.RolloutEvery != nil || w.RolloutAt != nil {
		return errors.New("rolloutEvery is for Deployments")
	}
	if w.Jobs == nil {
		return errors.New("jobs (arrivals, duration) is required with a runner config or pod")
	}
	return w.Jobs.validate()
}

// resolveJobPod builds the job pod from a runner config.toml or a Pod.
func (w *Workload) resolveJobPod(readFile func(string) ([]byte, error)) error {
	switch {
	case w.RunnerConfig != "" || w.RunnerConfigFile != "":
		data := []byte(w.RunnerConfig)
		if w.RunnerConfigFile != "" {
			var err error
			if data, err = readFile(w.RunnerConfigFile); err != nil {
				return fmt.Errorf("runnerConfigFile: %w", err)
			}
		}
		rs, err := ParseRunnerConfig(data)
		if err != nil {
			return err
		}
		w.runner = rs
		w.pod = rs.Pod
	case w.Pod != nil:
		w.pod = w.Pod.DeepCopy()
	default:
		data, err := readFile(w.PodFile)
		if err != nil {
			return fmt.Errorf("podFile: %w", err)
		}
		if w.pod, err = decodeAs[*corev1.Pod](data, "Pod"); err != nil {
			return fmt.Errorf("podFile %s: %w", w.PodFile, err)
		}
	}
	return nil
}

// resolveDeployment takes the replica pod and count from a Deployment and
// checks its rollout schedule.
func (w *Workload) resolveDeployment(readFile func(string) ([]byte, error)) error {
	d := w.Deployment
	if w.DeploymentFile != "" {
		data, err := readFile(w.DeploymentFile)
		if err != nil {
			return fmt.Errorf("deploymentFile: %w", err)
		}
		if d, err = decodeAs[*appsv1.Deployment](data, "Deployment"); err != nil {
			return fmt.Errorf("deploymentFile %s: %w", w.DeploymentFile, err)
		}
	}
	w.replicas = 1 // the API server's default
	if d.Spec.Replicas != nil {
		w.replicas = int(*d.Spec.Replicas)
	}
	w.pod = &corev1.Pod{ObjectMeta: d.Spec.Template.ObjectMeta, Spec: d.Spec.Template.Spec}
	if w.pod.Name == "" {
		w.pod.Name = d.Name
	}
	if w.Jobs != nil {
		return errors.New("a Deployment runs all along: remove jobs")
	}
	if w.RolloutEvery == nil {
		if w.RolloutAt != nil {
			return errors.New("rolloutAt needs rolloutEvery")
		}
		return nil
	}
	if w.RolloutEvery.Duration <= 0 {
		return errors.New("rolloutEvery must be positive")
	}
	if w.RolloutAt == nil {
		w.RolloutAt = &metav1.Duration{Duration: w.RolloutEvery.Duration}
	}
	if w.RolloutAt.Duration < 0 {
		return errors.New("rolloutAt must be >= 0")
	}
	return nil
}

func (j *Jobs) validate() error {
	if len(j.Trace) > 0 {
		return j.validateTrace()
	}
	if err := j.validateDistributions(); err != nil {
		return err
	}
	return j.validateRunner()
}

// validateTrace checks a recorded stream: arrivals in order, durations
// positive, and no distributions besides.
func (j *Jobs) validateTrace() error {
	if j.Arrivals != (Arrivals{}) || j.Duration != (Duration{}) {
		return errors.New("jobs: set trace or arrivals and duration, not both")
	}
	for i, tj := range j.Trace {
		if tj.Duration.Duration <= 0 || tj.At.Duration < 0 || (i > 0 && tj.At.Duration < j.Trace[i-1].At.Duration) {
			return fmt.Errorf("jobs.trace[%d]: want at >= the previous job's and duration > 0", i)
		}
	}
	return j.validateRunner()
}

func (j *Jobs) validateDistributions() error {
	a := &j.Arrivals
	if a.PerHour <= 0 || math.IsInf(a.PerHour, 0) || math.IsNaN(a.PerHour) {
		return errors.New("jobs.arrivals.perHour must be positive")
	}
	switch a.Profile {
	case "", "constant":
	case "working-day":
		if a.WorkdayStart == nil {
			a.WorkdayStart = &metav1.Duration{Duration: 8 * time.Hour}
		}
		if a.WorkdayEnd == nil {
			a.WorkdayEnd = &metav1.Duration{Duration: 18 * time.Hour}
		}
		if a.OffPeakFactor == nil {
			f := 0.05
			a.OffPeakFactor = &f
		}
		if s, e := a.WorkdayStart.Duration, a.WorkdayEnd.Duration; s < 0 || e > 24*time.Hour || s >= e {
			return errors.New("jobs.arrivals: want 0 <= workdayStart < workdayEnd <= 24h")
		}
		if f := *a.OffPeakFactor; f < 0 || f > 1 {
			return errors.New("jobs.arrivals.offPeakFactor must be in [0, 1]")
		}
	default:
		return fmt.Errorf("jobs.arrivals.profile %q: want constant or working-day", a.Profile)
	}
	d := &j.Duration
	if d.Mean.Duration <= 0 {
		return errors.New("jobs.duration.mean must be positive")
	}
	switch d.Distribution {
	case "exponential":
	case "lognormal":
		if d.Sigma <= 0 {
			return errors.New("jobs.duration.sigma must be positive for lognormal")
		}
	default:
		return fmt.Errorf("jobs.duration.distribution %q: want exponential or lognormal", d.Distribution)
	}
	return nil
}

// validateRunner checks what gitlab-runner and GitLab do with the jobs.
func (j *Jobs) validateRunner() error {
	if r := j.Retry; r != nil {
		if r.Max < 0 || r.Max > 2 {
			return fmt.Errorf("jobs.retry.max %d: GitLab allows 0, 1 or 2", r.Max)
		}
		for _, w := range r.When {
			if !slices.Contains(gitlabRetryWhen, w) {
				return fmt.Errorf("jobs.retry.when %q: not a GitLab failure reason", w)
			}
		}
	}
	if j.Concurrent != nil && *j.Concurrent < 0 {
		return errors.New("jobs.concurrent must be >= 0")
	}
	if j.PollTimeout != nil && j.PollTimeout.Duration < 0 {
		return errors.New("jobs.pollTimeout must be >= 0")
	}
	if m := j.PreemptionMisreported; m < 0 || m > 1 || math.IsNaN(m) {
		return errors.New("jobs.preemptionMisreported must be in [0, 1]")
	}
	return nil
}
