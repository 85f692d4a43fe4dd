#!/usr/bin/env bash
# Sums the <Counters .../> of every TRX file under a results folder (default TestResults) and prints
#   N passed, N failed[, N skipped]
# alone on a line. Exits 1 when a test failed, when no test ran, or when there is no TRX file.
# Needs only bash, find and awk.
set -euo pipefail

dir="${1:-TestResults}"

if [[ ! -d "$dir" ]]; then
  echo "summarize-trx: no results folder '$dir' (did the build fail?)" >&2
  exit 1
fi

mapfile -d '' files < <(find "$dir" -type f -name '*.trx' -print0 | sort -z)
if ((${#files[@]} == 0)); then
  echo "summarize-trx: no .trx file under '$dir' (did the build fail?)" >&2
  exit 1
fi

# One line per file: total executed passed failed skipped. failed counts failed, error, timeout and aborted;
# skipped is notExecuted (xunit's skipped tests).
counts=$(awk '
  function attr(tag, name,   m) {
    if (match(tag, "[ \t\r\n]" name "=\"[0-9]+\"")) {
      m = substr(tag, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/"$/, "", m); return m + 0
    }
    return 0
  }
  FNR == 1 { buf = ""; done = 0 }
  !done {
    buf = buf " " $0
    if (match(buf, /<Counters[^>]*>/)) {
      tag = substr(buf, RSTART, RLENGTH)
      printf "%d %d %d %d %d\n", attr(tag, "total"), attr(tag, "executed"), attr(tag, "passed"),
        attr(tag, "failed") + attr(tag, "error") + attr(tag, "timeout") + attr(tag, "aborted"),
        attr(tag, "notExecuted")
      done = 1
    } else if (length(buf) > 65536 && index(buf, "<Counters") == 0) {
      buf = substr(buf, length(buf) - 1024)
    }
  }
' "${files[@]}")

total=0 executed=0 passed=0 failed=0 skipped=0 withcounters=0 broken=0
while read -r t e p f s; do
  [[ -z "${t:-}" ]] && continue
  withcounters=$((withcounters + 1))
  total=$((total + t)); executed=$((executed + e)); passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done <<< "$counts"

echo "summarize-trx: ${#files[@]} trx file(s), $total tests, $executed executed" >&2
if ((withcounters < ${#files[@]})); then
  echo "summarize-trx: $((${#files[@]} - withcounters)) trx file(s) have no <Counters> element (test run aborted?)" >&2
  broken=$((${#files[@]} - withcounters))
fi

line="$passed passed, $failed failed"
if ((skipped > 0)); then
  line+=", $skipped skipped"
fi
echo "$line"

if ((failed > 0 || broken > 0)); then
  exit 1
fi
if ((executed == 0 && passed == 0)); then
  echo "summarize-trx: no test ran" >&2
  exit 1
fi
