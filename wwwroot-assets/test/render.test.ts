import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromFolded } from "../src/model/folded";
import { ROOT } from "../src/model/flameTree";
import { Geometry } from "../src/render/geometry";
import { layoutTree } from "../src/render/layout";
import { FlameRenderer, type Canvas2D } from "../src/render/renderer";
import { TextFitter } from "../src/render/textFitter";

const CHAR = 7;

class RecordingContext implements Canvas2D {
  font = "";
  fillStyle: string = "";
  strokeStyle: string = "";
  lineWidth = 1;
  globalAlpha = 1;
  textBaseline: CanvasTextBaseline = "alphabetic";
  rects: Array<[number, number, number, number, string]> = [];
  private path: Array<[number, number, number, number]> = [];
  texts: Array<[string, number, number]> = [];
  measured = 0;
  setTransform() {}
  clearRect() {}
  strokeRect() {}
  fillRect(x: number, y: number, w: number, h: number) {
    this.rects.push([x, y, w, h, this.fillStyle]);
  }
  beginPath() {
    this.path = [];
  }
  rect(x: number, y: number, w: number, h: number) {
    this.path.push([x, y, w, h]);
  }
  fill() {
    for (const [x, y, w, h] of this.path) {
      this.rects.push([x, y, w, h, this.fillStyle]);
    }
  }
  fillText(text: string, x: number, y: number) {
    this.texts.push([text, x, y]);
  }
  measureText(text: string) {
    this.measured++;
    return { width: text.length * CHAR };
  }
}

const style = { colorOf: () => "#77AADD", isDimmed: null, dimmedColor: "#eee" };

describe("renderer", () => {
  const tree = fromFolded("main;alpha;x 6\nmain;a_very_long_function_name_that_will_not_fit 4");

  it("draws only the rows inside the viewport", () => {
    const layout = layoutTree(tree, ROOT, 200);
    const ctx = new RecordingContext();
    const geometry = new Geometry(layout.rows, 18, "icicle", 36);
    const drawn = new FlameRenderer(ctx).draw(layout, tree, geometry, 18, 200, 2, style);
    // Rows 1 and 2 are visible at scrollTop 18: main, then alpha and the long name.
    assert.equal(drawn, 3);
    assert.deepEqual(ctx.rects.map((r) => r[1]).sort((a, b) => a - b), [0, 18, 18]);
  });

  it("labels fit their bar with an ellipsis and tiny bars get none", () => {
    const layout = layoutTree(tree, ROOT, 200);
    const ctx = new RecordingContext();
    new FlameRenderer(ctx).draw(layout, tree, new Geometry(layout.rows, 18, "icicle", 200), 0, 200, 1, style);
    const long = ctx.texts.find((t) => t[0].startsWith("a_very"))!;
    assert.ok(long[0].endsWith("…"));
    assert.ok(long[0].length * CHAR <= 80 - 6, `${long[0]} fits 80 px less padding`);
    assert.ok(ctx.texts.some((t) => t[0] === "alpha"));
  });

  it("measures each label once and keeps the result", () => {
    const ctx = new RecordingContext();
    const fitter = new TextFitter(ctx);
    fitter.setFont("12px x");
    assert.equal(fitter.fit("abcdefghij", 70), "abcdefghij");
    const before = ctx.measured;
    assert.equal(fitter.fit("abcdefghij", 70), "abcdefghij");
    assert.equal(ctx.measured, before);
    assert.equal(fitter.fit("abcdefghij", 40), "abcd…");
    assert.equal(fitter.fit("abcdefghij", 10), null);
  });

  it("dims bars that do not match the search", () => {
    const layout = layoutTree(tree, ROOT, 200);
    const ctx = new RecordingContext();
    const alpha = tree.resolvePath(["main", "alpha"]).node;
    new FlameRenderer(ctx).draw(layout, tree, new Geometry(layout.rows, 18, "icicle", 200), 0, 200, 1,
      { ...style, isDimmed: (n: number) => n !== alpha });
    const colors = ctx.rects.map((r) => r[4]);
    assert.equal(colors.filter((c) => c === "#77AADD").length, 1);
    assert.equal(colors.filter((c) => c === "#eee").length, ctx.rects.length - 1);
  });
});
