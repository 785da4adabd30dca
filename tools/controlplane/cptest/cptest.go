package cptest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bloglabs/posts/tools/controlplane"
)

var (
	mainCalled bool
	mu         sync.Mutex
	shared     *controlplane.Cluster
	sharedErr  error
	counter    atomic.Int64
)

// Main runs the tests and stops the package's control plane if one was
// started. Use it as TestMain's body: func TestMain(m *testing.M) { cptest.Main(m) }.
func Main(m *testing.M) {
	mainCalled = true
	code := m.Run()
	mu.Lock()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "cptest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	mu.Unlock()
	os.Exit(code)
}

// Binaries returns the built binaries, or skips the test (fails it under
// CI=true) when they are not built or the OS cannot run them.
func Binaries(t testing.TB) *controlplane.Binaries {
	t.Helper()
	b, err := controlplane.Find(controlplane.BuildOptions{})
	if err != nil {
		unavailable(t, err)
	}
	return b
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, controlplane.ErrNotBuilt) && !errors.Is(err, controlplane.ErrUnsupportedOS) {
		t.Fatalf("cptest: %v", err)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("cptest: %v (CI=true: CI must build the control plane before the tests, see .ci/run)", err)
	}
	t.Skipf("cptest: %v", err)
}

// Shared is the package's control plane, started on first use and stopped
// by [Main]. Tests must not stop it; they should create their objects in a
// namespace of their own ([Namespace]) and give cluster-scoped ones (nodes)
// names of their own ([Name]).
func Shared(t testing.TB) *controlplane.Cluster {
	t.Helper()
	if !mainCalled {
		t.Fatal("cptest: no TestMain; call cptest.Main from TestMain")
	}
	bins := Binaries(t)
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && sharedErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		shared, sharedErr = controlplane.Start(ctx, controlplane.Options{Binaries: bins, Logger: logger()})
		cancel()
	}
	if sharedErr != nil {
		t.Fatalf("cptest: %v", sharedErr)
	}
	if err := shared.Healthy(); err != nil {
		t.Fatalf("cptest: %v", err)
	}
	return shared
}

// New starts a control plane for this test alone, stopped when the test
// ends (the test fails if a component died before that).
func New(t testing.TB, opts controlplane.Options) *controlplane.Cluster {
	t.Helper()
	if opts.Binaries == nil {
		opts.Binaries = Binaries(t)
	}
	if opts.Logger == nil {
		opts.Logger = logger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := controlplane.Start(ctx, opts)
	if err != nil {
		t.Fatalf("cptest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("cptest: %v", err)
		}
	})
	return c
}

// Client is a clientset for c's admin.
func Client(t testing.TB, c *controlplane.Cluster) kubernetes.Interface {
	t.Helper()
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Namespace creates a namespace for the test on the package's control plane
// and returns its name once pods can be created in it (its default
// ServiceAccount exists). It is deleted when the test ends.
func Namespace(t testing.TB) string {
	t.Helper()
	c := Shared(t)
	cs := Client(t, c)
	ctx := t.Context()
	name := Name(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("cptest: create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		err := cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("cptest: delete namespace %s: %v", name, err)
		}
	})
	// The ServiceAccount admission plugin refuses pods until
	// kube-controller-manager has made the namespace's default account.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("cptest: namespace %s has no default ServiceAccount after 30s: %v; %v", name, err, c.Healthy())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Name is a name for an object of this test, unique in the process and
// valid as a namespace or node name (a DNS label).
func Name(t testing.TB) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, t.Name())
	suffix := fmt.Sprintf("-%d", counter.Add(1))
	if len(base) > 63-len(suffix) {
		base = base[:63-len(suffix)]
	}
	return strings.Trim(base, "-") + suffix
}

func logger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// RealNode starts a control plane of the test's own with a real node
// (controlplane.Options.RealNode) and closes it at the end of the test. It
// skips where the host cannot run a real node, saying why — except under
// CI=true, where that fails — and holds the host for the test ([HoldHost]):
// it waits (up to 10 minutes) while another test's real node, or a
// cluster:local's, holds it.
func RealNode(t testing.TB, opts controlplane.Options) *controlplane.Cluster {
	t.Helper()
	if opts.Binaries == nil {
		opts.Binaries = Binaries(t)
	}
	NeedRealNode(t, opts.Binaries)
	HoldHost(t)
	if opts.Logger == nil {
		opts.Logger = logger()
	}
	opts.RealNode = true
	deadline := time.Now().Add(10 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		c, err := controlplane.Start(ctx, opts)
		cancel()
		if errors.Is(err, controlplane.ErrRealNodeBusy) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Second)
			continue
		}
		if err != nil {
			t.Fatalf("cptest: %v", err)
		}
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Errorf("cptest: %v", err)
			}
		})
		return c
	}
}

// NeedRealNode skips the test where the host cannot run a real node with
// the binaries b ([controlplane.CheckRealNode]), saying why — except under
// CI=true, where that fails.
func NeedRealNode(t testing.TB, b *controlplane.Binaries) {
	t.Helper()
	if err := controlplane.CheckRealNode(b); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cptest: %v (CI=true: .ci/run installs what a real node needs)", err)
		}
		t.Skipf("cptest: %v", err)
	}
}
