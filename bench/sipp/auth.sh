#!/usr/bin/env bash
# Calls over UDP loopback through a challenging `sipdialogs serve` (--auth-file, Digest MD5: INVITE, 401, ACK, INVITE
# with Authorization, 200, ACK, BYE, 200; SIPp's [authentication] with -au/-ap) against the same serve without auth
# (`sipp -sn uac`: INVITE, 200, ACK, BYE, 200), in one run. Each step asks for a rate and reports the rate achieved
# (calls completed / wall time) and the failed calls. Ports 5160-5169: the challenging serve 5160, the plain one 5161,
# SIPp from 5162.
#   bench/sipp/auth.sh [seconds-per-step] [rates...]        SIPP_PROCESSES=2 (at most 4)
set -uo pipefail
cd "$(dirname "$0")/../.."
step=${1:-5}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(500 1000 2000 3000 4000)
procs=${SIPP_PROCESSES:-2}
[ "$procs" -ge 1 ] && [ "$procs" -le 4 ] || { echo "SIPP_PROCESSES must be 1-4 (ports 5162-5169)" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT  # every process started here is a job

echo "alice bench.test plain:wonderland" >"$work/secrets"
dotnet build -c Release src/SipDialogs.Server -nologo -clp:ErrorsOnly >/dev/null || exit 1
serve=src/SipDialogs.Server/bin/Release/net10.0/SipDialogs.Server.dll
dotnet "$serve" serve --mode uas --listen udp:127.0.0.1:5160 \
  --auth-file "$work/secrets" --auth-realm bench.test --auth-algorithms MD5 >"$work/auth.log" 2>&1 &
dotnet "$serve" serve --mode uas --listen udp:127.0.0.1:5161 >"$work/plain.log" 2>&1 &
for log in auth plain; do
  for _ in $(seq 100); do grep -q "Application started" "$work/$log.log" && break; sleep 0.1; done
done

# run TARGET-PORT FIRST-SIPP-PORT RATE SCENARIO-ARGS...: prints "failed achieved/s".
run() {
  local port=$1 first=$2 rate=$3; shift 3
  local pids=() failed=0 start end per=$(( rate / procs )) calls=$(( rate / procs * step ))
  start=$(date +%s.%N)
  for p in $(seq "$procs"); do
    sipp "$@" -i 127.0.0.1 -p $(( first + p - 1 )) -m "$calls" -r "$per" -l $(( per * 2 )) -nostdin -buff_size 4194304 \
      -timeout $(( step + 30 ))s -timeout_error -trace_screen -screen_file "$work/s$port-$p.txt" "127.0.0.1:$port" >/dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  end=$(date +%s.%N)
  for p in $(seq "$procs"); do
    s=$(awk -F'|' '/Successful call/ {gsub(/ /,"",$3); print $3}' "$work/s$port-$p.txt" 2>/dev/null)
    failed=$(( failed + calls - ${s:-0} ))
  done
  echo "$failed $(awk -v n=$(( calls * procs - failed )) -v a="$start" -v b="$end" 'BEGIN{ printf "%d", n / (b - a) }')"
}

# Warm up both (JIT, tiered compilation) at a low rate; not reported.
run 5160 5162 500 -sf tests/sipp/uac-auth.xml -au alice -ap wonderland -auth_uri "service@127.0.0.1:5160" >/dev/null
run 5161 $(( 5162 + procs )) 500 -sn uac >/dev/null

echo "load before: $(uptime)"
best_auth=0; best_plain=0
for rate in "${rates[@]}"; do
  read -r fa aa < <(run 5160 5162 "$rate" -sf tests/sipp/uac-auth.xml -au alice -ap wonderland -auth_uri "service@127.0.0.1:5160")
  read -r fp ap < <(run 5161 $(( 5162 + procs )) "$rate" -sn uac)
  echo "asked $rate/s: challenging serve failed=$fa achieved=$aa/s | plain serve failed=$fp achieved=$ap/s"
  [ "$fa" -eq 0 ] && [ "$aa" -gt "$best_auth" ] && best_auth=$aa
  [ "$fp" -eq 0 ] && [ "$ap" -gt "$best_plain" ] && best_plain=$ap
done
echo "highest clean achieved rate: challenging serve $best_auth/s, plain serve $best_plain/s, ratio $(awk -v a=$best_auth -v b=$best_plain 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
echo "load after: $(uptime)"
