#!/usr/bin/env bash
# Prints how long each test assembly ran (from the <Times start finish> of its TRX file), longest first.
#   bash .ci/suite-times.sh [TestResults]
set -u
dir="${1:-TestResults}"
for file in "$dir"/*.trx; do
  [[ -f "$file" ]] || continue
  suite=$(grep -m1 -o 'storage="[^"]*"' "$file" | sed 's/storage="//; s/"$//; s#.*/##; s/\.dll$//')
  times=$(grep -m1 -o '<Times [^>]*' "$file")
  start=$(sed -n 's/.* start="\([^"]*\)".*/\1/p' <<< "$times")
  finish=$(sed -n 's/.* finish="\([^"]*\)".*/\1/p' <<< "$times")
  if [[ -n "$start" && -n "$finish" ]]; then
    echo "$(( $(date -d "$finish" +%s) - $(date -d "$start" +%s) )) ${suite:-$(basename "$file")}"
  fi
done | sort -rn | awk '{ printf "  %-32s %4d s\n", $2, $1 }'
