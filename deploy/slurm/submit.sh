#!/usr/bin/env bash
# Submit an experiment as N shards (a Slurm job array) and a merge job that runs after them.
#   deploy/slurm/submit.sh CONFIG OUT N [extra cyclr compare flags, e.g. --seeds 0,1]
# OUT must be on a file system every node sees. CYCLR (default: cyclr on the PATH) is the binary.
set -euo pipefail
CONFIG=$1 OUT=$2 N=$3
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
export CONFIG OUT EXTRA_ARGS="$*" CYCLR=${CYCLR:-cyclr}
array=$(sbatch --parsable --array=1-"$N" --export=ALL "$HERE/compare.sbatch")
merge=$(sbatch --parsable --dependency=afterany:"$array" --export=ALL "$HERE/merge.sbatch")
echo "shards: job array $array (1-$N); merge: job $merge (after the array); results in $OUT"
