#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: Go's pprof tool reads our pprof output;
# Debian's Chromium runs the browser tests (e2e/), driven by Playwright for .NET without a browser download.
# The profiler tests compile C and C++ at test time (gcc, g++, binutils) and name libc from its debug file (libc6-dbg).
# The Python naming tests sample Debian's statically linked /usr/bin/python3.11 (python3.11-minimal strace) beside pyenv's builds.
# The data-folder durability test watches the real executable's syscalls under strace.
# Run as root it installs them; otherwise it names them and fails. Sourced by .ci/test.
APT_PACKAGES=(golang-go chromium fonts-dejavu-core ffmpeg gcc g++ binutils libc6-dbg xz-utils python3.11-minimal strace)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-deps: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi

  echo "== installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
