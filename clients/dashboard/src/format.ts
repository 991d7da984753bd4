/** Display formats: money in USD, counts, times in the viewer's own time zone. */
// Up to six decimals: one request often costs a fraction of a cent, and a live figure must move.
const usd = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});
const count = new Intl.NumberFormat();
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export const money = (value: number | null | undefined): string => (value == null ? '—' : usd.format(value));
export const number = (value: number | string | null | undefined): string =>
  value == null ? '—' : count.format(Number(value));
export const percent = (value: number | null | undefined): string =>
  value == null ? '—' : `${(value * 100).toFixed(1)} %`;
export const when = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const clock = (iso: string): string => time.format(new Date(iso));
export const timeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
export const ms = (value: number | null | undefined): string =>
  value == null ? '—' : `${count.format(value)} ms`;
