#!/usr/bin/env bash
# `sipdialogs serve --mode b2bua` against Kamailio as a dialog-stateful record-routing proxy, in the same run, over
# UDP loopback: SIPp uac → X → SIPp uas, for X each of them. Four figures:
#   rate     the highest rate with 0 failed calls, from SIPP_PROCESSES `sipp -sn uac` processes (rate achieved =
#            calls completed / wall time), each step asked of both;
#   latency  INVITE→200 as the uac sees it (-trace_rtt, after a warm-up), p50/p99/max, at half serve's highest clean rate;
#   hold     HOLD_CALLS bridged calls held at once (`-d`): serve's managed heap (GC.GetTotalMemory, dotnet-counters)
#            and RSS before, at the peak and after; (peak - baseline) / calls per bridged call;
#   leak     LEAK_CALLS bridged calls, then SETTLE_S (lingering transactions last 64*T1 = 32 s), then SIGTERM: serve's
#            own line "stopping with N dialogs, N transactions, N timers" must read 0.
#
#   bench/sipp/b2bua.sh [seconds-per-step] [rates...]
#   env  SIPP_PROCESSES (2), HOLD_CALLS (50000), HOLD_RATE (2000), LEAK_CALLS (100000), SETTLE_S (40),
#        SKIP="hold leak" to leave figures out, KAMAILIO_MODULES (the Debian module directory)
# Ports 5100-5119: serve 5100, Kamailio 5101, the UAS behind serve 5110, behind Kamailio 5111.
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/runtime-counters.sh
. bench/sipp/sipp-steps.sh
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(1000 2000 3000 4000 5000 6000 8000)
procs=${SIPP_PROCESSES:-2}
hold_calls=${HOLD_CALLS:-50000}; hold_rate=${HOLD_RATE:-2000}
leak_calls=${LEAK_CALLS:-100000}; settle=${SETTLE_S:-40}
skip=${SKIP:-}
modules=${KAMAILIO_MODULES:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job
echo "b2bua.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, $(nproc) cores"

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
# The per-call record (an Information event of SipDialogs.Server.CallRouter) is left out: thousands of console lines a
# second would measure the console. Every other Information line stays, the leak figure's among them.
echo '{"Logging":{"LogLevel":{"SipDialogs.Server.CallRouter":"Warning"}}}' >"$work/serve.json"
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --mode b2bua --listen udp:127.0.0.1:5100 \
  --next-hop udp:127.0.0.1:5110 --config "$work/serve.json" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 200); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
sipp -sn uas -i 127.0.0.1 -p 5110 -nostdin -buff_size 4194304 >/dev/null 2>&1 &
sipp -sn uas -i 127.0.0.1 -p 5111 -nostdin -buff_size 4194304 >/dev/null 2>&1 &
kamailio -f bench/kamailio/dialog-record-route.cfg -DD -E -L "$modules" -l udp:127.0.0.1:5101 -m 1024 -M 32 \
  -Y "$work" -w "$work" >"$work/kamailio.log" 2>&1 &
sleep 2
counters_start "$serve_pid" "$work/counters.csv"

best_serve=0; best_kam=0
for rate in "${rates[@]}"; do
  read -r fs as < <(sipp_step 127.0.0.1:5100 "$rate")
  read -r fk ak < <(sipp_step 127.0.0.1:5101 "$rate")
  echo "asked $rate/s: serve b2bua failed=$fs achieved=$as/s | kamailio dialog proxy failed=$fk achieved=$ak/s"
  [ "$fs" -eq 0 ] && [ "$as" -gt "$best_serve" ] && best_serve=$as
  [ "$fk" -eq 0 ] && [ "$ak" -gt "$best_kam" ] && best_kam=$ak
done
echo "highest clean achieved rate: serve b2bua $best_serve/s, kamailio $best_kam/s, ratio $(awk -v a=$best_serve -v b=$best_kam 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
counters_stop
counters_report "$work/counters.csv"

