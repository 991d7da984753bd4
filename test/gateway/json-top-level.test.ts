import { describe, expect, it } from 'vitest';
import { topLevelStringSpan } from '../../gateway/util/json-top-level.ts';

function valueOf(text: string): string | undefined {
  const span = topLevelStringSpan(text, 'model');
  return span && text.slice(span.start, span.end);
}

describe('topLevelStringSpan', () => {
  it('finds the top-level member past nested ones, strings that look like it and any spacing', () => {
    const text =
      '{"messages":[{"content":"\\"model\\":\\"no\\"","model":"nested"}],"meta":{"model":"deep"},' +
      '"n":1,"ok":true,"none":null, "model" :\t"gpt-4o" , "after":[1,2]}';
    expect(valueOf(text)).toBe('"gpt-4o"');
    expect(valueOf(' {\n"model":"a\\"b\\\\"}\n')).toBe('"a\\"b\\\\"');
  });

  it('refuses an ambiguous top level: a key given twice, a key with escapes, too many keys', () => {
    expect(valueOf('{"model":"a","model":"b"}')).toBeUndefined();
    expect(valueOf('{"model":"a","x":1,"x":2}')).toBeUndefined();
    expect(valueOf('{"model":"a","mod\\u0065l":"b"}')).toBeUndefined();
    const many = Array.from({ length: 64 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(valueOf(`{${many},"model":"a"}`)).toBeUndefined();
    expect(valueOf(`{"model":"a",${many}}`)).toBeUndefined();
  });

  it('answers nothing for an absent or non-string member, or a non-object', () => {
    expect(valueOf('{"messages":[]}')).toBeUndefined();
    expect(valueOf('{}')).toBeUndefined();
    expect(valueOf('{"model":["a"]}')).toBeUndefined();
    expect(valueOf('["model","a"]')).toBeUndefined();
  });
});
