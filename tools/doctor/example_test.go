package doctor_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/tools/doctor"
)

// A lab checks what its runtime and Postgres provider need before it starts
// anything; the error lists each failed check with the command that fixes
// it on this system.
func ExamplePreflight() {
	if err := doctor.Preflight(context.Background(), doctor.CheckPostgres); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		return
	}
	fmt.Println("ready")
}

// Examine returns the report the doctor command prints.
func ExampleExamine() {
	r := doctor.Examine(context.Background(), doctor.Options{Checks: []doctor.Check{doctor.CheckGo, doctor.CheckDisk}})
	_ = r.Write(os.Stdout)
	fmt.Println("exit status:", map[bool]int{true: 0, false: 1}[r.Ready])
}
