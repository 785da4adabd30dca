package kwoklab

import _ "embed"

// JobStage is the kwok Stage that ends a job pod: a Running pod annotated
// with AnnotationRunFor succeeds that long after it started running, as
// the job's script would. kwok reads the delay from the annotation.
//
//go:embed job-complete.yaml
var JobStage string
