#!/usr/bin/env bash
# A CI job's whole life on Xenplane (docs/ci.md): a throwaway key, a VM with a TTL (the safety
# net should this job die before its cleanup), wait for it to run, ssh in and run the job there,
# delete the VM. Needs xp, ssh, ssh-keygen and jq on PATH, and XENPLANE_URL and XENPLANE_TOKEN
# (a member token of the CI project).
set -euo pipefail

job="${CI_JOB_ID:-local-$$}"
flavor="${XP_FLAVOR:-m1.small}"
image="${XP_IMAGE:-ubuntu-24.04}"
ssh_user="${XP_SSH_USER:-ubuntu}"
job_command="${XP_JOB_COMMAND:-uname -a}"
work="$(mktemp -d)"
vm_id=""

cleanup() {
  # whatever happened above: a VM already being deleted answers 202, one gone answers 404 (exit 4)
  if [ -n "$vm_id" ]; then
    xp vm delete "$vm_id" --wait --timeout 2m -o json >"$work/deleted.json" || [ $? -eq 4 ]
  fi
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C "ci-$job" -f "$work/id_ed25519"

# created first, waited for second: the id is known (and cleaned up) even if the wait times out
vm_id="$(xp vm create "ci-$job" --flavor "$flavor" --image "$image" --ttl 1h \
  --ssh-key "$work/id_ed25519.pub" --metadata ci_job="$job" -o json | jq -r .id)"
xp vm wait "$vm_id" --for running --timeout 5m -o json >"$work/vm.json"
echo "VM $vm_id is running at $(jq -r '.addresses[0].ip' "$work/vm.json")"

xp vm ssh "$vm_id" -l "$ssh_user" -i "$work/id_ed25519" \
  --ssh-option StrictHostKeyChecking=no --ssh-option UserKnownHostsFile=/dev/null --ssh-option BatchMode=yes \
  -- "$job_command"
