package images_test

import (
	"fmt"
	"os"

	"github.com/bloglabs/posts/tools/images"
)

// An image FROM scratch with one program, written as `docker load` reads it
// (docker load < hello.tar). The ID depends on the files and the fixed
// config only (it changes when this package's module path does).
func ExampleScratch_Build() {
	img := images.Scratch{
		Tags:   []string{"example/hello:1"},
		OS:     "linux",
		Arch:   "amd64",
		Files:  []images.File{{Path: "/hello", Data: []byte("not really a program")}},
		Config: images.Config{Entrypoint: []string{"/hello"}, User: "65534:65534"},
	}
	a, err := img.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.CreateTemp("", "hello-*.tar")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := a.WriteTo(f); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.ID[:19])
	// Output: sha256:8c1338e60bc1
}
