import { FlameTree, ROOT } from "./flameTree";
import type { ProfileUpdate } from "./profileUpdate";

export type ApplyResult = { ok: true } | { ok: false; reason: string };

/** Above this share of changed nodes, totals are rebuilt in one pass instead of walking each ancestor path. */
const BULK_SHARE = 1 / 8;

/**
 * Applies one update. Everything is checked before anything changes, so a rejected update leaves the tree as it was
 * (the caller then asks the server for a reset by calling Watch again).
 */
export function applyUpdate(tree: FlameTree, update: ProfileUpdate): ApplyResult {
  const problem = check(tree, update);
  if (problem !== null) {
    return { ok: false, reason: problem };
  }
  if (update.reset) {
    tree.clear();
  }
  const frames = tree.frames;
  for (let i = 0; i < update.frameLabels.length; i++) {
    frames.add(update.frameLabels[i], update.frameKinds[i] ?? "");
  }
  const newNodes = update.nodeParents.length;
  tree.reserve(tree.count + newNodes);
  for (let i = 0; i < newNodes; i++) {
    tree.addNode(update.nodeParents[i], update.nodeFrames[i]);
  }
  const changes = update.changedNodes.length;
  const bulk = changes > tree.count * BULK_SHARE;
  for (let i = 0; i < changes; i++) {
    if (bulk) {
      tree.addSelfDeferred(update.changedNodes[i], update.selfDeltas[i]);
    } else {
      tree.addSelf(update.changedNodes[i], update.selfDeltas[i]);
    }
  }
  tree.ensureTotals();
  if (tree.total[ROOT] !== update.totalValue) {
    return { ok: false, reason: `total ${tree.total[ROOT]} after update ${update.seq}, server says ${update.totalValue}` };
  }
  return { ok: true };
}

function check(tree: FlameTree, u: ProfileUpdate): string | null {
  const frameCount = u.reset ? 0 : tree.frames.count;
  const nodeCount = u.reset ? 1 : tree.count;
  if (u.frameStart !== frameCount) {
    return `update ${u.seq} starts at frame ${u.frameStart}, have ${frameCount}`;
  }
  if (u.nodeStart !== nodeCount) {
    return `update ${u.seq} starts at node ${u.nodeStart}, have ${nodeCount}`;
  }
  if (u.frameKinds.length !== 0 && u.frameKinds.length !== u.frameLabels.length) {
    return `update ${u.seq}: ${u.frameLabels.length} frame labels but ${u.frameKinds.length} kinds`;
  }
  if (u.nodeParents.length !== u.nodeFrames.length) {
    return `update ${u.seq}: ${u.nodeParents.length} node parents but ${u.nodeFrames.length} frames`;
  }
  if (u.changedNodes.length !== u.selfDeltas.length) {
    return `update ${u.seq}: ${u.changedNodes.length} changed nodes but ${u.selfDeltas.length} deltas`;
  }
  const frameTotal = frameCount + u.frameLabels.length;
  for (let i = 0; i < u.nodeParents.length; i++) {
    const id = nodeCount + i;
    const parent = u.nodeParents[i];
    const frame = u.nodeFrames[i];
    if (!Number.isInteger(parent) || parent < 0 || parent >= id) {
      return `update ${u.seq}: node ${id} has parent ${parent}`;
    }
    if (!Number.isInteger(frame) || frame < 0 || frame >= frameTotal) {
      return `update ${u.seq}: node ${id} has frame ${frame} of ${frameTotal}`;
    }
  }
  const nodeTotal = nodeCount + u.nodeParents.length;
  for (let i = 0; i < u.changedNodes.length; i++) {
    const node = u.changedNodes[i];
    if (!Number.isInteger(node) || node < 0 || node >= nodeTotal) {
      return `update ${u.seq}: changed node ${node} of ${nodeTotal}`;
    }
    if (!Number.isFinite(u.selfDeltas[i])) {
      return `update ${u.seq}: delta of node ${node} is not a number`;
    }
  }
  return null;
}
