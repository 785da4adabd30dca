package pods_test

import (
	"reflect"
	"testing"

	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

func TestRewriteAddrs(t *testing.T) {
	t.Parallel()
	env := []spec.EnvVar{
		{Name: "DATABASE_URL", Value: "postgres://lab:s3cr%40t@127.0.0.1:32768/lab_fix?sslmode=disable"},
		{Name: "OTHER_DB", Value: "postgres://lab:pw@localhost:32768/x"},
		{Name: "ELSEWHERE", Value: "postgres://lab:pw@db.example:5432/x"},
		{Name: "RUNONCE_DSN", Value: "$(DATABASE_URL)"},
		{Name: "PLAIN", Value: "127.0.0.1:32768"},
	}
	got := pods.RewriteAddrs(env, map[string]string{"127.0.0.1:32768": "postgres:5432"})
	want := []spec.EnvVar{
		{Name: "DATABASE_URL", Value: "postgres://lab:s3cr%40t@postgres:5432/lab_fix?sslmode=disable"},
		{Name: "OTHER_DB", Value: "postgres://lab:pw@postgres:5432/x"},
		{Name: "ELSEWHERE", Value: "postgres://lab:pw@db.example:5432/x"},
		{Name: "RUNONCE_DSN", Value: "$(DATABASE_URL)"},
		{Name: "PLAIN", Value: "127.0.0.1:32768"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RewriteAddrs:\n got %v\nwant %v", got, want)
	}
	if env[0].Value != "postgres://lab:s3cr%40t@127.0.0.1:32768/lab_fix?sslmode=disable" {
		t.Error("RewriteAddrs changed its input")
	}
}
