#!/usr/bin/env bash
# INVITE→200 latency of `sipdialogs serve` under load: one `sipp -sn uac` at a fixed rate over UDP loopback, SIPp's
# response-time trace (-trace_rtt) read after the first seconds (JIT warm-up), p50/p99/max in ms; the same run against
# `sipp -sn uas` gives SIPp's own floor. Run it at about half the highest clean rate of bench/sipp/uas.sh.
#   bench/sipp/latency.sh [rate] [seconds] [warm-up-seconds]
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/runtime-counters.sh
. bench/sipp/sipp-steps.sh
rate=${1:-6000}; seconds=${2:-10}; warm=${3:-2}
calls=$(( rate * seconds ))
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --mode uas --listen udp:127.0.0.1:5083 \
  >"$work/serve.log" 2>&1 &
serve_pid=$!
sipp -sn uas -i 127.0.0.1 -p 5093 -nostdin -buff_size 4194304 >/dev/null 2>&1 &
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
counters_start "$serve_pid" "$work/counters.csv"

measure() {
  local name=$1 target=$2 dir="$work/$1"
  mkdir -p "$dir"
  (cd "$dir" && sipp -sn uac -i 127.0.0.1 -m "$calls" -r "$rate" -l $(( rate * 2 )) -nostdin -buff_size 4194304 \
    -trace_rtt -rtt_freq 1000 -timeout $(( seconds + 40 ))s -timeout_error -trace_screen -screen_file screen.txt "$target" >/dev/null 2>&1)
  rtt_report "$name" "$rate" "$dir" "$warm"
}

measure serve 127.0.0.1:5083
measure sipp-uas 127.0.0.1:5093
counters_stop
counters_report "$work/counters.csv"
