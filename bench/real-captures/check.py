#!/usr/bin/env python3
"""Runs `odigos-ui profiles convert` over real captures kept outside this repository (a checkout of Pyroscope's
testdata) and compares every profile type with an independent reading:

- the OTel eBPF profiler capture (pkg/test/integration/testdata/otel-ebpf-profile.pb.bin and .pb.json) against
  Pyroscope's own expected outputs (otel-ebpf-profile-cpu.out.json, -offcpu.out.json) for service unknown_service;
- every pprof file under pkg/ against pprof_reference.py (a plain protobuf reading of profile.proto with the design's
  frame label rules and Pyroscope's .NET function-id repair).

Usage: python3 bench/real-captures/check.py PYROSCOPE_CHECKOUT [path/to/odigos-ui.dll]
Prints one line per file and a closing 'N passed, N failed'.
"""
import collections, glob, json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pprof_reference as ref

root = sys.argv[1]
dll = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../../src/OdigosUi/bin/Release/net10.0/odigos-ui.dll")


def convert(path, profile_type=None, to="folded"):
    args = ["dotnet", dll, "profiles", "convert", path, "--to", to] + (["--profile-type", profile_type] if profile_type else [])
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr.strip()


def parse_folded(text, scale=1):
    out = collections.Counter()
    for line in text.split("\n")[:-1]:
        stack, value = line.rsplit(" ", 1)
        out[stack] += int(value) * scale
    return out


def pyroscope_expected(path):
    out = collections.Counter()
    for sample in json.load(open(path))["samples"]:
        frames = [line.split("[]@")[0] for loc in sample["locations"] for line in loc["lines"]]
        values = sample["values"] if isinstance(sample["values"], list) else [sample["values"]]
        out[";".join(reversed(frames))] += sum(int(v) for v in values)
    return out


def only_unknown_service(capture_json):
    """The capture with only the resources Pyroscope files under service_name=unknown_service."""
    doc = json.load(open(capture_json))
    names = {"service.name", "process.executable.name"}
    doc["resourceProfiles"] = [rp for rp in doc["resourceProfiles"]
                               if not any(a["key"] in names for a in rp.get("resource", {}).get("attributes", []))]
    handle, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(handle, "w") as f:
        json.dump(doc, f)
    return path


passed = failed = 0


def report(ok, what, detail=""):
    global passed, failed
    passed, failed = passed + ok, failed + (not ok)
    print(("ok   " if ok else "FAIL ") + what + (": " + detail if detail else ""))


testdata = os.path.join(root, "pkg/test/integration/testdata")
subset = only_unknown_service(os.path.join(testdata, "otel-ebpf-profile.pb.json"))
for capture in [os.path.join(testdata, "otel-ebpf-profile.pb.bin"), os.path.join(testdata, "otel-ebpf-profile.pb.json"), subset]:
    for profile_type, expected_file, scale in [("samples:count:cpu:nanoseconds", "otel-ebpf-profile-cpu.out.json", 50_000_000),
                                               ("off_cpu:nanoseconds::", "otel-ebpf-profile-offcpu.out.json", 1)]:
        code, out, err = convert(capture, profile_type)
        ours = parse_folded(out, scale) if code == 0 else collections.Counter()
        expected = pyroscope_expected(os.path.join(testdata, expected_file))
        if capture == subset:
            report(ours == expected, f"eBPF capture, unknown_service, {profile_type}",
                   f"{len(ours)} stacks, total {sum(ours.values())} (Pyroscope: {len(expected)}, {sum(expected.values())})")
        else:
            # The whole capture holds more services than Pyroscope's unknown_service query: each expected stack must match.
            missing = [k for k in expected if ours.get(k) != expected[k]]
            report(code == 0 and not missing, f"eBPF capture {os.path.basename(capture)}, {profile_type}",
                   err or f"{len(expected)} of Pyroscope's stacks, {len(missing)} differ; total of every service {sum(ours.values())}")
os.remove(subset)

for path in sorted(glob.glob(os.path.join(root, "pkg/**/testdata/**/*"), recursive=True)):
    if not os.path.isfile(path) or not any(s in path for s in (".pb", ".pprof", "pprof/testdata/")) or path.endswith((".json", ".txt")):
        continue
    try:
        strings, types, *_ = ref.load(path)
        period = ref.period_type(path)
        names = [(strings[t], strings[u]) for t, u in types]
    except Exception:
        continue  # not a pprof profile (JFR label dumps, Git LFS pointers)
    rel = os.path.relpath(path, root)
    for index, (t, u) in enumerate(names):
        profile_type = f"{t}:{u}:{period[0]}:{period[1]}"
        expected, _ = ref.folded(path, index)
        code, out, err = convert(path, profile_type)
        if code != 0:
            # Invalid UTF-8 may be refused (as Pyroscope does) with a one-line reason; anything else must convert.
            report("UTF-8" in err and "\n" not in err, f"{rel} {profile_type}", err)
            continue
        ours = dict(parse_folded(out))
        report(ours == expected, f"{rel} {profile_type}", f"{len(ours)} stacks, total {sum(ours.values())}"
               + ("" if ours == expected else f" (reference: {len(expected)}, {sum(expected.values())})"))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
