#!/usr/bin/env bash
# Load benchmark: the api service against bare net/http (bench/bare), both
# answering GET /healthz with the same body, driven by wrk with the same
# settings. Prints requests/s, p50, p99 and peak RSS for each server, and
# the api/bare throughput ratio.
#
#   bash api/bench/run.sh                     # 7 rounds of 3 s per server
#   ROUNDS=5 DURATION=10s bash api/bench/run.sh
#
# Method: five servers (bare; bare with the api's server timeouts; bare with
# those timeouts and the api's response headers, the floor for any server
# that meets the api's spec; api at LOG_LEVEL=warn; api at the default
# level) run side by side, pinned to one CPU, and wrk, pinned to another,
# drives them in turn, round after round. Interleaving matters on shared
# or burstable machines, whose speed drifts within seconds: each ratio
# compares runs a few seconds apart, and the table shows medians. Pinning gives
# each server one CPU (GOMAXPROCS=1, like a 1-vCPU task) so the load
# generator does not steal from it. Loopback only; the servers are killed
# on exit.
set -euo pipefail

duration=${DURATION:-3s}
rounds=${ROUNDS:-7}
connections=${CONNECTIONS:-64}
warmup=${WARMUP:-3s}
base_port=${BASE_PORT:-18480}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# With two CPUs or more, servers share CPU 0 and wrk gets CPU 1.
server_cpu=() load_cpu=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0) load_cpu=(taskset -c 1)
fi

echo "building api and bare" >&2
(cd "$repo" && go build -trimpath -o "$work/api" ./api && go build -trimpath -o "$work/bare" ./api/bench/bare)

names=(bare "bare -timeouts" "bare -timeouts -headers" "api LOG_LEVEL=warn" "api LOG_LEVEL=info")
ports=("$base_port" "$((base_port + 1))" "$((base_port + 6))" "$((base_port + 2))" "$((base_port + 4))")
servers=(0 1 2 3 4)

"${server_cpu[@]}" "$work/bare" -addr "127.0.0.1:${ports[0]}" &
pids+=($!)
"${server_cpu[@]}" "$work/bare" -timeouts -addr "127.0.0.1:${ports[1]}" &
pids+=($!)
"${server_cpu[@]}" "$work/bare" -timeouts -headers -addr "127.0.0.1:${ports[2]}" &
pids+=($!)
for i in 3 4; do
  level=${names[i]#*=}
  HOST=127.0.0.1 PORT=${ports[i]} METRICS_PORT=$((ports[i] + 1)) LOG_LEVEL=$level DRAIN_DELAY=0s \
    "${server_cpu[@]}" "$work/api" >/dev/null &
  pids+=($!)
done

# wait_for_port blocks until something accepts connections on the port.
wait_for_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on 127.0.0.1:$1" >&2
  return 1
}

# to_ms converts wrk's latency figures (812.00us, 1.20ms, 1.01s) to ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) printf "%.3f", substr(v, 1, length(v)-2) / 1000
    else if (v ~ /ms$/) printf "%.3f", substr(v, 1, length(v)-2)
    else if (v ~ /s$/) printf "%.3f", substr(v, 1, length(v)-1) * 1000
    else printf "%s", v
  }'
}

# load PORT DURATION [wrk flags]: drive one server, print wrk's report.
load() {
  local out
  out=$("${load_cpu[@]}" wrk -t1 -c"$connections" -d"$2" "${@:3}" "http://127.0.0.1:$1/healthz")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "errors driving port $1:" >&2
    echo "$out" >&2
    return 1
  fi
  echo "$out"
}

for i in "${servers[@]}"; do
  wait_for_port "${ports[i]}"
  load "${ports[i]}" "$warmup" >/dev/null
done

# samples[i] holds "rps p50 p99" lines for server i; ratios[i] api/bare per round.
declare -a samples ratios
for round in $(seq "$rounds"); do
  bare_rps=
  for i in "${servers[@]}"; do
    out=$(load "${ports[i]}" "$duration" --latency)
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    samples[i]+="$rps $p50 $p99"$'\n'
    if [[ $i -eq 0 ]]; then
      bare_rps=$rps
    else
      ratios[i]+=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN {printf "%.3f", a / b}')$'\n'
    fi
    printf 'round %d %-24s %10.0f req/s  p50 %s ms  p99 %s ms\n' "$round" "${names[i]}" "$rps" "$p50" "$p99" >&2
  done
done

median() { awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo
echo "GET /healthz: wrk -t1 -c$connections, $rounds rounds of $duration per server, servers ${server_cpu[*]:-unpinned}, wrk ${load_cpu[*]:-unpinned}; $(nproc) CPUs, $(go version | awk '{print $3}')"
printf '%-24s %10s %8s %8s %12s %9s\n' server "req/s" "p50 ms" "p99 ms" "peak RSS MB" "vs bare"
for i in "${servers[@]}"; do
  rps=$(awk '{print $1}' <<<"${samples[i]}" | median)
  p50=$(awk '{print $2}' <<<"${samples[i]}" | median)
  p99=$(awk '{print $3}' <<<"${samples[i]}" | median)
  hwm=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/${pids[i]}/status")
  ratio=-
  if [[ $i -gt 0 ]]; then ratio=$(median <<<"${ratios[i]}"); fi
  printf '%-24s %10.0f %8s %8s %12s %9s\n' "${names[i]}" "$rps" "$p50" "$p99" "$hwm" "$ratio"
done
echo "(medians over rounds; \"vs bare\" is the median of each round's req/s ratio to bare; peak RSS is VmHWM)"
