#!/usr/bin/env bash
# Records the onboarding flow as a product demo: runs it in Debian's Chromium against the real app with its node
# profiler (root needed), and writes onboarding.webm, onboarding.mp4, onboarding.gif and step-NN.png to OUT_DIR.
#   bash e2e/record-onboarding.sh [OUT_DIR]        (default: out/onboarding)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(realpath -m "${1:-out/onboarding}")"
source .ci/ensure-deps.sh
mkdir -p "$out"
ODIGOS_ONBOARDING_OUT="$out" dotnet test e2e/OdigosUi.E2E/OdigosUi.E2E.csproj -c Release \
  --filter "FullyQualifiedName~OnboardingTests" --logger "console;verbosity=normal"
echo "recording: $out"
ls -la "$out"
