package container

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"os"
	"strconv"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/bloglabs/posts/labs/internal/dockerx"
	pg "github.com/bloglabs/posts/labs/postgres"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/tools/pgimage"
)

// DefaultImage is the official image a laptop pulls.
const DefaultImage = pgimage.OfficialImage

// Alias is the server's name on a runtime's network.
const Alias = "postgres"

// EnvImage names the environment variable that chooses the image.
const EnvImage = "LABS_POSTGRES_IMAGE"

// ErrNoImage is returned (wrapped) by [Start] and [ChooseImage] when no
// usable image is present or pullable; the message says what to run.
var ErrNoImage = errors.New("no Postgres image")

// Options configure the server. The zero value is the lab default.
type Options struct {
	// Image to run. Defaults to $LABS_POSTGRES_IMAGE, else the first of
	// DefaultImage and OfflineImage that is present or pullable.
	Image string
	// OfflineImage is the fallback. Defaults to pgimage.DefaultTag.
	OfflineImage string
	// MaxConnections is the server's max_connections. Defaults to 300, as
	// the embedded provider's.
	MaxConnections int
	// PullStall gives up a pull after this long without progress.
	// Defaults to dockerx.DefaultStall.
	PullStall time.Duration
	// Network, when set, is a Docker network the container starts on, as
	// "postgres": the network of the docker or kind runtime. Joining it at
	// the start matters — connecting a running container to a network can
	// cut the connections the lab already has to it.
	Network string
	// Progress receives a line per long step and the image choice.
	// Defaults to discarding.
	Progress io.Writer
}

// Server is a running Postgres container.
type Server struct {
	ctr      *postgres.PostgresContainer
	image    string
	version  string
	adminDSN string
	addr     string
}

// Start chooses the image, starts the container and returns once it
// accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.MaxConnections == 0 {
		opts.MaxConnections = 300
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("testcontainers postgres: %w", err)
	}
	image, err := ChooseImage(ctx, cli, opts)
	cli.Close()
	if err != nil {
		return nil, fmt.Errorf("testcontainers postgres: %w", err)
	}
	custom := []testcontainers.ContainerCustomizer{
		postgres.WithDatabase("postgres"), postgres.WithUsername("postgres"), postgres.WithPassword(randomPassword()),
		testcontainers.WithCmdArgs("-c", "max_connections="+strconv.Itoa(opts.MaxConnections)),
		testcontainers.WithLabels(map[string]string{"dev.bloglabs.postgres": "1"}),
		postgres.BasicWaitStrategies(),
	}
	if opts.Network != "" {
		custom = append(custom, network.WithNetworkName([]string{Alias}, opts.Network))
	}
	ctr, err := postgres.Run(ctx, image, custom...)
	if err != nil {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr)
		}
		return nil, fmt.Errorf("testcontainers postgres: start %s: %w", image, err)
	}
	s := &Server{ctr: ctr, image: image}
	if s.adminDSN, err = ctr.ConnectionString(ctx, "sslmode=disable"); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("testcontainers postgres: %w", err)
	}
	if s.addr, err = pg.Addr(s.adminDSN); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("testcontainers postgres: %w", err)
	}
	if s.version, err = pg.Version(ctx, s.adminDSN); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("testcontainers postgres: %w", err)
	}
	return s, nil
}

// ChooseImage picks the image Start runs (see the package doc), pulling
// when needed; it says what it chose, and why, on opts.Progress.
func ChooseImage(ctx context.Context, cli *client.Client, opts Options) (string, error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	want := opts.Image
	if want == "" {
		want = os.Getenv(EnvImage)
	}
	if want != "" {
		if dockerx.ImageExists(ctx, cli, want) {
			return want, nil
		}
		fmt.Fprintf(progress, "pulling %s...\n", want)
		if err := dockerx.Pull(ctx, cli, want, opts.PullStall, nil); err != nil {
			return "", fmt.Errorf("%w: %s is not here and cannot be pulled (%v); pull or build it, or leave --postgres-image and %s unset to use the official or the offline image", ErrNoImage, want, err, EnvImage)
		}
		return want, nil
	}
	if dockerx.ImageExists(ctx, cli, DefaultImage) {
		return DefaultImage, nil
	}
	offline := opts.OfflineImage
	if offline == "" {
		offline = pgimage.DefaultTag
	}
	fmt.Fprintf(progress, "pulling %s...\n", DefaultImage)
	pullErr := dockerx.Pull(ctx, cli, DefaultImage, opts.PullStall, nil)
	if pullErr == nil {
		return DefaultImage, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if dockerx.ImageExists(ctx, cli, offline) {
		fmt.Fprintf(progress, "%s cannot be pulled (%v); using the offline image %s\n", DefaultImage, pullErr, offline)
		return offline, nil
	}
	return "", fmt.Errorf("%w: %s is not here and cannot be pulled (%v), and the offline image %s is not built: build it with `go tool mage images:postgres` (about a minute, from Debian packages), or name an image with --postgres-image or %s", ErrNoImage, DefaultImage, pullErr, offline, EnvImage)
}

// Describe names the server for a report: "PostgreSQL 17.2 in a container
// (postgres:17)".
func (s *Server) Describe() string {
	return fmt.Sprintf("PostgreSQL %s in a container (%s)", s.version, s.image)
}

// Image is the image the container runs.
func (s *Server) Image() string { return s.image }

// CreateDatabase creates a database and returns its DSN (password
// included: give it to programs, never print it).
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	dsn, err := pg.CreateDatabase(ctx, s.adminDSN, name)
	if err != nil {
		return "", fmt.Errorf("testcontainers postgres: %w", err)
	}
	return dsn, nil
}

// AdminDSN is the DSN of the server's maintenance database ("postgres").
func (s *Server) AdminDSN() string { return s.adminDSN }

// Backend is the server as a runtime that runs replicas in containers sees
// it: a container of the engine, port 5432, named "postgres" on their
// network.
func (s *Server) Backend() runtimes.Backend {
	return runtimes.Backend{Name: Alias, Addr: s.addr, Container: s.ctr.GetContainerID(), Port: 5432}
}

// Stop removes the container.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.ctr.Terminate(ctx); err != nil {
		return fmt.Errorf("testcontainers postgres: stop: %w", err)
	}
	return nil
}

// randomPassword: the container publishes its port, so the password is not
// the module's well-known default.
func randomPassword() string { return rand.Text() }
