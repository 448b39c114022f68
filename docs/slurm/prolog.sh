#!/bin/bash
# Slurm prolog (slurm.conf: Prolog=/etc/slurm/prolog.d/preload.sh, PrologFlags=Alloc):
# warm the paths a job names in its comment on every node of its
# allocation, before any of its tasks start.
#   sbatch --comment=preload:/models/llama-70b[:/models/other] job.sbatch
# Runs as root. It never fails: a failing prolog drains the node, and a
# cold model only loads slower.
#   PRELOAD_BIN           the binary (default /usr/local/bin/preload)
#   PRELOAD_FLEET_BUDGET  the storage budget all nodes of a job share (default 4GiB/s)
#   PRELOAD_PROLOG_LOG    where to log (default /var/log/slurm/preload-prolog.log)
set -u
preload=${PRELOAD_BIN:-/usr/local/bin/preload}
budget=${PRELOAD_FLEET_BUDGET:-4GiB/s}
log=${PRELOAD_PROLOG_LOG:-/var/log/slurm/preload-prolog.log}

# Slurm 22.05+ gives the prolog the comment; older ones: ask the controller.
comment=${SLURM_JOB_COMMENT-$(scontrol show job "$SLURM_JOB_ID" --oneliner 2>/dev/null |
  sed -n 's/.* Comment=\([^ ]*\).*/\1/p')}
case "$comment" in preload:?*) ;; *) exit 0 ;; esac
IFS=: read -ra paths <<<"${comment#preload:}"
# preload reads the fleet size from SLURM_JOB_NUM_NODES; where a prolog
# lacks it, count the allocation's nodes.
if [ -z "${SLURM_JOB_NUM_NODES:-}" ]; then
  nodes=$(scontrol show hostnames "${SLURM_JOB_NODELIST:-${SLURM_NODELIST:-}}" 2>/dev/null | wc -l)
  export PRELOAD_FLEET_SIZE=$((nodes > 0 ? nodes : 1))
fi
{
  echo "$(date +%s.%N) job $SLURM_JOB_ID: warm ${paths[*]}"
  timeout 3600 "$preload" warm --backoff --max-rate "$budget/fleet" "${paths[@]}" 2>&1
  rc=$?
  echo "$(date +%s.%N) job $SLURM_JOB_ID: warm exited $rc"
} >>"$log" 2>&1
exit 0
