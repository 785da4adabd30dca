// Package process is the lab runtime that runs each replica of a
// [spec.Deployment] as local processes: the default, since it needs neither
// Docker nor a cluster.
//
// Each pod's init containers run one after the other, then its main
// container; a failing container is restarted after a back-off that doubles
// from 200 ms to 2 s — the kubelet's CrashLoopBackOff (10 s doubling to
// 5 min) compressed so that a crash loop shows within a lab — until the pod
// has been restarted MaxRestarts times and gives up.
//
// All pods start together: the first process of every pod is started held at
// a gate (a shell that waits for a shared pipe to close, then execs the
// program, so the pid stays the program's) and released when every pod is
// waiting there. Process start-up, not the order of a loop, then decides who
// is first — which is what a Deployment rolled out at once looks like.
//
// An image is a folder: every image's programs are in Options.BinDir, put
// first on each replica's PATH. Replicas do not inherit the caller's
// environment (a container would not either), only PATH, HOME and TMPDIR, then
// POD_NAME, HOSTNAME and PORT, then the spec's variables. PORT is a free port
// chosen per pod, because replicas on one host cannot share the spec's port.
package process
