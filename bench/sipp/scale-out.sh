#!/usr/bin/env bash
# Scale-out figures on one box, in one run: calls/s of `serve` without and with `--redis` (steps interleaved, so the
# box's load hits both alike), Redis commands, round trips and bytes per call, and Redis memory per live call.
# Ports 5120-5139: serve 5120 (in memory), serve 5121 (--redis), redis-server 5122.
#   bench/sipp/scale-out.sh [seconds-per-step] [rates...]
set -uo pipefail
cd "$(dirname "$0")/../.."
. bench/sipp/sipp-step.sh
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(1000 2000 3000 4000)
held=${HELD_CALLS:-2000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job
rc() { redis-cli -p 5122 "$@"; }

dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
redis-server --port 5122 --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
serve=src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll
dotnet $serve serve --listen udp:127.0.0.1:5120 >"$work/plain.log" 2>&1 &
dotnet $serve serve --listen udp:127.0.0.1:5121 --redis 127.0.0.1:5122 --node-id bench >"$work/redis-node.log" 2>&1 &
replicated_pid=$!
for _ in $(seq 200); do grep -q "Application started" "$work/plain.log" && grep -q "Application started" "$work/redis-node.log" && break; sleep 0.1; done


rc config resetstat >/dev/null
total=0; best_plain=0; best_redis=0
for rate in "${rates[@]}"; do
  read -r fp ap _ < <(sipp_step 127.0.0.1:5120 "$rate")
  read -r fr ar sr < <(sipp_step 127.0.0.1:5121 "$rate")
  total=$(( total + sr ))
  echo "asked $rate/s: in memory failed=$fp achieved=$ap/s | --redis failed=$fr achieved=$ar/s"
  [ "$fp" -eq 0 ] && [ "$ap" -gt "$best_plain" ] && best_plain=$ap
  [ "$fr" -eq 0 ] && [ "$ar" -gt "$best_redis" ] && best_redis=$ar
done
echo "highest clean rate: in memory $best_plain/s, --redis $best_redis/s, ratio $(awk -v a=$best_redis -v b=$best_plain 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"

commands=$(rc info commandstats | awk -F'[=,:]' '/^cmdstat_/ {n += $3} END {print n}')
net_in=$(rc info stats | awk -F: '/^total_net_input_bytes/ {print $2+0}')
echo "redis: $commands commands, $net_in bytes received, for $total calls (heartbeats and takeover scans included):" \
  "$(awk -v c="$commands" -v n="$total" 'BEGIN{ printf "%.2f", c / n }') commands/call," \
  "$(awk -v b="$net_in" -v n="$total" 'BEGIN{ printf "%d", b / n }') B/call"
rc info commandstats | grep -E "^cmdstat_(evalsha|eval|sadd|srem|set|expire|smembers|exists)" | sed 's/^/  /'

# Memory per live call: once the records of the load steps are gone, hold calls on the replicated node and read
# Redis' own accounting.
for _ in $(seq 300); do [ "$(rc eval "return #redis.call('keys', 'sipdialogs:{*')" 0)" -eq 0 ] && break; sleep 0.1; done
base=$(rc info memory | awk -F: '/^used_memory:/ {print $2+0}')
sipp -sn uac -i 127.0.0.1 -m "$held" -r 500 -l "$held" -d 30000 -nostdin -timeout 90s -timeout_error \
  -trace_screen -screen_file "$work/h.txt" 127.0.0.1:5121 >/dev/null 2>&1 &
holding=$!
for _ in $(seq 300); do
  n=$(rc eval "return #redis.call('keys', 'sipdialogs:{*')" 0); [ "$n" -ge "$held" ] && break; sleep 0.1
done
used=$(rc info memory | awk -F: '/^used_memory:/ {print $2+0}')
key=$(rc --scan --pattern 'sipdialogs:{*' | head -1)
echo "redis memory with $n live calls: $(( (used - base) / n )) B/call (used_memory delta); one record: $(rc memory usage "$key") B (MEMORY USAGE), encoding $(rc object encoding "$key")"
wait "$holding"
for _ in $(seq 100); do n=$(rc eval "return #redis.call('keys', 'sipdialogs:{*')" 0); [ "$n" -eq 0 ] && break; sleep 0.1; done
echo "dialog records left after the held calls ended: $n"

kill -TERM "$replicated_pid"; wait "$replicated_pid" 2>/dev/null
grep -o "Replication stopped: .*" "$work/redis-node.log" | sed 's/^/serve --redis: /'
