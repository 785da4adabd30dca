package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/tools/doctor"
)

// TestMain lets a test run the CLI in a child process with an environment
// of its own (LABCLI_ARGS, a JSON list of arguments): testcontainers reads
// DOCKER_HOST once per process.
func TestMain(m *testing.M) {
	if args := os.Getenv("LABCLI_ARGS"); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			panic(err)
		}
		err := fullCommand().Run(context.Background(), cli.OS(), list)
		cli.Report(os.Stderr, "lab", err)
		os.Exit(app.ExitCode(err))
	}
	os.Exit(m.Run())
}

func needDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the lab image and runs containers")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
}

type result struct {
	Lab             string   `json:"lab"`
	Runtime         string   `json:"runtime"`
	Postgres        string   `json:"postgres"`
	Replicas        int      `json:"replicas"`
	RunsOfStep      int      `json:"runs_of_step"`
	Crashes         int      `json:"crashes"`
	DBOK            bool     `json:"db_ok"`
	DBProblems      []string `json:"db_problems"`
	Verdict         string   `json:"verdict"`
	ReplicaOutcomes []struct {
		Name    string `json:"name"`
		Outcome string `json:"outcome"`
		RanStep int    `json:"ran_step"`
		Ready   bool   `json:"ready"`
	} `json:"replica_outcomes"`
}

func runLab(t *testing.T, args ...string) (result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	t0 := time.Now()
	err := fullCommand().Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, append(args, "--json", "-", "--color", "never"))
	t.Logf("%s: %v in %v", strings.Join(args, " "), err, time.Since(t0).Round(100*time.Millisecond))
	if code := app.ExitCode(err); code != 0 {
		t.Fatalf("%v: %v (exit %d)\nstderr:\n%s\nstdout:\n%s", args, err, code, stderr.String(), stdout.String())
	}
	out := stdout.String()
	var res result
	if err := json.Unmarshal([]byte(out[strings.Index(out, "\n{")+1:]), &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	return res, stderr.String()
}

// The must-show: lab:fix on Docker with a testcontainers Postgres
// reaches the verdict of the default runtime — the step ran once, every
// replica ready, the database exactly as designed.
func TestFixOnDockerWithTestcontainers(t *testing.T) {
	t.Parallel()
	needDocker(t)
	res, progress := runLab(t, "fix", "--runtime", "docker", "--postgres", "testcontainers", "--replicas", "4")
	if res.Runtime != "docker" || !strings.Contains(res.Postgres, "in a container") {
		t.Errorf("runtime %q, postgres %q; want docker and a container", res.Runtime, res.Postgres)
	}
	if res.RunsOfStep != 1 || !res.DBOK || res.Crashes != 0 || !strings.HasPrefix(res.Verdict, "fixed") {
		t.Errorf("runs_of_step %d, db_ok %v, crashes %d, verdict %q; want 1, true, 0, fixed", res.RunsOfStep, res.DBOK, res.Crashes, res.Verdict)
	}
	ran := 0
	for _, r := range res.ReplicaOutcomes {
		if !r.Ready {
			t.Errorf("%s not ready", r.Name)
		}
		ran += r.RanStep
	}
	if ran != 1 {
		t.Errorf("replicas ran the step %d times in all, want once", ran)
	}
	for _, want := range []string{"static linux/", "starting PostgreSQL with testcontainers"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
}

// lab:race on Docker (Postgres embedded, reached through the network's
// gateway) reproduces the race: the step runs more than once and the
// database is damaged.
func TestRaceOnDocker(t *testing.T) {
	t.Parallel()
	needDocker(t)
	res, _ := runLab(t, "race", "--runtime", "docker", "--replicas", "3", "--max-restarts", "2")
	if res.Runtime != "docker" || res.DBOK || res.RunsOfStep < 2 || !strings.HasPrefix(res.Verdict, "race reproduced") {
		t.Errorf("runtime %q, db_ok %v, runs_of_step %d, verdict %q; want docker, a damaged database, the step run more than once",
			res.Runtime, res.DBOK, res.RunsOfStep, res.Verdict)
	}
}

// Without a Docker engine, --runtime docker fails at once with one line
// that says how to get one. testcontainers, which finds the engine, tries
// every place one may be (DOCKER_HOST, the docker context, the default
// socket), so the child process runs where the default socket is hidden:
// a mount namespace of its own with /dev/null over it.
func TestDockerMissingSaysHowToGetIt(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: runs the CLI in a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const sock = "/var/run/docker.sock"
	if exec.Command("unshare", "-m", "sh", "-c", "mount --bind /dev/null "+sock).Run() != nil {
		t.Skip("cannot hide the Docker socket here (needs unshare -m and mount, as root)")
	}
	cmd := exec.Command("unshare", "-m", "sh", "-c", `mount --bind /dev/null `+sock+` && exec "$0"`, exe)
	cmd.Env = append(os.Environ(), `LABCLI_ARGS=["race","--runtime","docker"]`, "DOCKER_HOST=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v, want 3; stderr:\n%s", err, stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if !strings.Contains(msg, "✗ Docker") || !strings.Contains(msg, "fix: ") || strings.Contains(msg, "building") {
		t.Errorf("stderr %q: want the preflight's ✗ Docker line with its fix, and nothing built", msg)
	}
	if took := time.Since(t0); took > 15*time.Second {
		t.Errorf("took %v to say Docker is missing", took)
	}
	t.Logf("%s", msg)
}

// --runtime kind checks the host before building or starting anything (the
// lab's preflight runs doctor's kind check); on the project's machines (no
// privileged containers, cgroup v1) it says what is missing and exits 3.
func TestKindSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	needDocker(t)
	if kind.CheckHost(context.Background()) == nil {
		t.Skip("kind can run here: TestFixOnKind runs the lab instead")
	}
	var stdout, stderr bytes.Buffer
	err := fullCommand().Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, []string{"fix", "--runtime", "kind"})
	if code := app.ExitCode(err); code != 3 || !errors.Is(err, doctor.ErrNotReady) || !strings.Contains(err.Error(), "✗ kind") {
		t.Fatalf("fix --runtime kind = %v (exit %d); want the preflight's ✗ kind, exit 3", err, code)
	}
	if strings.Contains(stderr.String(), "building") || stdout.Len() != 0 {
		t.Errorf("something ran before the check: stderr %q, stdout %q", stderr.String(), stdout.String())
	}
	t.Logf("%v", err)
	err = fullCommand().Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, []string{"cluster", "up"})
	if !errors.Is(err, kind.ErrHost) || !strings.Contains(err.Error(), "Run the labs here with --runtime process or --runtime docker") {
		t.Errorf("cluster up = %v; want the host check's error, and the race labs' runtimes that work here (Docker answers)", err)
	}
}

// Where kind can run (a laptop, a CI with privileged Docker on cgroup v2),
// lab:fix on kind reaches the same verdict. It creates a cluster: minutes.
func TestFixOnKind(t *testing.T) {
	needDocker(t)
	if err := kind.CheckHost(context.Background()); err != nil {
		t.Skipf("kind cannot run here: %v", err)
	}
	res, _ := runLab(t, "fix", "--runtime", "kind", "--postgres", "testcontainers", "--replicas", "3", "--timeout", "5m", "--cluster", "bloglabs-test")
	if res.Runtime != "kind" || res.RunsOfStep != 1 || !res.DBOK || !strings.HasPrefix(res.Verdict, "fixed") {
		t.Errorf("runtime %q, runs_of_step %d, db_ok %v, verdict %q; want kind, 1, true, fixed", res.Runtime, res.RunsOfStep, res.DBOK, res.Verdict)
	}
}
