package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/spec"
)

func TestExpandEnv(t *testing.T) {
	t.Parallel()
	base := []spec.EnvVar{{Name: "POD_NAME", Value: "web-3"}, {Name: "PORT", Value: "8080"}}
	env := []spec.EnvVar{
		{Name: "RUNONCE_HOLDER", Value: "$(POD_NAME)"},
		{Name: "ADDR", Value: "127.0.0.1:$(PORT)/$(MISSING)"},
		{Name: "PORT", Value: "9090"},
		{Name: "AFTER", Value: "$(PORT)"},
	}
	got := spec.ExpandEnv(base, env)
	want := []spec.EnvVar{
		{Name: "POD_NAME", Value: "web-3"},
		{Name: "PORT", Value: "9090"},
		{Name: "RUNONCE_HOLDER", Value: "web-3"},
		{Name: "ADDR", Value: "127.0.0.1:8080/$(MISSING)"},
		{Name: "AFTER", Value: "9090"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandEnv:\n got %v\nwant %v", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := spec.Deployment{Name: "demo", Replicas: 2, Container: spec.Container{Name: "app", Command: []string{"demoapp"}, Port: 8080, Readiness: &spec.HTTPProbe{Path: "/readyz"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v, want nil", err)
	}
	bad := spec.Deployment{Name: "Demo_", Replicas: 0,
		InitContainers: []spec.Container{{Name: "app", Command: []string{"x"}}},
		Container:      spec.Container{Name: "app", Readiness: &spec.HTTPProbe{Path: "/"}}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate(invalid) = nil, want errors")
	}
	for _, want := range []string{"DNS label", "replicas = 0", "repeated", "no command", "no port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not mention %q", err, want)
		}
	}
}
