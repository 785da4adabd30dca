#!/bin/sh
# The same pool on Spot VMs: same price model as preemptible, no 24 h limit,
# still 30 s notice. GKE labels every node cloud.google.com/gke-spot=true;
# job pods then need the Spot key in config.toml (see the comments there).
set -eu
: "${CLUSTER:?set CLUSTER to your cluster name}"
: "${LOCATION:?set LOCATION to the cluster zone or region}"

gcloud container node-pools create ci-spot \
  --cluster="$CLUSTER" \
  --location="$LOCATION" \
  --machine-type=e2-standard-4 \
  --spot \
  --enable-autoscaling --min-nodes=0 --max-nodes=10 \
  --node-labels=workload=ci \
  --node-taints=cloud.google.com/gke-spot=true:NoSchedule
