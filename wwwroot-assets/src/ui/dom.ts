/**
 * Element construction for the view. Text always goes in as text nodes or `textContent`: frame names come from
 * profiled programs and are never parsed as markup.
 */
export type Child = Node | string | null | undefined | false;

export interface Props {
  className?: string;
  testId?: string;
  title?: string;
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className !== undefined) {
    el.className = props.className;
  }
  if (props.testId !== undefined) {
    el.setAttribute("data-testid", props.testId);
  }
  if (props.title !== undefined) {
    el.title = props.title;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    el.setAttribute(name, value);
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function clear(el: Node): void {
  while (el.firstChild !== null) {
    el.removeChild(el.firstChild);
  }
}

export function option(value: string, text: string, selected = false): HTMLOptionElement {
  const el = h("option", {}, text);
  el.value = value;
  el.selected = selected;
  return el;
}
