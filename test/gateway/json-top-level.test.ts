import { describe, expect, it } from 'vitest';
import { topLevelMemberSpan, topLevelStringSpan } from '../../gateway/util/json-top-level.ts';

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

describe('topLevelMemberSpan', () => {
  const member = (text: string, name: string): string | undefined => {
    const span = topLevelMemberSpan(text, name);
    return span && text.slice(span.start, span.end);
  };

  it('spans a value of any kind, nested objects and strings with brackets included', () => {
    const text = '{"choices":[{"usage":{"a":1}}],"usage" : {"p":3,"d":{"c":"}]"}} ,"n":-1.5e3,"z":null}';
    expect(member(text, 'usage')).toBe('{"p":3,"d":{"c":"}]"}}');
    expect(member(text, 'choices')).toBe('[{"usage":{"a":1}}]');
    expect(member(text, 'n')).toBe('-1.5e3');
    expect(member(text, 'z')).toBe('null');
  });

  it('refuses what topLevelStringSpan refuses, and answers nothing for an absent member', () => {
    expect(member('{"usage":{},"usage":{"p":1}}', 'usage')).toBeUndefined();
    expect(member('{"us\\u0061ge":{}}', 'usage')).toBeUndefined();
    expect(member('{"usage":{"p":1}', 'usage')).toBeUndefined();
    expect(member('{"choices":[]}', 'usage')).toBeUndefined();
  });
});
