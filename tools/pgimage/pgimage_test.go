package pgimage_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/bloglabs/posts/tools/pgimage"
)

func TestMirrorFromAptSources(t *testing.T) {
	dir := t.TempDir()
	deb822 := filepath.Join(dir, "debian.sources")
	os.WriteFile(deb822, []byte(`Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
`), 0o644)
	if got := pgimage.MirrorFromFile(deb822); got != "http://mirror.example/debian" {
		t.Errorf("deb822: got %q, want the non-security mirror", got)
	}
	list := filepath.Join(dir, "sources.list")
	os.WriteFile(list, []byte("# x\ndeb [arch=amd64 signed-by=/k.gpg] http://list.example/debian bookworm main\n"), 0o644)
	if got := pgimage.MirrorFromFile(list); got != "http://list.example/debian" {
		t.Errorf("sources.list: got %q", got)
	}
}

// The offline image must keep the official image's contract, so that
// testcontainers' postgres module runs it unchanged: user, password and
// database from the environment, init scripts, and "ready" logged twice.
func TestOfflineImageWorksWithTestcontainers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds or starts a container")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine: the offline image needs one (install docker.io and start dockerd)")
	}
	ctx := context.Background()
	if !pgimage.Exists(ctx, pgimage.DefaultTag) {
		if _, err := exec.LookPath("debootstrap"); err != nil {
			t.Skipf("image %s not built and debootstrap missing; run `go tool mage images:postgres`", pgimage.DefaultTag)
		}
	}
	tag, err := pgimage.Build(ctx, pgimage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "seed.sql")
	os.WriteFile(script, []byte("CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('from init script');"), 0o644)

	t0 := time.Now()
	ctr, err := postgres.Run(ctx, tag,
		postgres.WithDatabase("labdb"), postgres.WithUsername("lab"), postgres.WithPassword("labpw"),
		postgres.WithInitScripts(script), postgres.BasicWaitStrategies())
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("postgres.Run(%s): %v", tag, err)
	}
	t.Logf("container ready in %v", time.Since(t0).Round(time.Millisecond))
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var db, user, v string
	if err := conn.QueryRow(ctx, "SELECT current_database(), current_user, (SELECT v FROM seeded)").Scan(&db, &user, &v); err != nil {
		t.Fatal(err)
	}
	if db != "labdb" || user != "lab" || v != "from init script" {
		t.Errorf("got db=%q user=%q seeded=%q; want labdb, lab and the init script's row", db, user, v)
	}
	bad, _ := pgx.ParseConfig(dsn)
	bad.Password = "wrong"
	if c, err := pgx.ConnectConfig(ctx, bad); err == nil {
		c.Close(ctx)
		t.Error("connected with a wrong password; the image must require POSTGRES_PASSWORD over TCP")
	}
}
