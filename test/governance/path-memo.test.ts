/** PathMemo: answers by the whole path, parts never run together, bounded. */
import { describe, expect, it } from 'vitest';
import { PathMemo } from '../../gateway/governance/path-memo.ts';

describe('PathMemo', () => {
  it('answers by the whole path; paths that would join to the same string stay apart', () => {
    const memo = new PathMemo<boolean>(100);
    memo.set(['vk', 'ab', 'c'], true);
    memo.set(['vk', 'a', 'bc'], false);
    expect(memo.get(['vk', 'ab', 'c'])).toBe(true);
    expect(memo.get(['vk', 'a', 'bc'])).toBe(false);
    expect(memo.get(['vk', 'abc', ''])).toBeUndefined();
    expect(memo.get(['other', 'ab', 'c'])).toBeUndefined();
    expect(memo.size).toBe(2);
  });

  it('starts over past its limit instead of growing with made-up inputs', () => {
    const memo = new PathMemo<number>(3);
    for (let i = 0; i < 3; i++) memo.set(['k', `model-${i}`], i);
    memo.set(['k', 'model-0'], 0);
    expect(memo.size).toBe(3);
    memo.set(['k', 'model-3'], 3);
    expect(memo.size).toBe(1);
    expect(memo.get(['k', 'model-0'])).toBeUndefined();
    expect(memo.get(['k', 'model-3'])).toBe(3);
  });
});
