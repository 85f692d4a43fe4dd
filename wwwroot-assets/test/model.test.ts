import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyUpdate } from "../src/model/applyUpdate";
import { FlamebearerError, loadFlamebearer, toFlamebearer } from "../src/model/flamebearer";
import { FlameTree, ROOT } from "../src/model/flameTree";
import { fromFolded, toFolded } from "../src/model/folded";
import { decodeProfileUpdate, decodeWatchResult, ProtocolError, type ProfileUpdate } from "../src/model/profileUpdate";
import { FakeServer, random, stacks } from "./support/fakeServer";

function folded(map: Map<string, number>): string {
  return [...map].filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${v}`).sort().join("\n");
}

function apply(tree: FlameTree, update: ProfileUpdate): void {
  const result = applyUpdate(tree, update);
  assert.deepEqual(result, { ok: true });
}

describe("applying hub updates", () => {
  it("a sequence of updates equals the tree built from the final flamebearer", () => {
    const server = new FakeServer();
    const tree = new FlameTree();
    const steps = [
      stacks("main;run;work 5\nmain;run;io 2"),
      stacks("main;run;work 7\nmain;run;io 2\nmain;gc 1"),
      stacks("main;run;work 7\nmain;run;io 2\nmain;gc 4\nmain;run;work;inner 3"),
    ];
    apply(tree, server.next(steps[0], true));
    apply(tree, server.next(steps[1]));
    apply(tree, server.next(steps[2]));
    const expected = loadFlamebearer(toFlamebearer(fromFolded(folded(steps[2])))).tree;
    assert.equal(toFolded(tree), toFolded(expected));
    assert.equal(toFolded(tree), folded(steps[2]));
    assert.equal(tree.totalValue, 7 + 2 + 4 + 3);
    const work = tree.resolvePath(["main", "run", "work"]).node;
    assert.equal(tree.self[work], 7);
    assert.equal(tree.total[work], 10);
  });

  it("negative deltas (samples leaving a sliding window) lower self and every ancestor total", () => {
    const server = new FakeServer();
    const tree = new FlameTree();
    apply(tree, server.next(stacks("a;b;c 10\na;d 4"), true));
    const update = server.next(stacks("a;b;c 3\na;d 4"));
    assert.deepEqual(Array.from(update.selfDeltas), [-7]);
    apply(tree, update);
    const c = tree.resolvePath(["a", "b", "c"]).node;
    assert.equal(tree.self[c], 3);
    assert.equal(tree.total[tree.resolvePath(["a", "b"]).node], 3);
    assert.equal(tree.total[tree.resolvePath(["a"]).node], 7);
    assert.equal(tree.total[ROOT], 7);
    apply(tree, server.next(stacks("a;d 4")));
    assert.equal(tree.total[c], 0);
    assert.equal(toFolded(tree), "a;d 4");
  });

  it("bulk updates (most nodes changed) rebuild totals and agree with per-path updates", () => {
    const next = random(7);
    const server = new FakeServer();
    const tree = new FlameTree();
    let state = new Map<string, number>();
    for (let step = 0; step < 30; step++) {
      state = new Map(state);
      const changes = step % 3 === 0 ? 200 : 3;
      for (let i = 0; i < changes; i++) {
        const depth = 1 + Math.floor(next() * 6);
        const stack = Array.from({ length: depth }, () => `f${Math.floor(next() * 5)}`).join(";");
        state.set(stack, Math.max(0, (state.get(stack) ?? 0) + Math.floor(next() * 20) - 8));
      }
      apply(tree, server.next(state, step === 0));
      assert.equal(toFolded(tree), folded(state), `step ${step}`);
    }
    const rebuilt = fromFolded(folded(state));
    for (let n = 0; n < tree.count; n++) {
      const path = tree.pathOf(n);
      const other = rebuilt.resolvePath(path);
      // Stacks whose value went back to 0 are not in the folded text, so not in the rebuilt tree.
      const expected = other.matched === path.length ? rebuilt.total[other.node] : 0;
      assert.equal(tree.total[n], expected, path.join(";"));
    }
  });

  it("a reset drops frames, nodes and values", () => {
    const server = new FakeServer();
    const tree = new FlameTree();
    apply(tree, server.next(stacks("x;y 3"), true));
    apply(tree, server.next(stacks("p;q 2"), true));
    assert.equal(toFolded(tree), "p;q 2");
    assert.equal(tree.frames.count, 2);
    assert.equal(tree.count, 3);
  });

  it("rejects an update that does not continue what the browser has, and leaves the tree unchanged", () => {
    const server = new FakeServer();
    const tree = new FlameTree();
    apply(tree, server.next(stacks("a;b 1"), true));
    const skipped = server.next(stacks("a;b 1\na;c 1"));
    const after = server.next(stacks("a;b 1\na;c 1\na;e 2"));
    const result = applyUpdate(tree, after);
    assert.equal(result.ok, false);
    assert.match((result as { reason: string }).reason, /starts at frame 3, have 2/);
    assert.equal(toFolded(tree), "a;b 1");
    apply(tree, skipped);
    apply(tree, after);
    assert.equal(tree.totalValue, 4);
  });

  it("rejects parents that are not lower ids, unknown frames and a wrong total", () => {
    const base = new FakeServer().next(stacks("a 1"), true);
    const bad = (change: Partial<ProfileUpdate>) => applyUpdate(new FlameTree(), { ...base, ...change });
    assert.match((bad({ nodeParents: [1] }) as { reason: string }).reason, /parent 1/);
    assert.match((bad({ nodeFrames: [5] }) as { reason: string }).reason, /frame 5/);
    assert.match((bad({ changedNodes: [9] }) as { reason: string }).reason, /changed node 9/);
    assert.match((bad({ totalValue: 99 }) as { reason: string }).reason, /server says 99/);
  });
});

describe("protocol decoding", () => {
  it("reads the MessagePack array by key index", () => {
    const u = decodeProfileUpdate([3, true, null, [], 0, ["a"], ["native"], 1, [0], [0], [1], [5], 5, 5, 0, false, "count", 1000]);
    assert.equal(u.seq, 3);
    assert.equal(u.reset, true);
    assert.equal(u.profileType, null);
    assert.deepEqual(u.frameLabels, ["a"]);
    assert.deepEqual(Array.from(u.selfDeltas), [5]);
    assert.equal(u.period, 1000);
  });

  it("names the field that has the wrong type", () => {
    assert.throws(() => decodeProfileUpdate([1, "yes"]), (e: Error) => e instanceof ProtocolError && /update\.reset/.test(e.message));
    assert.throws(() => decodeProfileUpdate("x"), ProtocolError);
    assert.throws(() => decodeProfileUpdate([1, false, null, [], 0, [1]]), /frameLabels/);
  });

  it("reads WatchResult", () => {
    assert.deepEqual(decodeWatchResult([false, "profiling is disabled"]), { ok: false, error: "profiling is disabled" });
    assert.deepEqual(decodeWatchResult({ ok: true, error: null }), { ok: true, error: null });
  });
});

describe("flamebearer", () => {
  it("loads delta-encoded levels into parents, selves and totals", () => {
    const tree = loadFlamebearer({
      version: 1,
      flamebearer: {
        names: ["total", "main", "a", "b", "c"],
        levels: [[0, 10, 0, 0], [0, 10, 1, 1], [0, 6, 2, 2, 0, 3, 3, 3], [0, 4, 4, 4]],
        numTicks: 10,
        maxSelf: 4,
      },
      metadata: { format: "single", units: "samples", name: "cpu" },
    }).tree;
    assert.equal(toFolded(tree), ["main 1", "main;a 2", "main;a;c 4", "main;b 3"].join("\n"));
    assert.equal(tree.total[tree.resolvePath(["main", "a"]).node], 6);
  });

  it("round-trips through toFlamebearer", () => {
    const text = "x;y;z 3\nx;y 1\nx;w 5\nq 2";
    const tree = fromFolded(text);
    const again = loadFlamebearer(JSON.stringify(toFlamebearer(tree))).tree;
    assert.equal(toFolded(again), toFolded(tree));
  });

  it("answers a clear error for input that is not a flamebearer", () => {
    assert.throws(() => loadFlamebearer("{"), (e: Error) => e instanceof FlamebearerError && /not JSON/.test(e.message));
    assert.throws(() => loadFlamebearer({}), /no 'flamebearer'/);
    assert.throws(() => loadFlamebearer({ flamebearer: { names: ["t"], levels: [[0, 1, 0, 7]], numTicks: 1 } }), /names 7 of 1/);
    assert.throws(() => loadFlamebearer({ flamebearer: { names: ["t"], levels: [[0, 1, 2, 0]], numTicks: 1 } }), /invalid numbers/);
    assert.throws(
      () => loadFlamebearer({ flamebearer: { names: ["t", "a"], levels: [[0, 1, 0, 0], [5, 1, 1, 1]], numTicks: 1 } }),
      /outside every bar/,
    );
    assert.throws(() => loadFlamebearer({ flamebearer: { names: [], levels: [] }, metadata: { format: "double" } }), /'double' is not supported/);
  });
});
