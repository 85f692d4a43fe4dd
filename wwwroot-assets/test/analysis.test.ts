import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collapseRecursion, diff, packageOf, sandwich, search, shareChange, topFunctions } from "../src/model/analysis";
import { fromFolded, toFolded } from "../src/model/folded";
import { ROOT, type FlameTree } from "../src/model/flameTree";

const totalAt = (t: FlameTree, path: string[]) => {
  const r = t.resolvePath(path);
  assert.equal(r.matched, path.length, `path ${path.join(";")}`);
  return t.total[r.node];
};

describe("search", () => {
  it("matches substrings case-insensitively and counts nested matches once", () => {
    const t = fromFolded("r;Alpha;beta 5\nr;gamma;alpha 3\nr;delta 2\nr;alpha;alpha 4");
    const result = search(t, "ALPHA")!;
    assert.equal(result.matchedTotal, 12);
    assert.equal(result.share, 12 / 14);
    assert.equal(result.matchesFrame[t.frame[t.resolvePath(["r", "delta"]).node]], 0);
    assert.equal(search(t, "  "), null);
    assert.equal(search(t, "zzz")!.share, 0);
  });
});

describe("sandwich and top table", () => {
  const t = fromFolded("main;a;f;g 4\nmain;b;f 2\nmain;f;f;h 3\nmain;c 1");

  it("callers are the paths above every outermost call, callees the merged subtrees below", () => {
    const s = sandwich(t, "f");
    assert.equal(totalAt(s.callers, ["f"]), 9);
    assert.equal(totalAt(s.callers, ["f", "a"]), 4);
    assert.equal(totalAt(s.callers, ["f", "a", "main"]), 4);
    assert.equal(totalAt(s.callers, ["f", "b", "main"]), 2);
    assert.equal(totalAt(s.callers, ["f", "main"]), 3);
    assert.equal(totalAt(s.callees, ["f"]), 9);
    assert.equal(s.callees.self[s.callees.resolvePath(["f"]).node], 2);
    assert.equal(totalAt(s.callees, ["f", "g"]), 4);
    assert.equal(totalAt(s.callees, ["f", "f", "h"]), 3);
    assert.equal(s.callers.total[ROOT], s.callees.total[ROOT]);
  });

  it("a function's total in the table counts recursive calls once", () => {
    const rows = new Map(topFunctions(t).map((r) => [r.label, r]));
    assert.deepEqual([rows.get("f")!.self, rows.get("f")!.total], [2, 9]);
    assert.deepEqual([rows.get("main")!.self, rows.get("main")!.total], [0, 10]);
    assert.deepEqual([rows.get("h")!.self, rows.get("h")!.total], [3, 3]);
    assert.equal(rows.has("total"), false);
  });
});

describe("collapse recursion", () => {
  it("merges direct self-calls into the caller, values kept", () => {
    const t = fromFolded("main;f;f;f;h 3\nmain;f;g 2\nmain;f;f;g 1\nmain;f 1");
    const c = collapseRecursion(t);
    assert.equal(toFolded(c), ["main;f 1", "main;f;g 3", "main;f;h 3"].join("\n"));
    assert.equal(c.total[ROOT], t.total[ROOT]);
    assert.equal(toFolded(t).split("\n").length, 4, "the source tree is unchanged");
  });
});

describe("diff", () => {
  it("merges both profiles by path and reports each side and the change of share", () => {
    const left = fromFolded("main;a 6\nmain;b 4");
    const right = fromFolded("main;a 2\nmain;b 2\nmain;c 4");
    const d = diff(left, right);
    assert.equal(d.leftTicks, 10);
    assert.equal(d.rightTicks, 8);
    const node = (p: string[]) => d.tree.resolvePath(p).node;
    assert.equal(d.tree.total[node(["main"])], 18);
    assert.equal(d.leftTotal[node(["main", "a"])], 6);
    assert.equal(d.rightTotal[node(["main", "a"])], 2);
    assert.ok(Math.abs(shareChange(d, node(["main", "a"])) - -0.35) < 1e-12);
    assert.ok(Math.abs(shareChange(d, node(["main", "b"])) - -0.15) < 1e-12);
    assert.equal(shareChange(d, node(["main", "c"])), 0.5);
    assert.equal(shareChange(d, ROOT), 0);
  });
});

describe("package of a label", () => {
  it("is the text before the last '.', '::' or '/', ignoring arguments", () => {
    assert.equal(packageOf("System.Text.Json.JsonSerializer.Serialize(System.Object)"), "System.Text.Json.JsonSerializer");
    assert.equal(packageOf("github.com/x/y.(*T).M"), "github.com/x/y");
    assert.equal(packageOf("std::vector<int>::push_back"), "std::vector<int>");
    assert.equal(packageOf("net/http/server"), "net/http");
    assert.equal(packageOf("main"), "main");
  });
});
