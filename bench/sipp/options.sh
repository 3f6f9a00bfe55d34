#!/usr/bin/env bash
# OPTIONS over UDP loopback: the highest rate SIPp drives with 0 failed calls against `sipdialogs serve` and,
# in the same run, against Kamailio answering statelessly (sl_send_reply) and against a SIPp UAS (the ceiling).
# Each step asks for a rate and reports the rate achieved (calls completed / wall time): SIPp may fall short
# of what it was asked for, and the achieved rate is the figure.
#   bench/sipp/options.sh [seconds-per-step] [rates...]
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/sipp-steps.sh
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(2000 4000 6000 8000 10000 12000 14000 16000 20000 24000)
procs=${SIPP_PROCESSES:-2}   # one SIPp process can top out before the server does
modules=${KAMAILIO_MODULES:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --listen udp:127.0.0.1:5080 \
  >"$work/serve.log" 2>&1 &
kamailio -f bench/kamailio/options-stateless.cfg -DD -E -L "$modules" >"$work/kamailio.log" 2>&1 &
sipp -sf bench/sipp/options-uas.xml -i 127.0.0.1 -p 5090 -nostdin -buff_size 4194304 >/dev/null 2>&1 &
uas_pid=$!
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done

# run TARGET RATE -> prints "failed achieved-rate"; the rate is split over $procs SIPp processes.
run() { sipp_step "$1" "$2" -sf bench/sipp/options-uac.xml; }

best_serve=0; best_kam=0; best_sipp=0
for rate in "${rates[@]}"; do
  read -r fs as < <(run 127.0.0.1:5080 "$rate")
  read -r fk ak < <(run 127.0.0.1:5070 "$rate")
  read -r fc ac < <(run 127.0.0.1:5090 "$rate")
  echo "asked $rate/s: serve failed=$fs achieved=$as/s | kamailio failed=$fk achieved=$ak/s | sipp-uas failed=$fc achieved=$ac/s"
  [ "$fs" -eq 0 ] && [ "$as" -gt "$best_serve" ] && best_serve=$as
  [ "$fk" -eq 0 ] && [ "$ak" -gt "$best_kam" ] && best_kam=$ak
  [ "$fc" -eq 0 ] && [ "$ac" -gt "$best_sipp" ] && best_sipp=$ac
done
kill "$uas_pid" 2>/dev/null
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }'; }
echo "highest clean achieved rate: serve $best_serve/s, kamailio $best_kam/s, sipp-uas $best_sipp/s"
echo "serve/kamailio $(ratio $best_serve $best_kam), serve/sipp-uas $(ratio $best_serve $best_sipp)"
