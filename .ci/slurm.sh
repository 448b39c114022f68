#!/usr/bin/env bash
# A real single-node Slurm cluster on 127.0.0.1 for crates/cli/tests/slurm.rs.
#   .ci/slurm.sh up     install slurmctld, slurmd, munge (Debian), write a
#                       config under target/slurm, start munged, slurmctld and
#                       slurmd, wait for the node, write target/slurm/env.sh
#   .ci/slurm.sh down   stop the three daemons (by their pid files)
# Everything lives under target/slurm (config, state, logs, munge socket and
# key); nothing in /etc is touched, so it can run beside a site's own Slurm.
# The prolog is docs/slurm/prolog.sh, the recipe the README documents.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=$root/target/slurm
# Ports off Slurm's defaults (6817/6818), so a local cluster is not disturbed.
ctld_port=${PRELOAD_SLURMCTLD_PORT:-16817}
slurmd_port=${PRELOAD_SLURMD_PORT:-16818}

stop() {
  for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [ -s "$pid" ]; then
      kill "$(cat "$pid")" 2>/dev/null || true
      rm -f "$pid"
    fi
  done
}

case "${1:-}" in
  up)
    export DEBIAN_FRONTEND=noninteractive
    need=()
    for pkg in slurmctld slurmd slurm-client munge; do
      dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
    stop
    rm -rf "$dir"
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
    chmod 700 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    cpus=$(nproc)
    # The prolog wrapper tells docs/slurm/prolog.sh where this build's
    # binary is and where to log (a site installs preload in /usr/local/bin).
    cat >"$dir/prolog" <<PROLOG
#!/bin/bash
export PRELOAD_BIN=$root/target/debug/preload
export PRELOAD_PROLOG_LOG=$dir/log/preload-prolog.log
export SLURM_CONF=$dir/slurm.conf
exec $root/docs/slurm/prolog.sh
PROLOG
    chmod 755 "$dir/prolog"
    cat >"$dir/slurm.conf" <<CONF
ClusterName=preloadci
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups or systemd here (a container): track processes by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
Prolog=$dir/prolog
PrologFlags=Alloc
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=10 State=UP
CONF
    munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
      --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
      --seed-file="$dir/munge/seed" --force
    export SLURM_CONF=$dir/slurm.conf
    slurmctld
    slurmd -N localhost
    for _ in $(seq 1 60); do
      if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
        echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env.sh"
        echo "slurm: up, source $dir/env.sh" >&2
        exit 0
      fi
      sleep 0.5
    done
    echo "slurm: the node did not become idle in 30 s; logs in $dir/log" >&2
    sinfo >&2 || true
    tail -n 20 "$dir/log/"*.log >&2 || true
    exit 1
    ;;
  down)
    stop
    rm -f "$dir/env.sh"
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
