#!/usr/bin/env bash
# Calls over UDP loopback: the highest rate of `sipp -sn uac` with 0 failed calls against `sipdialogs serve`
# (answering calls) and, in the same run, against SIPp's own `-sn uas` (the ceiling on this machine).
# Each step asks for a rate and reports the rate achieved (calls completed / wall time).
#   bench/sipp/uas.sh [seconds-per-step] [rates...]
#   env  SIPP_PROCESSES (2), AFTER_S (60: seconds after the load when serve's RSS is read again; 0 skips it)
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/runtime-counters.sh
. bench/sipp/sipp-steps.sh
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(2000 4000 6000 8000 10000 12000 14000)
procs=${SIPP_PROCESSES:-2}   # one SIPp process can top out before the server does
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --mode uas --listen udp:127.0.0.1:5081 \
  >"$work/serve.log" 2>&1 &
serve_pid=$!
sipp -sn uas -i 127.0.0.1 -p 5091 -nostdin -buff_size 4194304 >/dev/null 2>&1 &
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
counters_start "$serve_pid" "$work/counters.csv"

best_serve=0; best_sipp=0
for rate in "${rates[@]}"; do
  read -r fs as < <(sipp_step 127.0.0.1:5081 "$rate")
  read -r fc ac < <(sipp_step 127.0.0.1:5091 "$rate")
  echo "asked $rate/s: serve failed=$fs achieved=$as/s | sipp -sn uas failed=$fc achieved=$ac/s"
  [ "$fs" -eq 0 ] && [ "$as" -gt "$best_serve" ] && best_serve=$as
  [ "$fc" -eq 0 ] && [ "$ac" -gt "$best_sipp" ] && best_sipp=$ac
done
echo "highest clean achieved rate: serve $best_serve/s, sipp -sn uas $best_sipp/s, ratio $(awk -v a=$best_serve -v b=$best_sipp 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
counters_stop
counters_report "$work/counters.csv"
# RSS right after the load and AFTER_S seconds later (issue figure: back under 150 MB within 60 s), by serve's pid.
rss() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$serve_pid/status"; }
after=${AFTER_S:-60}
if [ "$after" -gt 0 ]; then
  right=$(rss); sleep "$after"
  echo "serve RSS: $right MB right after the load, $(rss) MB ${after} s later"
fi
