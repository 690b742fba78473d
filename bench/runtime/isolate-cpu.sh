#!/usr/bin/env bash
# Runs a command with one CPU kept free of every other task of the machine, the way booting with
# `isolcpus=<cpu> irqaffinity=<rest>` would, but at run time: every process of the machine moves to a
# cgroup-v1 cpuset without that CPU, and every movable interrupt to the other CPUs; the command alone
# stays in the root cpuset, free to pin its control thread there (bench --control-cpu <cpu>). Only
# per-CPU kernel threads and the CPU's own timer, rescheduling and call interrupts still run there.
# Everything is put back when the command ends, also on failure or Ctrl-C.
# Needs root and the cgroup-v1 cpuset hierarchy at /sys/fs/cgroup/cpuset.
# Usage: bench/runtime/isolate-cpu.sh <cpu> <command...>
# e.g.   bench/runtime/isolate-cpu.sh 1 node --single-threaded-gc dist/bench/runtime/decide.js --rows adaptation --control-cpu 1
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then usage; exit 0; fi
if [ $# -lt 2 ]; then usage >&2; exit 2; fi
cpu=$1
shift
root=/sys/fs/cgroup/cpuset
if [ ! -w "$root/cgroup.procs" ]; then
  echo "isolate-cpu: needs root and the cgroup-v1 cpuset hierarchy at $root" >&2
  exit 1
fi
all=$(cat "$root/cpuset.effective_cpus")
# The root cpuset's CPUs one per line ("0-2,5" -> 0 1 2 5), and without $cpu as a list cpuset.cpus accepts.
cpus=$(echo "$all" | tr ',' '\n' | while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done)
rest=$(echo "$cpus" | grep -vx "$cpu" | paste -sd, - || true)
if ! echo "$cpus" | grep -qx "$cpu"; then
  echo "isolate-cpu: CPU $cpu is not among this machine's CPUs ($all)" >&2
  exit 1
fi
if [ -z "$rest" ]; then
  echo "isolate-cpu: CPU $cpu is the only CPU; nothing would be left for the other tasks" >&2
  exit 1
fi

others="$root/mesa-others"
declare -A irqs
restore() {
  set +e
  if [ -d "$others" ]; then
    while read -r pid; do echo "$pid" > "$root/cgroup.procs" 2>/dev/null; done < "$others/cgroup.procs"
    rmdir "$others"
  fi
  for irq in "${!irqs[@]}"; do echo "${irqs[$irq]}" > "/proc/irq/$irq/smp_affinity_list" 2>/dev/null; done
}
trap restore EXIT INT TERM

mkdir "$others"
echo "$rest" > "$others/cpuset.cpus"
cat "$root/cpuset.mems" > "$others/cpuset.mems"
# Per-CPU kernel threads refuse to move; every other process goes.
while read -r pid; do echo "$pid" > "$others/cgroup.procs" 2>/dev/null || true; done < "$root/cgroup.procs"
for f in /proc/irq/*/smp_affinity_list; do
  irq=$(basename "$(dirname "$f")")
  irqs[$irq]=$(cat "$f")
  echo "$rest" > "$f" 2>/dev/null || true
done
echo "isolate-cpu: CPU $cpu kept for the command; $(wc -l < "$others/cgroup.procs") processes and the interrupts on CPU(s) $rest" >&2
# The command starts from this shell, now in the others' cpuset: it moves itself back to the root one first.
bash -c 'echo $$ > '"$root"'/cgroup.procs && exec "$@"' isolate-cpu "$@"
