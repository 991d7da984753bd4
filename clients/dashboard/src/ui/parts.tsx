/** Small shared pieces: headings, empty states, errors, a labelled select. */
import type { ComponentChildren } from 'preact';

export function Empty(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <h3>{props.title}</h3>
      <p>{props.children}</p>
    </div>
  );
}

export function ErrorNote(props: { error: string | undefined }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}

export function Loading() {
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}

export function Figure(props: { label: string; value: string; testId?: string }) {
  return (
    <div class="figure">
      <span class="figure-label">{props.label}</span>
      <strong class="figure-value" data-testid={props.testId}>
        {props.value}
      </strong>
    </div>
  );
}
