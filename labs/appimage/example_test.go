package appimage_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/appimage"
)

// What go tool mage images:lab does: static binaries, an image FROM
// scratch, loaded into Docker unless it is there already.
func ExampleBuild() {
	img, err := appimage.Build(context.Background(), appimage.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Tag)
}