# Latency at half serve's highest clean rate, 10 s, the first 2 s left out.
half=$(( best_serve / 2 )); [ "$half" -gt 0 ] || half=500
latency() {
  local dir="$work/rtt-$1"
  mkdir -p "$dir"
  (cd "$dir" && sipp -sn uac -i 127.0.0.1 -m $(( half * 10 )) -r "$half" -l $(( half * 2 )) -nostdin -buff_size 4194304 \
    -trace_rtt -rtt_freq 1000 -timeout 60s -timeout_error -trace_screen -screen_file screen.txt "$2" >/dev/null 2>&1)
  rtt_report "latency $1" "$half" "$dir" 2
}
latency serve 127.0.0.1:5100
latency kamailio 127.0.0.1:5101

counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
heap() {  # serve's GC.GetTotalMemory and RSS, in bytes
  local total
  if [ -x "$counters" ]; then
    "$counters" collect -p "$serve_pid" --refresh-interval 1 --duration 00:00:00:03 --format csv -o "$work/heap-$1.csv" \
      --counters 'EventCounters\System.Runtime[gc-heap-size]' >/dev/null 2>&1
    total=$(awk -F, '$3 ~ /^GC Heap Size/ { v = $5 } END { if (v != "") printf "%.0f", v * 1000000; else print "nan" }' "$work/heap-$1.csv" 2>/dev/null)
  fi
  echo "${total:-nan} $(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$serve_pid/status")"
}

if [[ " $skip " != *" hold "* ]]; then
  ramp=$(( (hold_calls + hold_rate - 1) / hold_rate )); hold_ms=$(( (ramp + 30) * 1000 ))
  read -r base_heap base_rss < <(heap base)
  pids=()
  for p in $(seq "$procs"); do
    sipp -sn uac -i 127.0.0.1 -d "$hold_ms" -r $(( hold_rate / procs )) -m $(( hold_calls / procs )) -l $(( hold_calls / procs )) \
      -buff_size 4194304 -nostdin -timeout $(( ramp * 2 + hold_ms / 1000 + 120 ))s -timeout_error \
      -trace_screen -screen_file "$work/h$p.txt" 127.0.0.1:5100 >/dev/null 2>&1 &
    pids+=($!)
  done
  sleep $(( ramp + 20 ))   # every call up, the INVITE transactions of the last ones nearly gone
  read -r peak_heap peak_rss < <(heap peak)
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  sleep "$settle"
  read -r after_heap after_rss < <(heap after)
  failed=0
  for p in $(seq "$procs"); do
    f=$(awk -F'|' '/Failed call/ {gsub(/ /,"",$3); print $3}' "$work/h$p.txt" 2>/dev/null); failed=$(( failed + ${f:-0} ))
  done
  awk -v n="$hold_calls" -v b="$base_heap" -v p="$peak_heap" -v a="$after_heap" -v br="$base_rss" -v pr="$peak_rss" -v ar="$after_rss" -v f="$failed" 'BEGIN {
    printf "hold: %d bridged calls (%d failed): heap %.1f -> %.1f -> %.1f MB, %.0f B per bridged call; RSS %.1f -> %.1f -> %.1f MB, %.0f B per bridged call\n",
      n, f, b / 1048576, p / 1048576, a / 1048576, (p - b) / n, br / 1048576, pr / 1048576, ar / 1048576, (pr - br) / n }'
fi

if [[ " $skip " != *" leak "* ]]; then
  leak_rate=$(( best_serve / 2 )); [ "$leak_rate" -gt 0 ] || leak_rate=1000
  pids=()
  for p in $(seq "$procs"); do
    sipp -sn uac -i 127.0.0.1 -r $(( leak_rate / procs )) -m $(( leak_calls / procs )) -l $(( leak_rate )) -buff_size 4194304 -nostdin \
      -timeout $(( leak_calls / leak_rate + 120 ))s -timeout_error -trace_screen -screen_file "$work/l$p.txt" 127.0.0.1:5100 >/dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  ok=0
  for p in $(seq "$procs"); do
    s=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/l$p.txt" 2>/dev/null); ok=$(( ok + ${s:-0} ))
  done
  sleep "$settle"
  kill -TERM "$serve_pid"; wait "$serve_pid"
  echo "leak: $ok of $leak_calls bridged calls at $leak_rate/s succeeded; then $(grep -o 'stopping with .*live' "$work/serve.log")"
fi
echo "b2bua.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
