#!/usr/bin/env bash
# Prints how long each test assembly ran (from the <Times start finish> of its TRX file), longest first.
#   bash .ci/suite-times.sh [TestResults]
set -euo pipefail
dir="${1:-TestResults}"
for file in "$dir"/*.trx; do
  [[ -f "$file" ]] || continue
  head=$(head -c 200000 "$file")
  suite=$(grep -o 'storage="[^"]*"' <<< "$head" | head -1 | sed 's/storage="//; s/"$//; s#.*/##; s/\.dll$//')
  start=$(grep -o '<Times [^>]*' <<< "$head" | grep -o 'start="[^"]*"' | head -1 | cut -d'"' -f2)
  finish=$(grep -o '<Times [^>]*' <<< "$head" | grep -o 'finish="[^"]*"' | head -1 | cut -d'"' -f2)
  if [[ -n "$start" && -n "$finish" ]]; then
    echo "$(( $(date -d "$finish" +%s) - $(date -d "$start" +%s) )) ${suite:-$(basename "$file")}"
  fi
done | sort -rn | awk '{ printf "  %-32s %4d s\n", $2, $1 }'
