package demoapp_test

import (
	"fmt"

	"github.com/bloglabs/posts/labs/demoapp"
)

// A runtime hands the lab the app's output lines; ParseEvent finds the app's
// own events in them.
func ExampleParseEvent() {
	line := `time=2025-01-01T00:00:00Z level=INFO msg=migrated pod=demo-3 event=migrated versions=1,2,3,4`
	name, attrs, ok := demoapp.ParseEvent(line)
	fmt.Println(ok, name, attrs["pod"], attrs["versions"])
	// Output: true migrated demo-3 1,2,3,4
}
