import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromFolded } from "../src/model/folded";
import { ROOT } from "../src/model/flameTree";
import { Geometry } from "../src/render/geometry";
import { layoutTree, RECT_ANCESTOR, RECT_MERGED, RECT_NODE, type Layout } from "../src/render/layout";

function bars(layout: Layout, row: number, label: (node: number) => string) {
  const out: Array<[string, number, number, number]> = [];
  for (let i = layout.rowStart[row]; i < layout.rowStart[row + 1]; i++) {
    out.push([layout.type[i] === RECT_MERGED ? "(merged)" : label(layout.node[i]), round(layout.x[i]), round(layout.width[i]), layout.type[i]]);
  }
  return out;
}
const round = (v: number) => Math.round(v * 1000) / 1000;

describe("layout", () => {
  const tree = fromFolded("main 1\nmain;b 3\nmain;a 2\nmain;a;c 4");
  const label = (n: number) => tree.label(n);

  it("places children left to right in label order, widths proportional to totals", () => {
    const layout = layoutTree(tree, ROOT, 100);
    assert.equal(layout.rows, 4);
    assert.deepEqual(bars(layout, 0, label), [["total", 0, 100, RECT_NODE]]);
    assert.deepEqual(bars(layout, 1, label), [["main", 0, 100, RECT_NODE]]);
    assert.deepEqual(bars(layout, 2, label), [["a", 0, 60, RECT_NODE], ["b", 60, 30, RECT_NODE]]);
    assert.deepEqual(bars(layout, 3, label), [["c", 0, 40, RECT_NODE]]);
  });

  it("a focused node spans the width with its ancestors above at full width", () => {
    const a = tree.resolvePath(["main", "a"]).node;
    const layout = layoutTree(tree, a, 300);
    assert.deepEqual(bars(layout, 0, label), [["total", 0, 300, RECT_ANCESTOR]]);
    assert.deepEqual(bars(layout, 1, label), [["main", 0, 300, RECT_ANCESTOR]]);
    assert.deepEqual(bars(layout, 2, label), [["a", 0, 300, RECT_NODE]]);
    assert.deepEqual(bars(layout, 3, label), [["c", 0, 200, RECT_NODE]]);
  });

  it("merges runs of bars narrower than half a pixel and skips runs that stay narrower", () => {
    const lines = ["r;big 990", ...Array.from({ length: 9 }, (_, i) => `r;n${i} 1`), "r;n0;deep 0"];
    const t = fromFolded(lines.join("\n"));
    const layout = layoutTree(t, ROOT, 100);
    const row2 = bars(layout, 2, (n) => t.label(n));
    assert.equal(row2.length, 2);
    assert.deepEqual(row2[0], ["big", 0, round(99_000 / 999), RECT_NODE]);
    assert.equal(row2[1][0], "(merged)");
    assert.equal(row2[1][1], round(99_000 / 999));
    assert.equal(row2[1][2], round(900 / 999));
    assert.equal(layout.rows, 3, "nothing below a merged bar");

    const few = fromFolded(["r;big 997", "r;n1 1", "r;n2 1", "r;n3 1"].join("\n"));
    const fewLayout = layoutTree(few, ROOT, 100);
    assert.deepEqual(bars(fewLayout, 2, (n) => few.label(n)).map((b) => b[0]), ["big"], "0.3 px in all: skipped");
  });

  it("lays out only what is wide enough, so a huge tree costs what is visible", () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      lines.push(`root;w${i % 100};leaf${i} 1`);
    }
    const t = fromFolded(lines.join("\n"));
    const layout = layoutTree(t, ROOT, 1000);
    // 100 middle bars of 10 px each; 200 leaves per middle bar are 0.05 px each and merge into one bar per parent.
    assert.equal(layout.rowStart[3] - layout.rowStart[2], 100);
    assert.equal(layout.rowStart[4] - layout.rowStart[3], 100);
    assert.ok(layout.count < 500);
  });

  it("hit-tests by row and x", () => {
    const layout = layoutTree(tree, ROOT, 100);
    assert.equal(tree.label(layout.node[layout.hit(2, 59.9)]), "a");
    assert.equal(tree.label(layout.node[layout.hit(2, 60)]), "b");
    assert.equal(layout.hit(2, 95), -1, "the parent's self value is a gap");
    assert.equal(layout.hit(9, 1), -1);
  });
});

describe("geometry", () => {
  it("flame puts the root at the bottom, icicle at the top", () => {
    const flame = new Geometry(10, 18, "flame", 90);
    assert.equal(flame.contentHeight, 180);
    assert.equal(flame.rowTop(0), 162);
    assert.equal(flame.rowAt(170), 0);
    assert.equal(flame.rowAt(0), 9);
    assert.deepEqual(flame.visibleRows(90), [0, 4]);
    const icicle = new Geometry(10, 18, "icicle", 90);
    assert.equal(icicle.rowTop(2), 36);
    assert.equal(icicle.rowAt(40), 2);
    assert.deepEqual(icicle.visibleRows(0), [0, 4]);
    assert.deepEqual(icicle.visibleRows(36), [2, 6]);
  });

  it("a short tree is drawn from the bottom of the viewport in flame orientation", () => {
    const g = new Geometry(2, 18, "flame", 100);
    assert.equal(g.contentHeight, 100);
    assert.equal(g.rowTop(0), 82);
    assert.deepEqual(g.visibleRows(0), [0, 1]);
  });
});

describe("child order", () => {
  it("is ordinal by label (upper case before lower case), ties by id, and follows new children", () => {
    const t = fromFolded("r;b 1\nr;a 1\nr;B 1\nr;_x 1\nr;ä 1");
    const r = t.resolvePath(["r"]).node;
    assert.deepEqual(Array.from(t.children(r), (n) => t.label(n)), ["B", "_x", "a", "b", "ä"]);
    t.addNode(r, t.frames.add("A"));
    assert.deepEqual(Array.from(t.children(r), (n) => t.label(n)), ["A", "B", "_x", "a", "b", "ä"]);
  });
});
