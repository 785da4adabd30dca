package labnode

import "testing"

// Ref names an image as containerd stores it and the kubelet asks for it.
func TestRefIsTheKubeletsName(t *testing.T) {
	for in, want := range map[string]string{
		"bloglabs/lab:1a2b":          "docker.io/bloglabs/lab:1a2b",
		"postgres:17":                "docker.io/library/postgres:17",
		"registry.example.com/x/y:1": "registry.example.com/x/y:1",
		"localhost/x:1":              "localhost/x:1",
		"localhost:5000/x:1":         "localhost:5000/x:1",
		"docker.io/bloglabs/pause:1": "docker.io/bloglabs/pause:1",
	} {
		if got := Ref(in); got != want {
			t.Errorf("Ref(%q) = %q, want %q", in, got, want)
		}
	}
}
