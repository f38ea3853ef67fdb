// Keyboard focus when what held it goes away (a page or a wizard stage replaced by the key that
// pressed its button): WebKit then drops the focus on the body, and the next Tab starts again from
// the top of the window. The heading of what replaced it takes the focus instead.

/** True when nothing in the page has the focus (it fell to the body). */
export function focusLost(doc: Document = document): boolean {
  const active = doc.activeElement;
  return active === null || active === doc.body || active === doc.documentElement;
}

/** If the focus was lost, gives it to the first heading in `container` (focusable by script only). */
export function refocus(container: HTMLElement | null | undefined): void {
  if (!container || !focusLost(container.ownerDocument)) return;
  const heading = container.querySelector<HTMLElement>("h1, h2, h3");
  if (!heading) return;
  if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: true });
}
