#!/usr/bin/env bash
# The cost of metrics: UAS calls/s with serve's management endpoint off and on, in the same run. Two serves (5087:
# plain; 5088: --management on a free loopback port, scraped once a second while it works, as Prometheus would);
# each step runs `sipp -sn uac` against one and then the other at the same asked rate and reports the achieved rate
# (calls completed / wall time) and failed calls.
#   bench/sipp/management.sh [seconds-per-step] [rates...]
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/sipp-step.sh
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(2000 4000 6000 8000)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
serve=src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll
dotnet "$serve" serve --listen udp:127.0.0.1:5087 >"$work/off.log" 2>&1 &
dotnet "$serve" serve --listen udp:127.0.0.1:5088 --management http://127.0.0.1:0 >"$work/on.log" 2>&1 &
for _ in $(seq 100); do grep -q "Application started" "$work/off.log" && grep -q "Application started" "$work/on.log" && break; sleep 0.1; done
metrics=$(grep -o 'listening on http://[0-9.:]*' "$work/on.log" | head -1 | sed 's/listening on //')/metrics
(while true; do curl -s -o /dev/null "$metrics"; sleep 1; done) &

for rate in "${rates[@]}"; do
  read -r f0 a0 _ < <(sipp_step 127.0.0.1:5087 "$rate")
  read -r f1 a1 _ < <(sipp_step 127.0.0.1:5088 "$rate")
  echo "asked $rate/s: off failed=$f0 achieved=$a0/s | on failed=$f1 achieved=$a1/s | on/off $(awk -v a="$a1" -v b="$a0" 'BEGIN{ if (b>0) printf "%.3f", a/b; else print "n/a" }')"
done
echo "last scrape: $(curl -s "$metrics" | grep -c '^sipdialogs_') sipdialogs series, calls started $(curl -s "$metrics" | awk '/^sipdialogs_call_started_total/ {print $2}')"
