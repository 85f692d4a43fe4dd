import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultState, readState, writeState } from "../src/ui/viewState";

describe("view state in the query string", () => {
  it("round-trips focus paths with any characters, and keeps the page's other keys", () => {
    const s = { ...defaultState(), focusPath: ["main", "a;b&c=d", "ünïcode <x>"], search: "Json", view: "icicle" as const, collapse: true, windowSeconds: 300, profileType: "samples:count:cpu:nanoseconds" };
    const query = writeState("?tab=2&focus=old", s);
    const back = readState(query);
    assert.deepEqual(back.focusPath, s.focusPath);
    assert.equal(back.search, "Json");
    assert.equal(back.view, "icicle");
    assert.equal(back.collapse, true);
    assert.equal(back.windowSeconds, 300);
    assert.equal(back.profileType, "samples:count:cpu:nanoseconds");
    assert.equal(new URLSearchParams(query).get("tab"), "2");
  });

  it("defaults leave the query empty and unknown values fall back to defaults", () => {
    assert.equal(writeState("", defaultState()), "");
    const s = readState("?view=bogus&window=17&color=neon&sort=x");
    assert.equal(s.view, "flame");
    assert.equal(s.windowSeconds, 0);
    assert.equal(s.color, "package");
    assert.equal(s.sort, "self");
  });
});
