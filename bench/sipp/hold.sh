#!/usr/bin/env bash
# Memory per live call on `sipdialogs serve` (UAS, UDP loopback): CALLS calls held at once by SIPp, sampled before,
# at the peak and after every call has ended.
#
#   bench/sipp/hold.sh [CALLS] [RATE] [HOLD_MS]
#
#   CALLS    calls held at once (default 100000; 20000 makes a quick run)
#   RATE     new calls a second, over all SIPp processes (default 2000)
#   HOLD_MS  how long SIPp holds each call before its BYE (`-d`); default: the ramp (CALLS/RATE s) plus UP_SETTLE_S
#            plus 20 s, so that all CALLS are up together for a while
#   env      UP_SETTLE_S (35: wait after all calls are up, so the peak is sampled without lingering transactions),
#            PORT (5083), SIPP_PROCESSES (2), SETTLE_S (40: the server's lingering transactions last 64*T1 = 32 s),
#            LIVE_CHECK=1 to add the live heap as dotnet-gcdump counts it at the peak and at the end (it induces a full
#            collection, so each is taken after the other figures of its moment)
#
# Builds Release, starts serve, samples the baseline, runs `sipp -sn uac -d HOLD_MS` from SIPP_PROCESSES processes
# (CALLS/SIPP_PROCESSES calls each, `-m` = `-l`, so none waits for another to end), samples once the SIPp stat files
# show every call created and none ended, waits for SIPp to finish (every call ended with BYE) and then SETTLE_S, and
# samples again. Nothing is forced: no collection is induced, so each figure is what the process holds at that moment.
#
# Two figures for the managed heap, both from dotnet-counters (installed as a global tool if missing), because with no
# induced collection neither is exact and together they bracket the live data:
#   heap (GC.GetTotalMemory)   EventCounters System.Runtime gc-heap-size: the heap after the last collection plus all
#                              allocated since, garbage included (an upper bound);
#   heap (after last GC)       System.Runtime dotnet.gc.last_collection.heap.size, summed over generations: what
#                              survived the last collection (a lower bound when calls were set up after it).
# Calls held for a while are promoted to generation 2 and an idle server allocates nothing, so after the calls end their
# memory stays on the heap as garbage until some later full collection: "after" reads high without a leak. dotnet-gcdump
# counts live objects exactly, but it induces a full collection, so it runs only with LIVE_CHECK=1, last.
# RSS is VmRSS from /proc/PID/status. Per-call figures are (peak - baseline) / CALLS and (after - baseline) / CALLS.
set -uo pipefail
cd "$(dirname "$0")/../.."

calls=${1:-100000}
rate=${2:-2000}
procs=${SIPP_PROCESSES:-2}
port=${PORT:-5083}
settle=${SETTLE_S:-40}
ramp_s=$(( (calls + rate - 1) / rate ))
up_settle=${UP_SETTLE_S:-35}
hold_ms=${3:-$(( (ramp_s + up_settle + 20) * 1000 ))}
per_calls=$(( calls / procs ))
per_rate=$(( rate / procs ))
[ $(( per_calls * procs )) -eq "$calls" ] || { echo "hold.sh: CALLS must be a multiple of SIPP_PROCESSES ($procs)" >&2; exit 2; }
[ "$per_rate" -gt 0 ] || { echo "hold.sh: RATE must be at least SIPP_PROCESSES ($procs)" >&2; exit 2; }

counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
if [ ! -x "$counters" ]; then
  dotnet tool install -g dotnet-counters >/dev/null || { echo "hold.sh: cannot install dotnet-counters" >&2; exit 1; }
fi

work=$(mktemp -d)
serve_pid=""
sipp_pids=()
cleanup() {
  for pid in "${sipp_pids[@]}" $serve_pid; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --listen "udp:127.0.0.1:$port" \
  >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 200); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
