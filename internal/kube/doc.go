// Package kube holds the few Kubernetes helpers the labs share: reading a
// node's and a pod's conditions as kube-scheduler and the node controller
// write them ([NodeReady], [SchedulerReason]) and waiting on the API
// server ([Poll]).
//
// Errors from a poll's condition are taken as "not known yet" (an API
// server that restarts, a list that times out): polling goes on, and the
// last error is reported only when the wait ends without an answer.
package kube
