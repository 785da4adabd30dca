package labimage_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/labs/labs/labimage"
)

// What go tool mage images:lab does: static binaries, an image FROM
// scratch, loaded into Docker unless it is there already.
func ExampleBuild() {
	img, err := labimage.Build(context.Background(), labimage.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Tag)
}
