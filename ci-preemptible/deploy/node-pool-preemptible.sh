#!/bin/sh
# A GKE node pool for CI job pods on preemptible VMs.
#
# Preemptible VMs cost the same as Spot VMs but live at most 24 h; Google now
# recommends Spot (node-pool-spot.sh). GKE labels every node of this pool
# cloud.google.com/gke-preemptible=true by itself; the taint is ours: it keeps
# every pod that does not tolerate it (web servers, kube-system add-ons, the
# gitlab-runner manager) off nodes that can vanish with 30 s notice.
# --node-taints, unlike `kubectl taint`, is applied by GKE to every node the
# pool ever gets: after autoscaling and after each preemption.
# Autoscaling limits are totals for the pool (--total-*): --min-nodes and
# --max-nodes count per zone, so a regional cluster (three zones) would get
# three times as many. One node stays up at night, so that the first job of
# the morning does not wait for a VM to boot (about 90 s); --total-min-nodes=0
# saves that node's price (the simulator's scenarios model both).
set -eu
: "${CLUSTER:?set CLUSTER to your cluster name}"
: "${LOCATION:?set LOCATION to the cluster zone or region}"

gcloud container node-pools create ci-preemptible \
  --cluster="$CLUSTER" \
  --location="$LOCATION" \
  --machine-type=e2-standard-4 \
  --preemptible \
  --enable-autoscaling --total-min-nodes=1 --total-max-nodes=10 \
  --node-labels=workload=ci \
  --node-taints=cloud.google.com/gke-preemptible=true:NoSchedule
