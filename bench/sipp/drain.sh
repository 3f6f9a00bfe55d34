#!/usr/bin/env bash
# Drain timings with N calls held (default 1000): serve on 5089 (management on a free loopback port), SIPp holds the
# calls until serve's BYE (tests/sipp/uac-server-hangup.xml); then SIGTERM, and the times from the signal to
# /health/ready answering 503, to the first OPTIONS answered 503, and to the process's exit (after the drain timeout,
# when the held calls get BYE).
#   bench/sipp/drain.sh [calls] [drain-timeout-seconds]
set -uo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-1000}; timeout=${2:-2}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --listen udp:127.0.0.1:5089 \
  --management http://127.0.0.1:0 --drain-timeout "$timeout" >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 100); do grep -q "Application started" "$work/serve.log" && break; sleep 0.1; done
base=$(grep -o 'listening on http://[0-9.:]*' "$work/serve.log" | head -1 | sed 's/listening on //')
sipp -sf tests/sipp/uac-server-hangup.xml -i 127.0.0.1 -m "$calls" -r 500 -l "$calls" -nostdin -timeout 120s \
  -trace_screen -screen_file "$work/held.txt" 127.0.0.1:5089 >/dev/null 2>&1 &
held=$!
until [ "$(curl -s "$base/metrics" | awk '/^sipdialogs_dialog_active.*confirmed/ {print $2}')" = "$calls" ]; do sleep 0.05; done

now() { date +%s.%N; }
t0=$(now); kill -TERM "$serve"
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 503 ]; do :; done; t_ready=$(now)
sipp -sf tests/sipp/options-refused-503.xml -i 127.0.0.1 -m 1 -nostdin -timeout 10s 127.0.0.1:5089 >/dev/null 2>&1; options_code=$?
t_options=$(now)
wait "$serve"; code=$?; t_exit=$(now)
wait "$held"; sipp_code=$?
echo "$calls calls held, drain timeout ${timeout}s: not ready after $(awk -v a="$t0" -v b="$t_ready" 'BEGIN{printf "%.3f", b-a}')s," \
  "OPTIONS answered 503 (SIPp exit $options_code) by $(awk -v a="$t0" -v b="$t_options" 'BEGIN{printf "%.3f", b-a}')s," \
  "exit $code after $(awk -v a="$t0" -v b="$t_exit" 'BEGIN{printf "%.3f", b-a}')s; SIPp exit $sipp_code"
grep -o 'Drain done.*' "$work/serve.log"
