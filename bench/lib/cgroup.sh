# Sourced by bench scripts: per-process CPU budgets and CPU accounting with cgroup v1 (root only).
# A group "wecompany-bench-NAME" lives in the cpu hierarchy (a CFS quota: the budget) and/or the cpuacct hierarchy
# (cpuacct.usage: the CPU time its processes used). Processes enter a group before they run (cg_exec), so a .NET
# runtime sees its quota from its first instruction (Environment.ProcessorCount, GC heaps, thread pool).
# cg_cleanup (call it from the EXIT trap) moves what is left to the root groups and removes every group made here.
CG_CPU=/sys/fs/cgroup/cpu
CG_ACCT=/sys/fs/cgroup/cpuacct
CG_PREFIX=wecompany-bench-
CG_MADE=()

# Whether this shell may make groups: root, and both hierarchies mounted and writable.
cg_available() { [ "$(id -u)" = 0 ] && [ -w "$CG_CPU/cgroup.procs" ] && [ -w "$CG_ACCT/cgroup.procs" ]; }

_cg_mkdir() {  # hierarchy name
  local dir=$1/$CG_PREFIX$2
  if [ ! -d "$dir" ]; then mkdir "$dir"; CG_MADE+=("$dir"); fi
}

# cg_create NAME CORES: CPU accounting for NAME, and a quota of CORES (e.g. 0.3) unless CORES is 0 (accounting
# only: the processes stay in the root cpu group, scheduled exactly as without this file). A group with a quota
# also gets 10 times the default weight (cpu.shares): on a machine busy with other work it still gets its whole
# budget, which is what it is there to measure; the quota bounds what it can take from the others.
# The quota is per 10 ms period (the kernel's default is 100 ms): a group that has spent its budget waits at most
# the rest of 10 ms, so the stalls of the method itself stay out of the latency it measures.
cg_create() {
  local name=$1 cores=$2
  _cg_mkdir "$CG_ACCT" "$name"
  if awk -v c="$cores" 'BEGIN { exit !(c > 0) }'; then
    _cg_mkdir "$CG_CPU" "$name"
    local period=10000
    echo -1 > "$CG_CPU/$CG_PREFIX$name/cpu.cfs_quota_us"
    echo "$period" > "$CG_CPU/$CG_PREFIX$name/cpu.cfs_period_us"
    awk -v c="$cores" -v p="$period" 'BEGIN { printf "%d\n", c * p }' > "$CG_CPU/$CG_PREFIX$name/cpu.cfs_quota_us"
    echo 10240 > "$CG_CPU/$CG_PREFIX$name/cpu.shares"
  fi
}

# The group files a process writes itself into: the accounting group, and the quota group if NAME has one.
_cg_procs_files() {
  local name=$1
  echo "$CG_ACCT/$CG_PREFIX$name/cgroup.procs"
  if [ -d "$CG_CPU/$CG_PREFIX$name" ]; then echo "$CG_CPU/$CG_PREFIX$name/cgroup.procs"; fi
}

# cg_exec NAME COMMAND...: runs COMMAND (exec, same pid) inside NAME's groups; NAME empty runs it as it is.
cg_exec() {
  local name=$1; shift
  if [ -z "$name" ]; then exec "$@"; fi
  local files; files=$(_cg_procs_files "$name" | tr '\n' ' ')
  # shellcheck disable=SC2016 # $$ and $f belong to the inner shell
  exec sh -c 'for f in '"$files"'; do echo $$ > "$f"; done; exec "$@"' sh "$@"
}

# cg_move NAME PID...: puts running processes (and what they fork later) into NAME's groups.
cg_move() {
  local name=$1 pid f; shift
  for pid in "$@"; do
    for f in $(_cg_procs_files "$name"); do echo "$pid" > "$f" 2>/dev/null || true; done
  done
}

# The full group name as the load generator's cpu= option takes it.
cg_name() { echo "$CG_PREFIX$1"; }

cg_cleanup() {
  local i dir pid
  # Newest first; processes still inside go back to their hierarchy's root so that rmdir succeeds.
  for ((i = ${#CG_MADE[@]} - 1; i >= 0; i--)); do
    dir=${CG_MADE[$i]}
    [ -d "$dir" ] || continue
    while read -r pid; do echo "$pid" > "$(dirname "$dir")/cgroup.procs" 2>/dev/null || true; done < "$dir/cgroup.procs"
    rmdir "$dir" 2>/dev/null || echo "cgroup $dir not removed" >&2
  done
  CG_MADE=()
}
