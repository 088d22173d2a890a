// Building DOM without markup strings. The panel's CSP allows no inline style and every string in a snapshot is
// untrusted (paths, branch names, model ids), so elements are made with createElement and text goes in through
// textContent only; these helpers keep that readable.

type Attributes = Record<string, string | number | boolean | null | undefined>;

/** Element options: CSS class(es), text content, attributes (false / null / undefined leave one out). */
export interface ElementOptions {
  className?: string;
  text?: string;
  attrs?: Attributes;
}

function applyAttributes(node: Element, attrs: Attributes | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

/** An HTML element with options and children (strings become text nodes). */
export function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  applyAttributes(node, options.attrs);
  if (options.text !== undefined) node.textContent = options.text;
  for (const child of children) node.append(child);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (geometry, classes) and optional text content. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attributes = {},
  children: readonly (Node | string)[] = [],
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttributes(node, attrs);
  for (const child of children) node.append(child);
  return node;
}

/** Sets text only when it differs, so an unchanged snapshot leaves the DOM (and a screen reader) alone. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets or removes an attribute only when it differs. */
export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

/** Sizes a bar through a CSS custom property (CSSOM writes are allowed by the CSP; style attributes are not). */
export function setBarWidth(node: HTMLElement, percent: number): void {
  node.style.setProperty('--bar', `${percent.toFixed(2)}%`);
}
