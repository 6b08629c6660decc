import type { ComponentChildren } from 'preact';

/**
 * A wide table's scroll container. It is focusable so a keyboard user can scroll it (WCAG 2.1.1;
 * axe's scrollable-region-focusable), and named so a screen reader says what it holds.
 */
export function ScrollRegion({
  label,
  children,
  extra,
}: {
  label: string;
  children: ComponentChildren;
  extra?: string;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class={extra ? `table-scroll ${extra}` : 'table-scroll'} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
