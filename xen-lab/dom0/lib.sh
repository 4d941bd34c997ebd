# Helpers for test scripts run inside the xen-lab dom0 (sourced before /lab/test.sh).
up() { cut -d' ' -f1 /proc/uptime; }

# rec NAME CMD ARGS...: run a command, keep its stdout, stderr and exit code apart in
# /out/NAME.stdout, /out/NAME.stderr, /out/NAME.rc, and the time it took (in 10 ms ticks of
# /proc/uptime) in /out/NAME.seconds. Prints one "LAB rec" line per command on the console.
rec() {
  name=$1; shift
  t0=$(up)
  "$@" >"/out/$name.stdout" 2>"/out/$name.stderr"
  rc=$?
  t1=$(up)
  echo "$rc" >"/out/$name.rc"
  echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }' >"/out/$name.seconds"
  echo "LAB rec $name rc=$rc seconds=$(cat "/out/$name.seconds")"
  return 0
}

# wait_for SECONDS CMD...: poll a command once a second until it succeeds
wait_for() {
  n=$1; shift
  while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 1; n=$((n - 1)); done
  return 1
}
