import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { topFunctions } from "../src/model/analysis";
import { fromFolded } from "../src/model/folded";
import { ROOT } from "../src/model/flameTree";
import { renderTopTable } from "../src/ui/topTable";
import { renderBreadcrumb, renderTooltip } from "../src/ui/tooltip";
import { installDom, ShimElement } from "./support/domShim";

const EVIL = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
const unit = { unit: "count", periodNanos: 0 };

function assertInert(el: ShimElement) {
  const tags = el.descendants().map((d) => d.tagName);
  assert.ok(!tags.includes("SCRIPT") && !tags.includes("IMG"), `markup became elements: ${tags.join(",")}`);
  assert.ok(el.textContent.includes(EVIL), "the label is shown as text, unchanged");
  for (const d of el.descendants()) {
    for (const [name] of d.attributes) {
      assert.ok(!name.startsWith("on"), `event handler attribute ${name}`);
    }
  }
}

describe("frame names are text, never markup", () => {
  before(installDom);
  const tree = fromFolded(`main;${EVIL};leaf 3\nmain;other 1`);
  const evilNode = tree.resolvePath(["main", EVIL]).node;

  it("in the tooltip", () => {
    const el = new ShimElement("DIV");
    renderTooltip(el as unknown as HTMLElement, tree, evilNode, ROOT, unit, null);
    assertInert(el);
    assert.match(el.textContent, /75\.0%/);
  });

  it("in the breadcrumb, whose entries still focus their depth", () => {
    const el = new ShimElement("DIV");
    const picked: number[] = [];
    renderBreadcrumb(el as unknown as HTMLElement, ["main", EVIL], (d) => picked.push(d));
    assertInert(el);
    const buttons = el.descendants().filter((d) => d.tagName === "BUTTON");
    assert.deepEqual(buttons.map((b) => b.textContent), ["total", "main", EVIL]);
    buttons[2].dispatch("click");
    assert.deepEqual(picked, [2]);
  });

  it("in the function table, whose rows pick the function", () => {
    const el = new ShimElement("DIV");
    const picked: string[] = [];
    renderTopTable(el as unknown as HTMLElement, topFunctions(tree), "self", tree.totalValue, unit,
      { onPick: (l) => picked.push(l), onSandwich: () => undefined, onSort: () => undefined }, "");
    assertInert(el);
    const rows = el.descendants().filter((d) => d.tagName === "TR" && d.className.startsWith("of-top-row"));
    assert.equal(rows[0].childNodes[0].textContent, "leaf", "sorted by self");
    const evilRow = rows.find((r) => r.childNodes[0].textContent === EVIL)!;
    evilRow.dispatch("click");
    assert.deepEqual(picked, [EVIL]);
  });
});
