#!/usr/bin/env bash
# Footprint of each role the chart runs (node, gateway, ui), idle: time from start to /readyz, then CPU and memory
# over a settle period, read from /proc. The basis of the resource requests and limits in
# deploy/helm/odigos-ui/values.yaml (figures in docs/benchmarks.md, "Deployment footprint").
#
#   bash deploy/measure-roles.sh            # SETTLE=30 seconds per role by default
#   SETTLE=60 bash deploy/measure-roles.sh
#
# Roles run as the chart runs them except for the resource store (embedded, in memory, instead of a cluster) and
# the forwarding targets (nothing listens there: the node and gateway have nothing to forward while idle). The node
# role runs its perf_event_open profiler at 19 Hz (root or CAP_PERFMON needed, as in the DaemonSet).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SETTLE=${SETTLE:-30}
dotnet build src/OdigosUi/OdigosUi.csproj -c Release -nologo -v quiet >/dev/null
DLL=src/OdigosUi/bin/Release/net10.0/odigos-ui.dll
TICKS=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kib() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }

echo "| role | start to ready (s) | CPU idle (% of a core) | RSS after ${SETTLE} s (MiB) | peak RSS (MiB) |"
echo "|---|---|---|---|---|"
for role in node gateway ui; do
  ui=$(free_port); grpc=$(free_port); http=$(free_port)
  start=$(date +%s.%N)
  Role=$role Kubernetes__Mode=embedded Storage__DataDir=:memory: \
    Ui__Url="http://127.0.0.1:$ui" Otlp__GrpcUrl="http://127.0.0.1:$grpc" Otlp__HttpUrl="http://127.0.0.1:$http" \
    Profiling__Enabled=true Profiling__SamplesPerSecond=19 \
    Collector__GatewayUrl="http://127.0.0.1:9" Gateway__UiUrl="http://127.0.0.1:9" \
    Logging__LogLevel__Default=Warning \
    dotnet "$DLL" >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$ui/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "$role exited during start-up" >&2; exit 1; }
    sleep 0.05
  done
  ready=$(echo "$(date +%s.%N) - $start" | bc)
  before=$(cpu_ticks "$pid")
  sleep "$SETTLE"
  after=$(cpu_ticks "$pid")
  rss=$(status_kib "$pid" VmRSS); hwm=$(status_kib "$pid" VmHWM)
  kill -TERM "$pid"; wait "$pid" || true
  printf "| %s | %.1f | %.2f | %d | %d |\n" "$role" "$ready" \
    "$(echo "100 * ($after - $before) / $TICKS / $SETTLE" | bc -l)" $((rss / 1024)) $((hwm / 1024))
done
