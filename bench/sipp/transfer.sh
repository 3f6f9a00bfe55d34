#!/usr/bin/env bash
# Blind transfers over UDP loopback with `sipdialogs serve` as the transferee: SIPp (tests/sipp/uac-transfer.xml) calls
# serve, sends REFER, takes the 202 and every NOTIFY up to the terminated one with 200 OK, and ends its call with BYE;
# serve calls the target, one `sipp -sn uas`, and ends that call with BYE once it is answered (--transfer-hold 0).
# A transfer counts when SIPp's scenario completed: REFER, 202, NOTIFYs, new call answered, old call ended.
#
#   bench/sipp/transfer.sh [seconds-per-step] [rates...]
#       The highest rate with 0 failed transfers: each step asks for a rate (transfers/s over all SIPp processes) for
#       seconds-per-step seconds and reports the rate achieved (transfers completed / wall time).
#   SOAK=100000 bench/sipp/transfer.sh
#       SOAK transfers at SOAK_RATE/s (default 500): serve's managed heap and RSS before, halfway and after (SETTLE_S
#       later), and the dialogs, transactions, timers and subscriptions serve holds after, from the line it logs when
#       it stops.
#   env      SIPP_PROCESSES (2; one SIPp process tops out before serve does), PORT (5085), TARGET_PORT (5095),
#            SETTLE_S (40: serve's lingering transactions last 64*T1 = 32 s)
set -uo pipefail
cd "$(dirname "$0")/../.."

procs=${SIPP_PROCESSES:-2}
port=${PORT:-5085}
target_port=${TARGET_PORT:-5095}
scenario=tests/sipp/uac-transfer.xml
work=$(mktemp -d)
serve_pid=""
target_pid=""
sipp_pids=()
cleanup() {
  for pid in "${sipp_pids[@]}" $target_pid $serve_pid; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --listen "udp:127.0.0.1:$port" --transfer-hold 0 \
  >"$work/serve.log" 2>&1 &
serve_pid=$!
sipp -sn uas -i 127.0.0.1 -p "$target_port" -nostdin -buff_size 4194304 >/dev/null 2>&1 &
target_pid=$!
for _ in $(seq 200); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
grep -q "Application started" "$work/serve.log" || { echo "transfer.sh: serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

# Runs `count` transfers per SIPp process at `per` transfers/s each; prints "failed achieved-per-second".
run() {
  local per=$1 count=$2 failed=0 start end s p
  sipp_pids=()
  start=$(date +%s.%N)
  for p in $(seq "$procs"); do
    sipp -sf "$scenario" -key target_ip 127.0.0.1 -key target_port "$target_port" -i 127.0.0.1 \
      -m "$count" -r "$per" -l $(( per * 4 )) -nostdin -buff_size 4194304 \
      -timeout $(( count / per + 60 ))s -timeout_error -trace_screen -screen_file "$work/s$p.txt" "127.0.0.1:$port" >/dev/null 2>&1 &
    sipp_pids+=($!)
  done
  for pid in "${sipp_pids[@]}"; do wait "$pid"; done
  sipp_pids=()
  end=$(date +%s.%N)
  for p in $(seq "$procs"); do
    s=$(awk -F'|' '/Successful call/ { gsub(/ /, "", $3); print $3 }' "$work/s$p.txt" 2>/dev/null)
    failed=$(( failed + count - ${s:-0} ))
  done
  echo "$failed $(awk -v n=$(( count * procs - failed )) -v a="$start" -v b="$end" 'BEGIN { printf "%d", n / (b - a) }')"
}

if [ -z "${SOAK:-}" ]; then
  step=${1:-5}; shift || true
  rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(500 1000 1500 2000 2500 3000 4000)
  best=0
  for rate in "${rates[@]}"; do
    per=$(( rate / procs ))
    read -r failed achieved < <(run "$per" $(( per * step )))
    echo "asked $rate/s: failed=$failed achieved=$achieved/s"
    [ "$failed" -eq 0 ] && [ "$achieved" -gt "$best" ] && best=$achieved
  done
  echo "highest clean achieved rate: $best transfers/s (SIPp processes: $procs, $step s a step)"
  exit 0
fi

# Soak: live heap (dotnet-gcdump) and RSS before and after. Halfway, the heap is read without inducing a collection
# (dotnet-counters gc-heap-size: the heap after the last collection plus all allocated since, an upper bound): a full
# blocking collection of a heap that size stalls serve long enough for SIPp to retransmit, which a run at load does not
# survive. Then the live counts serve logs when it stops.
tool() {
  local path
  path=$(command -v "$1" || echo "$HOME/.dotnet/tools/$1")
  [ -x "$path" ] || dotnet tool install -g "$1" >/dev/null || { echo "transfer.sh: cannot install $1" >&2; exit 1; }
  echo "$path"
}
gcdump=$(tool dotnet-gcdump)
counters=$(tool dotnet-counters)
rss() { awk '/^VmRSS:/ { printf "RSS %7.1f MB", $2 / 1024 }' "/proc/$serve_pid/status"; }
live() {
  "$gcdump" report -p "$serve_pid" 2>/dev/null | awk '/GC Heap bytes/ { gsub(/,/, "", $1); printf "live heap %7.1f MB (gcdump)", $1 / 1048576 }'
}
heap() {
  "$counters" collect -p "$serve_pid" --refresh-interval 1 --duration 00:00:00:03 --format csv -o "$work/heap.csv" \
    --counters 'EventCounters\System.Runtime[gc-heap-size]' >/dev/null 2>&1
  awk -F, '$3 ~ /^GC Heap Size/ { v = $5 } END { printf "heap    %7.1f MB (gc-heap-size, garbage included)", v }' "$work/heap.csv"
}
soak=$SOAK
rate=${SOAK_RATE:-500}
settle=${SETTLE_S:-40}
per=$(( rate / procs ))
count=$(( soak / procs ))
[ $(( count * procs )) -eq "$soak" ] || { echo "transfer.sh: SOAK must be a multiple of SIPP_PROCESSES ($procs)" >&2; exit 2; }

sleep 2
before="$(live), $(rss)"
started=$(date +%s)
run "$per" "$count" >"$work/soak.txt" &
runner=$!
sleep $(( count / per / 2 ))
during="$(heap), $(rss)"
wait "$runner"
read -r failed achieved <"$work/soak.txt"
finished=$(( $(date +%s) - started ))
sleep "$settle"
after="$(live), $(rss)"
kill -TERM "$serve_pid"
wait "$serve_pid"
serve_pid=""
echo "transfer.sh soak: $soak transfers at $rate/s asked ($achieved/s achieved) from $procs SIPp processes in ${finished} s; $failed failed"
echo "before:              $before"
echo "halfway:             $during"
echo "after (+${settle} s):      $after"
grep -o "SIP stack stopping with .* live" "$work/serve.log" | sed 's/^/after, serve logged: /'
[ "$failed" -eq 0 ]
