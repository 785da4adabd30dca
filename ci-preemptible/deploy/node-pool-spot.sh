#!/bin/sh
# The same pool on Spot VMs: same price model as preemptible, no 24 h limit,
# still 30 s notice. GKE labels every node cloud.google.com/gke-spot=true;
# job pods then need the Spot key in config.toml (see the comments there).
# Autoscaling limits are totals for the pool (--total-*): --min-nodes and
# --max-nodes count per zone, so a regional cluster (three zones) would get
# three times as many. One node stays up at night, so that the first job of
# the morning does not wait for a VM to boot (about 90 s); --total-min-nodes=0
# saves that node's price (the simulator's scenarios model both).
set -eu
: "${CLUSTER:?set CLUSTER to your cluster name}"
: "${LOCATION:?set LOCATION to the cluster zone or region}"

gcloud container node-pools create ci-spot \
  --cluster="$CLUSTER" \
  --location="$LOCATION" \
  --machine-type=e2-standard-4 \
  --spot \
  --enable-autoscaling --total-min-nodes=1 --total-max-nodes=10 \
  --node-labels=workload=ci \
  --node-taints=cloud.google.com/gke-spot=true:NoSchedule
