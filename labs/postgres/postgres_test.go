package postgres_test

import (
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/postgres"
)

func TestDSNHelpers(t *testing.T) {
	t.Parallel()
	const admin = "postgres://lab:pw%40x@127.0.0.1:32768/postgres?sslmode=disable"
	got, err := postgres.WithDatabase(admin, "lab_fix_x")
	if err != nil || got != "postgres://lab:pw%40x@127.0.0.1:32768/lab_fix_x?sslmode=disable" {
		t.Errorf("WithDatabase = %q, %v", got, err)
	}
	if a, _ := postgres.Addr("postgresql://u@db.example/x"); a != "db.example:5432" {
		t.Errorf("Addr without a port = %q, want db.example:5432", a)
	}
	if r := postgres.Redact(admin); strings.Contains(r, "pw") {
		t.Errorf("Redact = %q shows the password", r)
	}
	for _, bad := range []string{"host=db dbname=x", "mysql://u@h/x", "postgres:///x"} {
		if _, err := postgres.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		}
	}
}
