package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Deployment is a set of identical replicas, each a pod: init containers run
// one after the other to completion, then the main container runs and is
// restarted whenever it exits (restartPolicy Always).
type Deployment struct {
	// Name prefixes each replica's name: NAME-0, NAME-1, ...
	Name string
	// Replicas is how many pods run. Must be at least 1.
	Replicas int
	// InitContainers run in order before Container; a failing one is
	// restarted with back-off, as the kubelet does.
	InitContainers []Container
	// Container is the long-running main container.
	Container Container
}

// Container is one program in a pod.
type Container struct {
	// Name identifies the container in events ("migrate", "app").
	Name string
	// Image names the program's package: "demoapp", "runonce". A runtime maps
	// it to something runnable; all images of a spec share one PATH, as a
	// real image that bundles runonce with the app would.
	Image string
	// Command is the argv; Command[0] is looked up on the image's PATH.
	Command []string
	// Env is set in order. A value may refer to earlier variables, and to
	// POD_NAME and PORT that every runtime sets, as $(NAME) — the
	// Kubernetes dependent-variable syntax.
	Env []EnvVar
	// Port is the port the program listens on (containerPort). A runtime
	// that cannot give every replica the same port (process) sets PORT to
	// the one it chose; programs should listen on $PORT.
	Port int
	// Readiness, when set, is polled after start; the first success makes
	// the replica ready.
	Readiness *HTTPProbe
}

// EnvVar is one environment variable.
type EnvVar struct {
	Name, Value string
}

// HTTPProbe is an HTTP GET on the container's Port that succeeds on 2xx.
type HTTPProbe struct {
	Path string
}

// PodName is the name of replica i of d, the same on every runtime.
func (d Deployment) PodName(i int) string { return fmt.Sprintf("%s-%d", d.Name, i) }

var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate reports what a runtime could not run.
func (d Deployment) Validate() error {
	var errs []error
	if !nameRE.MatchString(d.Name) {
		errs = append(errs, fmt.Errorf("deployment name %q: want lowercase letters, digits and '-' (a DNS label)", d.Name))
	}
	if d.Replicas < 1 {
		errs = append(errs, fmt.Errorf("deployment %s: replicas = %d, want at least 1", d.Name, d.Replicas))
	}
	seen := map[string]bool{}
	for _, c := range append(append([]Container(nil), d.InitContainers...), d.Container) {
		if c.Name == "" || seen[c.Name] {
			errs = append(errs, fmt.Errorf("deployment %s: container name %q empty or repeated", d.Name, c.Name))
		}
		seen[c.Name] = true
		if len(c.Command) == 0 || c.Command[0] == "" {
			errs = append(errs, fmt.Errorf("deployment %s: container %s has no command", d.Name, c.Name))
		}
		if c.Readiness != nil && c.Port == 0 {
			errs = append(errs, fmt.Errorf("deployment %s: container %s has a readiness probe but no port", d.Name, c.Name))
		}
	}
	return errors.Join(errs...)
}

var refRE = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// ExpandEnv resolves $(NAME) references in env against base and the
// variables before it, as Kubernetes does; an unknown reference stays as
// written. It returns base followed by env, later names overriding earlier.
func ExpandEnv(base, env []EnvVar) []EnvVar {
	vals := map[string]string{}
	out := make([]EnvVar, 0, len(base)+len(env))
	idx := map[string]int{}
	add := func(v EnvVar) {
		vals[v.Name] = v.Value
		if i, ok := idx[v.Name]; ok {
			out[i] = v
			return
		}
		idx[v.Name] = len(out)
		out = append(out, v)
	}
	for _, v := range base {
		add(v)
	}
	for _, v := range env {
		v.Value = refRE.ReplaceAllStringFunc(v.Value, func(m string) string {
			name := strings.TrimSuffix(strings.TrimPrefix(m, "$("), ")")
			if val, ok := vals[name]; ok {
				return val
			}
			return m
		})
		add(v)
	}
	return out
}