grep -q "Application started" "$work/serve.log" || { echo "hold.sh: serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

# One sample: "heap_total heap_after_gc rss", in bytes. Two dotnet-counters sessions at once (one tool cannot mix an
# EventCounters provider with the Meter of the same name), each attached for 3 s; the last reading of each is kept.
sample() {
  local total after rss
  "$counters" collect -p "$serve_pid" --refresh-interval 1 --duration 00:00:00:03 --format csv -o "$work/total-$1.csv" \
    --counters 'EventCounters\System.Runtime[gc-heap-size]' >/dev/null 2>&1 &
  "$counters" collect -p "$serve_pid" --refresh-interval 1 --duration 00:00:00:03 --format csv -o "$work/after-$1.csv" \
    --counters 'System.Runtime[dotnet.gc.last_collection.heap.size]' >/dev/null 2>&1
  wait "$!"
  # Rows: Timestamp,Provider,Counter Name,Counter Type,Mean/Increment. gc-heap-size is GC.GetTotalMemory / 1e6; the
  # last collection's heap size has one row per generation, in bytes, summed over the last timestamp.
  total=$(awk -F, '$3 ~ /^GC Heap Size/ { v = $5 } END { if (v != "") printf "%.0f", v * 1000000; else print "nan" }' "$work/total-$1.csv" 2>/dev/null)
  after=$(awk -F, '$3 ~ /^dotnet.gc.last_collection.heap.size/ { if ($1 != t) { t = $1; s = 0 } s += $5; n++ } END { if (n) printf "%.0f", s; else print "nan" }' "$work/after-$1.csv" 2>/dev/null)
  rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$serve_pid/status")
  echo "${total:-nan} ${after:-nan} ${rss:-nan}"
}

# Sum of one column of the SIPp stat files' last rows.
sipp_sum() {
  local column=$1 sum=0 v f
  for f in "$work"/stat*.csv; do
    v=$(awk -F';' -v c="$column" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k { v = $k } END { print v + 0 }' "$f" 2>/dev/null)
    sum=$(( sum + ${v:-0} ))
  done
  echo "$sum"
}

sleep 2
read -r base_total base_after base_rss < <(sample baseline)
# Before the first collection nothing has been collected: the heap is all that was allocated, live or not.
[ "$base_after" = 0 ] && base_after=$base_total

start=$(date +%s)
for p in $(seq "$procs"); do
  sipp -sn uac -i 127.0.0.1 -d "$hold_ms" -r "$per_rate" -m "$per_calls" -l "$per_calls" -buff_size 4194304 -nostdin \
    -timeout $(( ramp_s * 2 + hold_ms / 1000 + 120 ))s -timeout_error \
    -trace_stat -stf "$work/stat$p.csv" -fd 1 -trace_screen -screen_file "$work/screen$p.txt" \
    "127.0.0.1:$port" >/dev/null 2>&1 &
  sipp_pids+=($!)
done

# Peak: every call created and still up (CurrentCall counts calls from INVITE to the end of BYE); then UP_SETTLE_S, so
# that the INVITE transactions of the last calls (which linger 64*T1 = 32 s after the 200) are gone and the sample holds
# the calls alone. Gives up waiting at the ramp plus half the hold, and samples anyway.
deadline=$(( start + ramp_s + hold_ms / 2000 + 5 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  [ "$(sipp_sum TotalCallCreated)" -ge "$calls" ] && [ "$(sipp_sum CurrentCall)" -ge "$calls" ] && break
  sleep 1
done
sleep "$up_settle"
up=$(sipp_sum CurrentCall)
up_at=$(( $(date +%s) - start ))
read -r peak_total peak_after peak_rss < <(sample peak)
if [ "${LIVE_CHECK:-0}" = 1 ]; then
  # The live heap with every call up, after the figures above (the collection it induces changes what follows).
  gcdump=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
  [ -x "$gcdump" ] || dotnet tool install -g dotnet-gcdump >/dev/null
  peak_live=$("$gcdump" report -p "$serve_pid" 2>/dev/null | awk '/GC Heap bytes/ { gsub(/,/, "", $1); print $1 }')
fi

for pid in "${sipp_pids[@]}"; do wait "$pid"; done
sipp_pids=()
ended_at=$(( $(date +%s) - start ))
sleep "$settle"
read -r after_total after_after after_rss < <(sample after)

succeeded=0; failed=0
for p in $(seq "$procs"); do
  s=$(awk -F'|' '/Successful call/ { gsub(/ /, "", $3); print $3 }' "$work/screen$p.txt" 2>/dev/null)
  f=$(awk -F'|' '/Failed call/ { gsub(/ /, "", $3); print $3 }' "$work/screen$p.txt" 2>/dev/null)
  succeeded=$(( succeeded + ${s:-0} )); failed=$(( failed + ${f:-0} ))
done

mb() { awk -v b="$1" 'BEGIN { if (b == "nan") printf "%13s", "n/a"; else printf "%10.1f MB", b / 1048576 }'; }
per() { awk -v a="$1" -v b="$2" -v n="$calls" 'BEGIN { if (a == "nan" || b == "nan") printf "%11s", "n/a"; else printf "%9.0f B", (a - b) / n }'; }
row() {
  printf '%-24s %s %s %s   %s %s\n' "$1" "$(mb "$2")" "$(mb "$3")" "$(mb "$4")" "$(per "$3" "$2")" "$(per "$4" "$2")"
}
echo "hold.sh: $calls calls at $rate/s from $procs SIPp processes, each held ${hold_ms} ms; serve on udp:127.0.0.1:$port"
echo "peak sampled at ${up_at} s with $up calls up; SIPp done at ${ended_at} s; after sampled ${settle} s later"
printf '%-24s %13s %13s %13s   %11s %11s\n' "" baseline peak after "per call" "left/call"
row "heap (GC.GetTotalMemory)" "$base_total" "$peak_total" "$after_total"
row "heap (after last GC)" "$base_after" "$peak_after" "$after_after"
row "RSS" "$base_rss" "$peak_rss" "$after_rss"
echo "SIPp: $succeeded successful, $failed failed calls"
if [ "${LIVE_CHECK:-0}" = 1 ]; then
  gcdump=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
  [ -x "$gcdump" ] || dotnet tool install -g dotnet-gcdump >/dev/null
  live=$("$gcdump" report -p "$serve_pid" 2>/dev/null | awk '/GC Heap bytes/ { gsub(/,/, "", $1); print $1 }')
  echo "live heap after a full collection (dotnet-gcdump, induced now): $(mb "${live:-nan}")"
  echo "live heap with every call up (dotnet-gcdump at the peak): $(mb "${peak_live:-nan}"), $(awk -v p="${peak_live:-0}" -v l="${live:-0}" -v n="$calls" 'BEGIN { printf "%d", (p - l) / n }') B per live call over the live heap after"
fi
[ "$failed" -eq 0 ] && [ "$succeeded" -eq "$calls" ]
