#!/bin/sh
# The post's two commands, corrected. As published, the key before "=true"
# was lost from both; the key is GKE's own node label for preemptible nodes.
#
# Run it from anywhere: it finds its values file next to itself. It reads the
# runner's authentication token (glrt-...) from $RUNNER_TOKEN and stores it in
# a Secret: never on a command line, where ps and shell history would show it.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
: "${RUNNER_TOKEN:?set RUNNER_TOKEN to the runner authentication token (glrt-...)}"

# 1. Taint the preemptible nodes so nothing lands there unless it says so.
#    The post tainted nodes one by one; this taints every node of the pool
#    that exists now. Nodes the autoscaler adds later, and the VMs recreated
#    after each preemption (at least every 24 h), come back WITHOUT it:
#    create the pool with --node-taints instead (node-pool-preemptible.sh).
kubectl taint nodes -l cloud.google.com/gke-nodepool=ci-preemptible \
  cloud.google.com/gke-preemptible=true:NoSchedule --overwrite

# 2. Send the CI jobs there. The chart's nodeSelector would move only the
#    gitlab-runner manager pod (which must stay off preemptible nodes); the
#    job pods get their node_selector and node_tolerations from the runner's
#    config.toml, carried in the chart's runners.config.
helm repo add gitlab https://charts.gitlab.io --force-update
kubectl create namespace gitlab-runner --dry-run=client -o yaml | kubectl apply -f -
# printf is a shell builtin: the token reaches kubectl on stdin, not in argv.
printf '%s' "$RUNNER_TOKEN" |
  kubectl create secret generic gitlab-runner-token --namespace gitlab-runner \
    --from-literal=runner-registration-token= --from-file=runner-token=/dev/stdin \
    --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install gitlab-runner gitlab/gitlab-runner \
  --namespace gitlab-runner \
  --values "$here/gitlab-runner-values.yaml"
