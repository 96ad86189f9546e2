// A tiny element builder. Text always goes in as text nodes (never innerHTML), so user content cannot
// inject markup; listeners are attached with addEventListener, which the 'self'-only CSP allows.

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;

const propertyAttributes = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'muted', 'autoplay', 'required']);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || (value === false && !propertyAttributes.has(key))) continue;
    if (typeof value === 'function') {
      element.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    } else if (key === 'class') {
      element.className = String(value);
    } else if (key === 'testid') {
      element.dataset['testid'] = String(value);
    } else if (propertyAttributes.has(key)) {
      (element as unknown as Record<string, unknown>)[key] = value;
      // The attribute too, so that form.reset() returns to it.
      if (value === true || key === 'value') element.setAttribute(key, value === true ? '' : String(value));
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A labelled form field: <div class="field"><label for=id>text</label><input id=id ...></div>. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLDivElement {
  const wrapper = h('div', { class: control instanceof HTMLInputElement && control.type === 'checkbox' ? 'field check' : 'field' });
  const labelElement = h('label', { for: control.id }, label);
  if (control instanceof HTMLInputElement && control.type === 'checkbox') append(wrapper, control, labelElement);
  else append(wrapper, labelElement, control);
  if (hint !== undefined) {
    const hintId = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    append(wrapper, h('p', { class: 'hint', id: hintId }, hint));
  }
  return wrapper;
}

/** Local date and time in the user's locale, for display. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Copies text to the clipboard; falls back to selecting it in `fallback` for a manual copy. */
export async function copyText(text: string, fallback?: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback !== undefined) {
      fallback.focus();
      fallback.select();
    }
    return false;
  }
}
