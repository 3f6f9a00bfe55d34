#!/usr/bin/env bash
# Drain behind Kamailio's dispatcher with N calls held (default 1000): two serve nodes (5151, 5152, each with a
# management endpoint on a free loopback port) behind Kamailio on 5150 (tests/kamailio/dispatcher.cfg: OPTIONS probe
# every second, a node answering 503 is taken out). SIPp places the calls through Kamailio and holds them until a node
# ends them with BYE (tests/sipp/uac-via-proxy-hangup.xml). Then SIGTERM to node A, and the times from the signal to
# A's /health/ready answering 503, to Kamailio marking A inactive, and to A's exit (after the drain timeout, when its
# held calls get BYE); 100 new calls placed while A drains must all reach B. Node B is then stopped the same way, and
# SIPp must count every held call as ended by a BYE (0 failed).
#   bench/sipp/drain-dispatcher.sh [calls] [drain-timeout-seconds]
set -uo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-1000}; timeout=${2:-5}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
serve() {
  dotnet src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll serve --listen "udp:127.0.0.1:$1" \
    --management http://127.0.0.1:0 --drain-timeout "$timeout" >"$work/serve-$1.log" 2>&1 &
}
serve 5151; node_a=$!
serve 5152; node_b=$!
for port in 5151 5152; do
  for _ in $(seq 200); do grep -q "Application started" "$work/serve-$port.log" && break; sleep 0.1; done
done
base_a=$(grep -o 'listening on http://[0-9.:]*' "$work/serve-5151.log" | head -1 | sed 's/listening on //')
base_b=$(grep -o 'listening on http://[0-9.:]*' "$work/serve-5152.log" | head -1 | sed 's/listening on //')

printf '1 sip:127.0.0.1:5151\n1 sip:127.0.0.1:5152\n' >"$work/nodes.list"
mkdir -p "$work/kamailio"
kamailio -f tests/kamailio/dispatcher.cfg -L /usr/lib/x86_64-linux-gnu/kamailio/modules -Y "$work/kamailio" -w "$work/kamailio" \
  -l udp:127.0.0.1:5150 -DD -E -m 64 -M 8 -A "DISPATCHER_LIST=\"$work/nodes.list\"" >"$work/kamailio.log" 2>&1 &
for _ in $(seq 100); do grep -q "dispatcher proxy ready" "$work/kamailio.log" && break; sleep 0.1; done

confirmed() { curl -s "$1/metrics" | awk '/^sipdialogs_dialog_active.*confirmed/ {s += $2} END {print s + 0}'; }
sipp -sf tests/sipp/uac-via-proxy-hangup.xml -i 127.0.0.1 -p 5153 -m "$calls" -r 500 -l "$calls" -nostdin -timeout 180s \
  -trace_screen -screen_file "$work/held.txt" 127.0.0.1:5150 >/dev/null 2>&1 &
held=$!
until [ $(( $(confirmed "$base_a") + $(confirmed "$base_b") )) -ge "$calls" ]; do sleep 0.1; done
on_a=$(confirmed "$base_a"); on_b=$(confirmed "$base_b")

now() { date +%s.%N; }
since() { awk -v a="$t0" -v b="$1" 'BEGIN{printf "%.3f", b-a}'; }
t0=$(now); kill -TERM "$node_a"
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base_a/health/ready")" = 503 ]; do :; done; t_ready=$(now)
until grep -q "dispatcher node down sip:127.0.0.1:5151" "$work/kamailio.log"; do sleep 0.01; done; t_inactive=$(now)
sipp -sf tests/sipp/uac-via-proxy.xml -i 127.0.0.1 -p 5154 -m 100 -r 50 -nostdin -timeout 60s -trace_screen -screen_file "$work/new.txt" \
  127.0.0.1:5150 >/dev/null 2>&1; new_code=$?
wait "$node_a"; code_a=$?; t_exit=$(now)
new_ok=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/new.txt")

kill -TERM "$node_b"; wait "$node_b"; code_b=$?
wait "$held"; sipp_code=$?
ok=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/held.txt")
failed=$(awk -F'|' '/Failed call/ {gsub(/ /,"",$3); print $3}' "$work/held.txt")
echo "$calls calls held through the dispatcher ($on_a on A, $on_b on B), drain timeout ${timeout}s:"
echo "  A not ready after $(since "$t_ready")s, marked inactive by Kamailio after $(since "$t_inactive")s, exit $code_a after $(since "$t_exit")s"
echo "  new calls while A drained: $new_ok of 100 answered (SIPp exit $new_code)"
echo "  held calls ended by BYE: $ok, failed: $failed (SIPp exit $sipp_code); B exit $code_b"
grep -ho 'Drain done.*' "$work"/serve-*.log
