/** Request ids are RFC 9562 version-7 UUIDs that sort in creation order (index locality). */
import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../gateway/request-id.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is a version-7 UUID carrying the creation millisecond', () => {
    const at = Date.UTC(2026, 10, 22, 4, 30);
    const id = newRequestId(at);
    expect(id).toMatch(V7);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('increases strictly, also within one millisecond and when the clock steps back', () => {
    const at = Date.now() + 60_000;
    const ids = [
      ...Array.from({ length: 5_000 }, () => newRequestId(at)),
      newRequestId(at - 10_000),
      newRequestId(at + 5),
    ];
    for (const id of ids) expect(id).toMatch(V7);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  // Last: it moves the module's clock far ahead.
  it('writes every digit of the millisecond and the counter', () => {
    const at = 0xfedcba987654;
    const first = newRequestId(at);
    const second = newRequestId(at);
    expect(first.slice(0, 19)).toBe('fedcba98-7654-7000-');
    expect(second.slice(0, 19)).toBe('fedcba98-7654-7001-');
    expect(second).toMatch(V7);
  });
});
