#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind over every thread of the target
# (user space only: kernel time is not counted). It is steadier than req/s on a shared VM, but
# not exact: under valgrind requests are ~50x slower, so work batched by time (usage flushes,
# write-behind, JIT compilation of rarely run code) lands on ~50x fewer requests, and how much
# of it lands depends on how fast the run goes. Runs of one build gave 1.21M-1.50M governed
# instructions per request when other work shared the machine or requests timed out. Compare a
# target only with itself, run both sides back to back on an otherwise idle machine, and read
# differences under ~20 % as noise.
#
#   test/bench/instructions.sh <thin|plain|governance|strict> [requests=2000] [warm-up=5000]
#
# Needs valgrind (apt-get install valgrind). Takes a few minutes: the target runs ~50x slower.
set -euo pipefail
target=${1:?usage: instructions.sh <thin|plain|governance|strict> [requests] [warm-up]}
requests=${2:-2000}
warmup=${3:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# valgrind and callgrind_control name their rendezvous files after USER and HOST: keep them equal.
export USER=${USER:-root} LOGNAME=${LOGNAME:-root} HOST=127.0.0.1

wait_for() { for _ in $(seq 600); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.5; done; echo "timed out: $2" >&2; exit 1; }

# The mock upstream is the bench's nginx (see nginx-mock.ts), on two free ports.
json_port=$((25000 + RANDOM % 2000)); sse_port=$((json_port + 1))
mkdir -p "$work/nginx"
node --import tsx -e "import('./test/bench/nginx-mock.ts').then((m) => process.stdout.write(m.nginxConfig({ jsonPort: $json_port, ssePort: $sse_port })))" > "$work/nginx/nginx.conf"
nginx -p "$work/nginx/" -c nginx.conf > "$work/mock.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf -m 1 "http://127.0.0.1:$json_port/health" > /dev/null && break; sleep 0.1; done
upstream="http://127.0.0.1:$json_port"
node scripts/build.mjs --if-stale
port=$((20000 + RANDOM % 5000))
valgrind=(valgrind --tool=callgrind --instr-atstart=no --smc-check=all --vgdb=yes --callgrind-out-file="$work/cg.out")
headers=(-H content-type=application/json)
if [ "$target" = thin ]; then
  "${valgrind[@]}" node test/bench/bare-proxy.mjs "$upstream" > "$work/target.out" 2>&1 < <(sleep 100000) &
  pids+=($!)
  wait_for READY "$work/target.out"
  port=$(awk '/READY/ {print $2}' "$work/target.out")
else
  node --import tsx -e "import('./test/bench/config.ts').then((m) => console.log(JSON.stringify(m.heimdallConfig('$target', '$upstream'))))" > "$work/config.json"
  env -u DATABASE_URL -u REDIS_URL PORT=$port HEIMDALL_CONFIG="$work/config.json" HEIMDALL_DATA_DIR="$work/data" \
    HEIMDALL_ENCRYPTION_KEY=bench-key LOG_LEVEL=warn "${valgrind[@]}" node dist/api/main.js > "$work/target.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do curl -sf -m 2 "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
  [ "$target" != plain ] && headers+=(-H "x-bf-vk=$(node --import tsx -e "import('./test/bench/config.ts').then((m) => console.log(m.benchVirtualKey))")")
fi
pid=${pids[-1]}
url="http://127.0.0.1:$port/v1/chat/completions"
body='{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
npx autocannon -c 16 -a "$warmup" -m POST "${headers[@]}" -b "$body" "$url" > /dev/null 2>&1
callgrind_control -i on "$pid" > /dev/null 2>&1
npx autocannon -c 16 -a "$requests" -m POST "${headers[@]}" -b "$body" "$url" -j > "$work/load.json" 2> /dev/null
sleep 2 # request logs and ledger entries written behind belong to these requests
callgrind_control -i off "$pid" > /dev/null 2>&1
callgrind_control -d "$pid" > /dev/null 2>&1
sleep 1
ok=$(node -e "console.log(require('$work/load.json')['2xx'])")
total=$(cat "$work"/cg.out* | awk '/^(summary|totals):/ {s += $2} END {print s}')
echo "$target: $ok responses, $((total / ok)) instructions per request"
