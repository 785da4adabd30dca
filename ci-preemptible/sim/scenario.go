package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// ErrInvalidScenario is returned (wrapped) by ParseScenario, LoadScenario and
// Run when a scenario is malformed or inconsistent.
var ErrInvalidScenario = errors.New("invalid scenario")

// Scenario is one simulated setup. Load it from YAML with ParseScenario or
// LoadScenario; the field names below are the YAML keys.
type Scenario struct {
	// Name identifies the scenario in tables and JSON.
	Name string `json:"name"`
	// Title is a one-line human description. Defaults to Name.
	Title string `json:"title,omitempty"`
	// Description is free text for the reader of the YAML file.
	Description string `json:"description,omitempty"`
	// Seed makes a run reproducible. Defaults to 1.
	Seed uint64 `json:"seed,omitempty"`
	// Horizon is when job arrivals stop; running jobs then drain.
	Horizon metav1.Duration `json:"horizon"`
	// MaxJobs, if set, also stops arrivals after that many jobs.
	MaxJobs int `json:"maxJobs,omitempty"`
	// Drain bounds how long after Horizon the simulation waits for jobs
	// still queued or running; what is left then is reported as pending.
	// Defaults to 24h.
	Drain *metav1.Duration `json:"drain,omitempty"`
	// Currency labels costs. Defaults to USD.
	Currency string `json:"currency,omitempty"`
	// Scheduler chooses kube-scheduler's scoring strategy.
	Scheduler SchedulerConfig `json:"scheduler,omitempty"`
	// Pools are the node pools, in the order the autoscaler breaks price ties.
	Pools []Pool `json:"pools"`
	// Workloads are CI job streams and long-running Deployments.
	Workloads []Workload `json:"workloads"`

	// resolved at load time
	loaded bool
}

// SchedulerConfig mirrors the NodeResourcesFit scoring strategy.
type SchedulerConfig struct {
	// Scoring is LeastAllocated (kube-scheduler's default: spread) or
	// MostAllocated (bin-pack, as GKE's optimize-utilization profile).
	// Defaults to LeastAllocated.
	Scoring string `json:"scoring,omitempty"`
}

// ParseScenario decodes a scenario strictly (unknown or duplicate keys are
// errors) and resolves its file references through readFile, which is given
// the reference as written (nil forbids references). Defaults are applied
// and the whole scenario is validated, including every pod template against
// every pool with the scheduler's predicates.
func ParseScenario(data []byte, readFile func(name string) ([]byte, error)) (*Scenario, error) {
	var sc Scenario
	if err := yaml.UnmarshalStrict(data, &sc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidScenario, err)
	}
	if readFile == nil {
		readFile = func(name string) ([]byte, error) {
			return nil, fmt.Errorf("file references are not allowed here (%s)", name)
		}
	}
	if err := sc.resolve(readFile); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidScenario, sc.Name, err)
	}
	return &sc, nil
}

// LoadScenario reads a scenario from fsys; its file references are relative
// to the scenario's directory (../ is allowed within fsys).
func LoadScenario(fsys fs.FS, name string) (*Scenario, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	dir := path.Dir(name)
	sc, err := ParseScenario(data, func(ref string) ([]byte, error) {
		p := path.Clean(path.Join(dir, ref))
		if !fs.ValidPath(p) {
			return nil, fmt.Errorf("reference %q leaves the file system", ref)
		}
		return fs.ReadFile(fsys, p)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sc, nil
}

// LoadScenarioFile reads a scenario from disk; its file references are
// relative to the file's directory.
func LoadScenarioFile(file string) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	dir := filepath.Dir(file)
	sc, err := ParseScenario(data, func(ref string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(ref)))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return sc, nil
}

// strictDecoder decodes Kubernetes manifests the way `kubectl apply
// --validate=strict` would reject them: unknown and duplicate fields fail.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// DecodeObject decodes one Kubernetes manifest strictly with client-go's scheme.
func DecodeObject(data []byte) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	return obj, nil
}

func decodeAs[T runtime.Object](data []byte, kind string) (T, error) {
	var zero T
	obj, err := DecodeObject(data)
	if err != nil {
		return zero, err
	}
	t, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("want a %s, got %T", kind, obj)
	}
	return t, nil
}

func (sc *Scenario) resolve(readFile func(string) ([]byte, error)) error {
	if sc.Name == "" {
		return errors.New("name is required")
	}
	if sc.Title == "" {
		sc.Title = sc.Name
	}
	if sc.Seed == 0 {
		sc.Seed = 1
	}
	if sc.Currency == "" {
		sc.Currency = "USD"
	}
	if sc.Horizon.Duration <= 0 {
		return errors.New("horizon must be positive")
	}
	if sc.Drain == nil {
		sc.Drain = &metav1.Duration{Duration: 24 * time.Hour}
	}
	switch sc.Scheduler.Scoring {
	case "":
		sc.Scheduler.Scoring = "LeastAllocated"
	case "LeastAllocated", "MostAllocated":
	default:
		return fmt.Errorf("scheduler.scoring %q: want LeastAllocated or MostAllocated", sc.Scheduler.Scoring)
	}
	if len(sc.Pools) == 0 {
		return errors.New("at least one pool is required")
	}
	seen := map[string]bool{}
	for i := range sc.Pools {
		p := &sc.Pools[i]
		if seen[p.Name] {
			return fmt.Errorf("pool %q: duplicate name", p.Name)
		}
		seen[p.Name] = true
		if err := p.resolve(readFile); err != nil {
			return fmt.Errorf("pool %q: %w", p.Name, err)
		}
	}
	if len(sc.Workloads) == 0 {
		return errors.New("at least one workload is required")
	}
	wseen := map[string]bool{}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if wseen[w.Name] {
			return fmt.Errorf("workload %q: duplicate name", w.Name)
		}
		wseen[w.Name] = true
		if err := w.resolve(readFile, seen); err != nil {
			return fmt.Errorf("workload %q: %w", w.Name, err)
		}
		// Surface invalid selectors now rather than mid-run.
		for j := range sc.Pools {
			if _, _, err := Schedulable(w.pod, sc.Pools[j].template); err != nil {
				return fmt.Errorf("workload %q on pool %q: %w", w.Name, sc.Pools[j].Name, err)
			}
		}
	}
	sc.loaded = true
	return nil
}
