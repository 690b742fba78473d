#!/usr/bin/env bash
# Builds the shipped bundles of one domain at the paper's settings:
#   models/<domain>-rrl, models/<domain>-multitask, models/<domain>-mesa, and their calibration plot.
# Usage: [JOBS=n] [ENVS=n] models/build.sh <domain> [seed] [work-folder]
#   JOBS (default: the number of cores): datasets built at a time; above 1, MESA trains beside the others.
#   ENVS (default: the paper's count): use only the first n training environments (a reduced scale).
# Long: MESA's 10,000-15,000 second-order meta-iterations take about an hour on 2 cores (wasm).
# Interrupted runs continue where they stopped (checkpoints in the work folder, --resume).
set -euo pipefail
domain=${1:?usage: models/build.sh <domain> [seed] [work-folder]}
seed=${2:-0}
work=${3:-runs/$domain-seed$seed}
cd "$(dirname "$0")/.."
cli="node dist/cli/main.js"
mkdir -p "$work"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if [ ! -f "$work/data/manifest.json" ]; then
  log "collect"
  $cli collect --domain "$domain" --out "$work/data" --seed "$seed" --held-out 5000 --jobs "${JOBS:-$(nproc)}" ${ENVS:+--envs "$ENVS"} $([ -d "$work/data" ] && echo --resume || true)
fi
resume() { [ -d "$1.checkpoint" ] && echo --resume || true; }

train_rrl() {
  [ -f "models/$domain-rrl/manifest.json" ] && return
  log "train rrl"
  $cli train --method rrl --data "$work/data" --out "models/$domain-rrl" --seed "$seed" --checkpoint "$work/rrl.checkpoint" $(resume "$work/rrl")
}
train_and_adapt() {
  local method=$1
  [ -f "$work/$method-phase1/manifest.json" ] || {
    log "train $method"
    $cli train --method "$method" --data "$work/data" --out "$work/$method-phase1" --seed "$seed" --checkpoint "$work/$method.checkpoint" $(resume "$work/$method")
  }
  [ -f "models/$domain-$method/manifest.json" ] || {
    log "adapt $method"
    $cli adapt --bundle "$work/$method-phase1" --data "$work/data" --out "models/$domain-$method" --seed "$seed" --checkpoint "$work/$method-adapt.checkpoint" $(resume "$work/$method-adapt")
  }
}
if [ "${JOBS:-$(nproc)}" -gt 1 ]; then
  # MESA's meta-training is the long part: it runs beside RRL and Multi-Task, which share a core.
  trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
  train_and_adapt mesa &
  mesa=$!
  train_rrl
  train_and_adapt multitask
  wait "$mesa"
  trap - EXIT
else
  train_rrl
  train_and_adapt multitask
  train_and_adapt mesa
fi
log "eval-critic"
$cli eval-critic --bundle "models/$domain-rrl" "models/$domain-multitask" "models/$domain-mesa" --data "$work/data" --plot "models/$domain-calibration.svg" | tee "models/$domain-eval.txt"
