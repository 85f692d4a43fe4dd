import { FlameTree, ROOT } from "./flameTree";

/** Folded stacks (`a;b;c value`), one line per node with a non-zero self value, lines in ordinal order. */
export function toFolded(tree: FlameTree): string {
  const lines: string[] = [];
  for (let node = 1; node < tree.count; node++) {
    if (tree.self[node] !== 0) {
      lines.push(`${tree.pathOf(node).join(";")} ${tree.self[node]}`);
    }
  }
  lines.sort();
  return lines.join("\n");
}

/** Builds a tree from folded lines (frames root first). Kinds may be given per label. */
export function fromFolded(text: string, kindOf: (label: string) => string = () => ""): FlameTree {
  const tree = new FlameTree();
  const frameOf = new Map<string, number>();
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") {
      continue;
    }
    const space = trimmed.lastIndexOf(" ");
    const value = Number(trimmed.slice(space + 1));
    let node = ROOT;
    for (const label of trimmed.slice(0, space).split(";")) {
      let frame = frameOf.get(label);
      if (frame === undefined) {
        frame = tree.frames.add(label, kindOf(label));
        frameOf.set(label, frame);
      }
      node = tree.childFor(node, frame);
    }
    tree.addSelf(node, value);
  }
  return tree;
}
