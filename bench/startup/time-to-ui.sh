#!/usr/bin/env bash
# Time from `dotnet run` to a usable UI on a fresh clone: once including restore, npm ci, the TypeScript bundle and the
# build (a first run), once excluding them (`dotnet run --no-build` of the same clone). "Usable" means the Overview's
# HTML, blazor.web.js, MudBlazor's CSS and the flame graph bundle all answer 200.
#   bash bench/startup/time-to-ui.sh [REPO (default: this one)]
set -euo pipefail
repo="$(realpath "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}")"
work="$(mktemp -d)"
trap 'kill "${app:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"
port=$((20000 + RANDOM % 20000))
args=(--Ui:Url=http://127.0.0.1:$port --Otlp:GrpcUrl=http://127.0.0.1:0 --Otlp:HttpUrl=http://127.0.0.1:0 --Storage:DataDir= --Kubernetes:Mode=embedded)

usable() {
  for path in / /_framework/blazor.web.js /_content/MudBlazor/MudBlazor.min.css /js/odigos-flame.js; do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")" == 200 ]] || return 1
  done
}

measure() {
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  dotnet run --project src/OdigosUi -c Release "$@" -- "${args[@]}" >"$work/$label.log" 2>&1 &
  app=$!
  until usable; do
    kill -0 "$app" 2>/dev/null || { echo "the app exited; log:"; cat "$work/$label.log"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  awk -v l="$label" -v s="$start" -v e="$end" 'BEGIN { printf "| %s | %.1f |\n", l, e - s }'
  kill "$app"; wait "$app" 2>/dev/null || true
}

echo "| dotnet run | seconds to a usable UI |"
echo "|---|---:|"
measure "fresh clone: restore, npm ci, asset build and build included"
measure "second run: --no-build (restore and asset build excluded)" --no-build
