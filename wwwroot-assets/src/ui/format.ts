/** How values of the shown profile read: the unit, and for sample counts the period that turns them into time. */
export interface ValueUnit {
  unit: string;
  /** Nanoseconds per sample for CPU sample counts, else 0. */
  periodNanos: number;
}

export function formatValue(value: number, u: ValueUnit): string {
  switch (u.unit) {
    case "nanoseconds":
      return formatDuration(value);
    case "bytes":
      return formatBytes(value);
    default: {
      const count = `${formatNumber(value)} ${u.unit === "" || u.unit === "count" ? "samples" : u.unit}`;
      return u.periodNanos > 0 ? `${count} (${formatDuration(value * u.periodNanos)})` : count;
    }
  }
}

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatNumber(value: number): string {
  return INTEGER.format(Math.round(value));
}

export function formatPercent(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(1) : p.toFixed(2)}%`;
}

export function formatDuration(nanos: number): string {
  const units: Array<[number, string]> = [[3.6e12, "h"], [6e10, "min"], [1e9, "s"], [1e6, "ms"], [1e3, "µs"]];
  for (const [size, name] of units) {
    if (Math.abs(nanos) >= size) {
      return `${(nanos / size).toFixed(2)} ${name}`;
    }
  }
  return `${Math.round(nanos)} ns`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}

/** Unit of a profile type `sampleType:sampleUnit:periodType:periodUnit`, with the period for CPU sample counts. */
export function unitOfType(profileType: string | null, unit: string, period: number): ValueUnit {
  const parts = (profileType ?? "").split(":");
  const sampleUnit = unit !== "" ? unit : parts[1] ?? "";
  const timePeriod = parts[3] === "nanoseconds" && sampleUnit === "count" && period > 0;
  return { unit: sampleUnit, periodNanos: timePeriod ? period : 0 };
}
