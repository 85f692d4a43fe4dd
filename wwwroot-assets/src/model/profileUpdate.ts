/** The hub's `update` message (docs/live-protocol.md): a MessagePack array keyed by index. */
export interface ProfileUpdate {
  seq: number;
  reset: boolean;
  profileType: string | null;
  availableTypes: string[];
  frameStart: number;
  frameLabels: string[];
  frameKinds: string[];
  nodeStart: number;
  nodeParents: ArrayLike<number>;
  nodeFrames: ArrayLike<number>;
  changedNodes: ArrayLike<number>;
  selfDeltas: ArrayLike<number>;
  totalValue: number;
  sampleCount: number;
  droppedSamples: number;
  closed: boolean;
  unit: string;
  period: number;
}

const FIELDS = [
  "seq", "reset", "profileType", "availableTypes", "frameStart", "frameLabels", "frameKinds", "nodeStart",
  "nodeParents", "nodeFrames", "changedNodes", "selfDeltas", "totalValue", "sampleCount", "droppedSamples",
  "closed", "unit", "period",
] as const;

export class ProtocolError extends Error {}

/** Reads an update as decoded by the MessagePack hub protocol (an array by key index; an object by name is accepted too). */
export function decodeProfileUpdate(raw: unknown): ProfileUpdate {
  const field = fieldReader(raw, "update");
  return {
    seq: num(field(0), "seq"),
    reset: bool(field(1), "reset"),
    profileType: optionalString(field(2), "profileType"),
    availableTypes: strings(field(3), "availableTypes"),
    frameStart: num(field(4), "frameStart"),
    frameLabels: strings(field(5), "frameLabels"),
    frameKinds: strings(field(6), "frameKinds"),
    nodeStart: num(field(7), "nodeStart"),
    nodeParents: numbers(field(8), "nodeParents"),
    nodeFrames: numbers(field(9), "nodeFrames"),
    changedNodes: numbers(field(10), "changedNodes"),
    selfDeltas: numbers(field(11), "selfDeltas"),
    totalValue: num(field(12), "totalValue"),
    sampleCount: num(field(13), "sampleCount"),
    droppedSamples: num(field(14), "droppedSamples"),
    closed: bool(field(15), "closed"),
    unit: optionalString(field(16), "unit") ?? "",
    period: num(field(17) ?? 0, "period"),
  };
}

export interface WatchResult {
  ok: boolean;
  error: string | null;
}

export function decodeWatchResult(raw: unknown): WatchResult {
  const field = fieldReader(raw, "WatchResult", ["ok", "error"]);
  return { ok: bool(field(0), "ok"), error: optionalString(field(1), "error") };
}

function fieldReader(raw: unknown, what: string, names: readonly string[] = FIELDS): (index: number) => unknown {
  if (Array.isArray(raw)) {
    return (i) => raw[i];
  }
  if (raw !== null && typeof raw === "object") {
    const record = raw as Record<string, unknown>;
    return (i) => record[names[i]] ?? record[String(i)];
  }
  throw new ProtocolError(`${what}: expected an array, got ${typeof raw}`);
}

function num(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === "bigint") {
    return Number(value);
  }
  throw new ProtocolError(`update.${name}: expected a number`);
}

function bool(value: unknown, name: string): boolean {
  if (typeof value === "boolean") {
    return value;
  }
  throw new ProtocolError(`update.${name}: expected a boolean`);
}

function optionalString(value: unknown, name: string): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === "string") {
    return value;
  }
  throw new ProtocolError(`update.${name}: expected a string`);
}

function strings(value: unknown, name: string): string[] {
  if (value === null || value === undefined) {
    return [];
  }
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) {
    return value as string[];
  }
  throw new ProtocolError(`update.${name}: expected an array of strings`);
}

function numbers(value: unknown, name: string): ArrayLike<number> {
  if (value === null || value === undefined) {
    return [];
  }
  if (Array.isArray(value)) {
    if (value.some((n) => typeof n !== "number")) {
      return value.map((n) => num(n, name));
    }
    return value as number[];
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, Number);
  }
  throw new ProtocolError(`update.${name}: expected an array of numbers`);
}
