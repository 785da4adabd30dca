package full

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/docker"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/tools/doctor"
)

// EnvCluster sets the default kind cluster's name.
const EnvCluster = "LABS_KIND_CLUSTER"

// The seams' implementations, checked where they are wired together.
var (
	_ engine.Runtime  = (*docker.Runtime)(nil)
	_ engine.Runtime  = (*kind.Runtime)(nil)
	_ engine.Runtime  = (*kubernetes.Runtime)(nil)
	_ labkit.Preparer = (*docker.Runtime)(nil)
	_ labkit.Preparer = (*kind.Runtime)(nil)
	_ labkit.Preparer = (*kubernetes.Runtime)(nil)
	_ labkit.Router   = (*docker.Runtime)(nil)
	_ labkit.Router   = (*kind.Runtime)(nil)
	_ labkit.Router   = (*kubernetes.Runtime)(nil)
	_ labkit.Server   = (*container.Server)(nil)
)

// Table is every row: [labkit.Light]'s, then docker, kind and kubernetes,
// and testcontainers.
func Table() labkit.Table {
	quietTestcontainers()
	t := labkit.Light()
	t.Runtimes = append(t.Runtimes, labkit.Runtime{
		Name:   labkit.Docker,
		Help:   "containers of the lab image (Options.Image, --image, to run your own)",
		Checks: []doctor.Check{doctor.CheckGo, doctor.CheckDocker},
		New: func(ctx context.Context, s labkit.Setup) (engine.Runtime, error) {
			image, err := labImage(ctx, s)
			if err != nil {
				return nil, err
			}
			return docker.New(docker.Options{Image: image, RestartPolicy: s.Options.Restarts, LogDir: s.Options.Logs}), nil
		},
	}, labkit.Runtime{
		Name:   labkit.Kind,
		Help:   "a Deployment on a kind cluster (--cluster, --keep)",
		Checks: []doctor.Check{doctor.CheckGo, doctor.CheckDocker, doctor.CheckKind},
		New: func(ctx context.Context, s labkit.Setup) (engine.Runtime, error) {
			image, err := labImage(ctx, s)
			if err != nil {
				return nil, err
			}
			o := s.Options
			return kind.New(kind.Options{Cluster: kind.RaceCluster(ClusterName(o.Cluster)), Keep: o.Keep, Image: image,
				Restarts: o.Restarts, Progress: s.Progress, LogDir: o.Logs}), nil
		},
	}, labkit.Runtime{
		Name: labkit.Kubernetes,
		Help: "a Deployment on your cluster (--kubeconfig, --context; pods reach Postgres at --pod-postgres HOST:PORT or $" + kubernetes.EnvPodPostgres + ")",
		New: func(ctx context.Context, s labkit.Setup) (engine.Runtime, error) {
			o := s.Options
			cfg, err := kubernetes.RESTConfig(o.Kubeconfig, o.Context)
			if err != nil {
				return nil, err
			}
			image, err := labImage(ctx, s)
			if err != nil {
				return nil, err
			}
			return kubernetes.New(kubernetes.Options{Config: cfg, Image: image, PodPostgres: podPostgres(o),
				Restarts: o.Restarts, LogDir: o.Logs,
				ImageArchive: func(ctx context.Context) (io.ReadCloser, error) { return appimage.Save(ctx, image) }}), nil
		},
		// Before the lab starts: a route no pod can take is known now (a
		// local control plane's real node has its own).
		CheckRoute: func(r engine.Runtime, s labkit.Setup, pg runtimes.Backend) error {
			k, ok := r.(*kubernetes.Runtime)
			if !ok {
				return fmt.Errorf("kubernetes row: runtime is %T", r)
			}
			if err := k.Routable(); err != nil {
				return fmt.Errorf("%w (give --pod-postgres HOST:PORT or $%s)", err, kubernetes.EnvPodPostgres)
			}
			return nil
		},
	})
	t.Providers = append(t.Providers, labkit.Provider{
		Name:   labkit.Testcontainers,
		Help:   "a container (image: --postgres-image, $" + container.EnvImage + ", " + container.DefaultImage + ", else the offline image)",
		Checks: []doctor.Check{doctor.CheckDocker},
		Start: func(ctx context.Context, s labkit.Setup, network string) (labkit.Server, error) {
			fmt.Fprintf(s.Progress, "starting PostgreSQL with testcontainers...\n")
			pg, err := container.Start(ctx, container.Options{Image: s.Options.PostgresImage, Network: network, Progress: s.Progress})
			if err != nil {
				return nil, err
			}
			return pg, nil
		},
	})
	return t
}

// ClusterName is name, else $LABS_KIND_CLUSTER, else kind's default.
func ClusterName(name string) string {
	if name != "" {
		return name
	}
	if v := os.Getenv(EnvCluster); v != "" {
		return v
	}
	return kind.DefaultCluster
}

// podPostgres is the kubernetes runtime's route for pods: the option, else
// $LABS_POD_POSTGRES.
func podPostgres(o labkit.Options) string {
	if o.PodPostgres != "" {
		return o.PodPostgres
	}
	return os.Getenv(kubernetes.EnvPodPostgres)
}

// labImage builds the lab image (static binaries FROM scratch, loaded into
// Docker), unless the options name one.
func labImage(ctx context.Context, s labkit.Setup) (string, error) {
	if s.Options.Image != "" {
		return s.Options.Image, nil
	}
	img, err := appimage.Build(ctx, appimage.Options{Progress: s.Progress})
	if err != nil {
		return "", err
	}
	return img.Tag, nil
}

var quietOnce sync.Once

// quietTestcontainers keeps testcontainers' own log lines (a banner per
// connection, one per container step) out of the lab's output: the lab
// prints its own progress.
func quietTestcontainers() {
	quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
}
