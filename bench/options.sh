#!/usr/bin/env bash
# OPTIONS over UDP loopback: the highest rate SIPp drives with 0 failed calls against `sipdialogs serve` and,
# in the same run, against Kamailio answering statelessly (sl_send_reply). Prints one line per step and the ratio.
#   bench/options.sh [seconds-per-step] [rates...]
set -uo pipefail
cd "$(dirname "$0")/.."
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
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done

# run TARGET RATE -> prints failed count (0 = clean); the rate is split over $procs SIPp processes.
run() {
  local target=$1 rate=$2 pids=() failed=0
  local per=$(( rate / procs )) calls=$(( rate / procs * step ))
  for p in $(seq "$procs"); do
    sipp -sf bench/sipp/options-uac.xml -i 127.0.0.1 -m "$calls" -r "$per" -l $(( per * 2 )) -nostdin \
      -buff_size 4194304 -timeout $(( step + 20 ))s -timeout_error -trace_screen -screen_file "$work/s$p.txt" \
      "$target" >/dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  for p in $(seq "$procs"); do
    # Anything short of every call successful counts as failed (errors, timeouts, calls never placed).
    s=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/s$p.txt" 2>/dev/null)
    failed=$(( failed + calls - ${s:-0} ))
  done
  echo "$failed"
}

best_serve=0; best_kam=0
for rate in "${rates[@]}"; do
  fs=$(run 127.0.0.1:5080 "$rate"); fk=$(run 127.0.0.1:5070 "$rate")
  echo "rate $rate/s: serve failed=$fs kamailio failed=$fk"
  [ "$fs" -eq 0 ] && best_serve=$rate
  [ "$fk" -eq 0 ] && best_kam=$rate
done
echo "highest clean rate: serve $best_serve/s, kamailio $best_kam/s, ratio $(awk -v a=$best_serve -v b=$best_kam 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
