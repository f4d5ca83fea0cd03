#!/usr/bin/env bash
# Try deploy/slurm on a real, single-node Slurm (Debian packages slurm-wlm and munge), as root,
# without systemd: start munged, slurmctld and slurmd, submit an experiment as 3 shards plus the
# merge, wait, show what happened, stop the daemons.
#   apt-get install -y slurm-wlm munge
#   deploy/slurm/try-local.sh [CONFIG] [OUT] [SHARDS]     (default: experiments/digits-mlp.toml)
# Uses target/release/cyclr (build it first: cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${1:-experiments/digits-mlp.toml}
OUT=$(realpath -m "${2:-target/slurm-try/out}")
N=${3:-3}
WORK=$(realpath -m target/slurm-try)
export CYCLR=$(realpath target/release/cyclr)
mkdir -p "$WORK"
rm -rf "$OUT"

# munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged
munge -n | unmunge | grep -q 'STATUS: *Success' && echo "munge: ok"

# slurm.conf for this one node
host=$(hostname)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=cyclr-try
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
echo "== sinfo"; sinfo

echo "== submit: $CONFIG as $N shards into $OUT"
cd "$WORK"
submitted=$("$OLDPWD/deploy/slurm/submit.sh" "$(realpath "$OLDPWD/$CONFIG")" "$OUT" "$N" ${EXTRA_ARGS:-})
echo "$submitted"
merge=$(echo "$submitted" | sed -n 's/.*merge: job \([0-9]*\).*/\1/p')
for _ in $(seq 600); do
  squeue -h | grep -q . || break
  sleep 2
done
echo "== sacct"; sacct -X -o JobID,JobName,State,ExitCode,Elapsed 2>/dev/null || squeue
echo "== shard logs"; for f in cyclr-shard-*.out; do echo "-- $f"; cat "$f"; done
echo "== merge log"; cat "cyclr-merge-$merge.out"
cd - >/dev/null
echo "== outputs"; ls "$OUT"; ls "$OUT/runs" | wc -l

if [ "${KEEP_RUNNING:-0}" != 1 ]; then
  pkill -x slurmd || true
  pkill -x slurmctld || true
  echo "slurm stopped (KEEP_RUNNING=1 keeps it)"
fi
