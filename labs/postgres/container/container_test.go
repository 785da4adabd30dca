package container_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/client"

	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/tools/pgimage"
)

func engine(t *testing.T) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: talks to Docker")
	}
	cli, err := dockerx.Connect(context.Background())
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// Without an image named, the official image is used when it is here or
// pullable; otherwise — no registry, as here — the offline one, chosen in
// seconds.
func TestDefaultFallsBackToOfflineImage(t *testing.T) {
	t.Setenv(container.EnvImage, "")
	cli := engine(t)
	ctx := context.Background()
	if dockerx.ImageExists(ctx, cli, container.DefaultImage) {
		t.Skipf("%s is here: no fallback to show", container.DefaultImage)
	}
	var progress strings.Builder
	t0 := time.Now()
	img, err := container.ChooseImage(ctx, cli, container.Options{Progress: &progress})
	took := time.Since(t0)
	if took > dockerx.DefaultStall+3*time.Second {
		t.Errorf("choosing took %v: a pull that cannot succeed must fail in seconds", took)
	}
	switch {
	case err == nil && img == container.DefaultImage:
		t.Logf("%s was pulled: a registry answers here", img)
	case err == nil:
		if img != pgimage.DefaultTag || !strings.Contains(progress.String(), "cannot be pulled") {
			t.Errorf("chose %s, progress %q; want the offline image, and why", img, progress.String())
		}
	case pgimage.Exists(ctx, pgimage.DefaultTag):
		t.Errorf("ChooseImage = %v although the offline image exists", err)
	default:
		if !strings.Contains(err.Error(), "go tool mage images:postgres") {
			t.Errorf("ChooseImage = %v; want the target to run named", err)
		}
	}
	t.Logf("chose %q in %v (%s)", img, took.Round(time.Millisecond), strings.TrimSpace(progress.String()))
}

// With neither image, the error names the target that builds one.
func TestNoImageNamesTheTarget(t *testing.T) {
	t.Setenv(container.EnvImage, "")
	cli := engine(t)
	if dockerx.ImageExists(context.Background(), cli, container.DefaultImage) {
		t.Skipf("%s is here", container.DefaultImage)
	}
	_, err := container.ChooseImage(context.Background(), cli, container.Options{OfflineImage: "bloglabs/no-such-offline:0"})
	if !errors.Is(err, container.ErrNoImage) || !strings.Contains(err.Error(), "go tool mage images:postgres") {
		t.Errorf("ChooseImage = %v; want ErrNoImage naming go tool mage images:postgres", err)
	}
}

// An image the user names is that image or an error: no silent fallback.
func TestNamedImageIsNotReplaced(t *testing.T) {
	t.Setenv(container.EnvImage, "bloglabs/no-such-postgres:0")
	cli := engine(t)
	_, err := container.ChooseImage(context.Background(), cli, container.Options{})
	if !errors.Is(err, container.ErrNoImage) || !strings.Contains(err.Error(), "bloglabs/no-such-postgres:0") {
		t.Errorf("ChooseImage = %v; want ErrNoImage naming the image", err)
	}
}

// A server starts (with the offline image here), on a network of the
// caller's as "postgres", and creates databases the lab can use.
func TestStartOnANetwork(t *testing.T) {
	t.Setenv(container.EnvImage, "")
	engine(t)
	ctx := context.Background()
	netName := "bloglabs-container-test"
	if out, err := exec.Command("docker", "network", "create", netName).CombinedOutput(); err != nil && !strings.Contains(string(out), "already exists") {
		t.Fatalf("docker network create: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", netName).Run() })
	t0 := time.Now()
	srv, err := container.Start(ctx, container.Options{Network: netName})
	if err != nil {
		if errors.Is(err, container.ErrNoImage) {
			t.Skipf("no Postgres image here: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	t.Logf("%s ready in %v", srv.Describe(), time.Since(t0).Round(time.Millisecond))
	dsn, err := srv.CreateDatabase(ctx, "tc_test")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var db string
	var maxConns int
	if err := conn.QueryRow(ctx, "SELECT current_database(), current_setting('max_connections')::int").Scan(&db, &maxConns); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if db != "tc_test" || maxConns != 300 {
		t.Errorf("connected to %s with max_connections %d; want tc_test and 300", db, maxConns)
	}
	b := srv.Backend()
	if b.Name != "postgres" || b.Port != 5432 || b.Container == "" || !strings.HasPrefix(dsn, "postgres://") || !strings.Contains(dsn, b.Addr) {
		t.Errorf("backend %+v for DSN host %s", b, b.Addr)
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{json (index .NetworkSettings.Networks \""+netName+"\").Aliases}}", b.Container).Output()
	if err != nil || !strings.Contains(string(out), `"postgres"`) {
		t.Errorf("container's aliases on %s: %s %v; want postgres", netName, out, err)
	}
}
