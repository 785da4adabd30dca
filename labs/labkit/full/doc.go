// Package full is the lab table with every row: [labkit.Light]'s (process;
// embedded, dsn) and those that need Docker or a cluster — the docker, kind
// and kubernetes runtimes and the testcontainers provider — with kind's
// cluster up and down and the lab image. It links Docker's, kind's,
// testcontainers' and Kubernetes' client libraries, which is why it is a
// package of its own: a program that needs none of these runtimes imports
// labkit alone, and the lab command builds this part only when a run names
// one of its rows (labs/cmd/lab, build tag labsfull).
package full
