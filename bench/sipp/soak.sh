#!/usr/bin/env bash
# Soak: many calls of `sipp -sn uac` against `sipdialogs serve --mode uas` over UDP loopback, then the stack must be
# back to 0 dialogs, transactions, timers and subscriptions. Transactions linger 64*T1 (32 s) after their final
# response, and an ACK lost under load costs its dialog 64*T1 more (RFC 3261 §13.3.1.4: BYE after no ACK) and that
# BYE 64*T1 of Timer F, so the script waits out 3 x 64*T1 after SIPp ends before it stops serve (SIGINT, by its
# process id) and reads the counts serve logs as it stops. Exit status 0 when everything is back to 0.
#   bench/sipp/soak.sh [calls] [rate] [port]
set -uo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-100000}; rate=${2:-3000}; port=${3:-5086}
linger=${SOAK_LINGER_SECONDS:-100}
work=$(mktemp -d)
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if ss -lun | awk '{print $4}' | grep -q ":$port\$"; then echo "port $port is taken (another soak or bench?)"; exit 2; fi
dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --mode uas --listen "udp:127.0.0.1:$port" \
  >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done

start=$(date +%s)
sipp -sn uac -i 127.0.0.1 -m "$calls" -r "$rate" -l $(( rate * 3 )) -nostdin -buff_size 4194304 \
  -timeout $(( calls / rate + 120 ))s -timeout_error -trace_screen -screen_file "$work/screen.txt" "127.0.0.1:$port" >/dev/null 2>&1
sipp_exit=$?
ok=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/screen.txt" 2>/dev/null)
failed=$(awk -F'|' '/Failed call/ {gsub(/ /,"",$3); print $3}' "$work/screen.txt" 2>/dev/null)
echo "sipp: exit $sipp_exit, ${ok:-0} successful, ${failed:-?} failed calls in $(( $(date +%s) - start )) s"

echo "waiting ${linger} s for lingering transactions and timers"
sleep "$linger"   # A script waits out the protocol's own timers; the unit suite's leak check polls instead.
kill -TERM "$serve_pid"   # SIGINT is ignored by a background job of a script.
wait "$serve_pid" 2>/dev/null
serve_pid=""
line=$(grep -o "SIP stack stopping with .* live" "$work/serve.log" | tail -1)
echo "serve: ${line:-no count line in its log}"
[[ "$line" == "SIP stack stopping with 0 dialogs, 0 transactions, 0 timers and 0 subscriptions live" ]] && [ "$sipp_exit" -eq 0 ]
