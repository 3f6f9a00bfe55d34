# Sourced by the bench scripts: the SIPp load steps they share.
#   sipp_step <target> <rate> [scenario args...]   SIPP_PROCESSES-wide step of `step` seconds at <rate> calls/s
#        (default scenario `-sn uac`), printing "failed achieved": anything short of every call successful counts as
#        failed (errors, timeouts, calls never placed); achieved = calls completed / wall time. Each SIPp is bounded by
#        -timeout (step + 30 s). Reads $step, $procs, $work.
#   rtt_report <name> <rate> <dir> <warm-up-seconds>   p50/p99/max of the SIPp response-time traces (-trace_rtt, 1 ms
#        resolution) in <dir> after the warm-up, and the failed calls of <dir>/screen.txt.

sipp_step() {
  local target=$1 rate=$2 pids=() failed=0 start end s p
  shift 2
  local scenario=("$@"); [ ${#scenario[@]} -gt 0 ] || scenario=(-sn uac)
  local per=$(( rate / procs )) calls=$(( rate / procs * step ))
  start=$(date +%s.%N)
  for p in $(seq "$procs"); do
    sipp "${scenario[@]}" -i 127.0.0.1 -m "$calls" -r "$per" -l $(( per * 2 )) -nostdin -buff_size 4194304 \
      -timeout $(( step + 30 ))s -timeout_error -trace_screen -screen_file "$work/s$p.txt" "$target" >"$work/o$p.txt" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  end=$(date +%s.%N)
  for p in $(seq "$procs"); do
    # A SIPp that hits -timeout leaves its screen file empty; its last screen on stdout still counts the calls.
    s=$(cat "$work/s$p.txt" "$work/o$p.txt" 2>/dev/null | awk -F'|' '/Successful call/ {gsub(/ /,"",$3); v = $3} END { print v }')
    failed=$(( failed + calls - ${s:-0} ))
  done
  echo "$failed $(awk -v n=$(( calls * procs - failed )) -v a="$start" -v b="$end" 'BEGIN{ printf "%d", n / (b - a) }')"
}

rtt_report() {
  local name=$1 rate=$2 dir=$3 warm=$4 failed n p50 p99 max
  failed=$(awk -F'|' '/Failed call/ {gsub(/ /,"",$3); print $3}' "$dir/screen.txt" 2>/dev/null)
  # Columns: Date_ms;response_time_ms;rtd_no. Skip the warm-up by time since the start.
  cat "$dir"/*_rtt.csv 2>/dev/null | awk -F';' -v warm="$warm" '$1 ~ /^[0-9.]+$/ && $1 >= warm * 1000 { print $2 }' \
    | sort -n >"$dir/rtt.txt"
  n=$(wc -l <"$dir/rtt.txt")
  if [ "$n" -eq 0 ]; then echo "$name: no samples (failed ${failed:-?})"; return; fi
  p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1 { print; exit }' "$dir/rtt.txt")
  p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1 { print; exit }' "$dir/rtt.txt")
  max=$(tail -1 "$dir/rtt.txt")
  printf '%-10s rate %6d/s  samples %7d  failed %s  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n' \
    "$name" "$rate" "$n" "${failed:-?}" "$p50" "$p99" "$max"
}
