# Sourced by the bench scripts: one step of `sipp -sn uac` at a rate for $step seconds against a target, printing
# "failed achieved-calls/s successful". Needs $step and $work set by the caller.
#   sipp_step <host:port> <rate>
sipp_step() {
  local target=$1 rate=$2 calls=$(( $2 * step )) start end s
  start=$(date +%s.%N)
  sipp -sn uac -i 127.0.0.1 -m "$calls" -r "$rate" -l $(( rate * 2 )) -nostdin -buff_size 4194304 \
    -timeout $(( step + 30 ))s -timeout_error -trace_screen -screen_file "$work/s.txt" "$target" >/dev/null 2>&1
  end=$(date +%s.%N)
  s=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/s.txt" 2>/dev/null)
  echo "$(( calls - ${s:-0} )) $(awk -v n="${s:-0}" -v a="$start" -v b="$end" 'BEGIN{ printf "%d", n / (b - a) }') ${s:-0}"
}
