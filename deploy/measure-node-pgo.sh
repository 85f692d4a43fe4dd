#!/usr/bin/env bash
# The node role's CPU in its first and second minute, with dynamic PGO on (the .NET default) and off (what the
# chart's DaemonSet sets: DOTNET_TieredPGO=0), under two CPU-bound loops, as root, at 19 Hz. CPU is read from /proc
# (10 ms ticks). Figures in docs/benchmarks.md, "Node profiler".
#
#   sudo bash deploy/measure-node-pgo.sh        # ROUNDS=2 by default; about 4 minutes per round
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-2}
dotnet build src/OdigosUi/OdigosUi.csproj -c Release -nologo -v quiet >/dev/null
DLL=$PWD/src/OdigosUi/bin/Release/net10.0/odigos-ui.dll

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

sh -c 'while :; do :; done' & load1=$!
sh -c 'while :; do :; done' & load2=$!
trap 'kill $load1 $load2 2>/dev/null || true' EXIT

echo "| DOTNET_TieredPGO | first minute (% of a core) | second minute (% of a core) | RSS at 2 min (MiB) |"
echo "|---|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  for pgo in 1 0; do
    ui=$(free_port); grpc=$(free_port); http=$(free_port)
    DOTNET_TieredPGO=$pgo Role=node Kubernetes__Mode=embedded Storage__DataDir=:memory: \
      Ui__Url="http://127.0.0.1:$ui" Otlp__GrpcUrl="http://127.0.0.1:$grpc" Otlp__HttpUrl="http://127.0.0.1:$http" \
      Profiling__SamplesPerSecond=19 Collector__GatewayUrl="http://127.0.0.1:9" Logging__LogLevel__Default=Warning \
      dotnet "$DLL" >/dev/null 2>&1 &
    pid=$!
    sleep 5
    t0=$(cpu_ticks $pid); sleep 60
    t1=$(cpu_ticks $pid); sleep 60
    t2=$(cpu_ticks $pid)
    rss=$(awk '$1 == "VmRSS:" {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
    kill $pid; wait $pid 2>/dev/null || true
    echo "| $pgo | $(printf "%.2f" "$(echo "scale=4; ($t1 - $t0) / 60" | bc)") % | $(printf "%.2f" "$(echo "scale=4; ($t2 - $t1) / 60" | bc)") % | $rss |"
  done
done
