import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffColor, kindColor, packageColor, PACKAGE_COLORS } from "../src/render/palette";
import { formatDuration, formatValue, unitOfType } from "../src/ui/format";

describe("colours", () => {
  it("frame kinds get distinct colours; .NET and JIT share one", () => {
    const kinds = ["kernel", "native", "dotnet", ""].map(kindColor);
    assert.equal(new Set(kinds).size, 4);
    assert.equal(kindColor("jit"), kindColor("dotnet"));
    assert.equal(kindColor("something-new"), kindColor("another-new"));
  });

  it("one package, one colour from the palette", () => {
    assert.equal(packageColor("System.Text.Json.JsonSerializer.Serialize"), packageColor("System.Text.Json.JsonSerializer.Deserialize"));
    assert.ok(PACKAGE_COLORS.includes(packageColor("main")));
  });

  it("diff colours: neutral without change, blue for less, red or orange for more, saturating at 20 points", () => {
    assert.equal(diffColor(0, "red-blue"), "rgb(221,221,221)");
    assert.equal(diffColor(-0.2, "red-blue"), "rgb(68,119,170)");
    assert.equal(diffColor(0.5, "red-blue"), "rgb(204,51,17)");
    assert.equal(diffColor(0.2, "blue-orange"), "rgb(238,119,51)");
    assert.equal(diffColor(-0.1, "blue-orange"), "rgb(111,170,204)");
  });
});

describe("values in tooltips", () => {
  it("CPU sample counts read as time through the period", () => {
    const u = unitOfType("samples:count:cpu:nanoseconds", "count", 10_000_000);
    assert.equal(formatValue(250, u), "250 samples (2.50 s)");
    assert.equal(formatValue(3, unitOfType("alloc_space:bytes:space:bytes", "bytes", 0)), "3 B");
    assert.equal(formatValue(5 * 1024 * 1024, unitOfType(null, "bytes", 0)), "5.00 MiB");
    assert.equal(formatDuration(1500), "1.50 µs");
  });
});
