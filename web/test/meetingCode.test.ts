import { describe, expect, it } from 'vitest';
import { joinLink, normalizeMeetingCode } from '../src/sdk/meetingCode';

describe('normalizeMeetingCode', () => {
  it('accepts codes as typed or pasted', () => {
    expect(normalizeMeetingCode('ABC-DEF-GHI')).toBe('ABC-DEF-GHI');
    expect(normalizeMeetingCode(' abc def ghi ')).toBe('ABC-DEF-GHI');
    expect(normalizeMeetingCode('abcdefghi')).toBe('ABC-DEF-GHI');
    expect(normalizeMeetingCode('https://meeting.com/join/ABC-DEF-GHI?x=1')).toBe('ABC-DEF-GHI');
  });

  it('refuses what is not a code', () => {
    expect(normalizeMeetingCode('ABC-DEF')).toBeNull();
    expect(normalizeMeetingCode('ABC-DEF-GH!')).toBeNull();
    expect(normalizeMeetingCode('')).toBeNull();
  });
});

describe('joinLink', () => {
  it('prefers the server join_url and falls back to this origin', () => {
    expect(joinLink('ABC-DEF-GHI', 'https://meeting.com/join/ABC-DEF-GHI', 'http://localhost:8080')).toBe('https://meeting.com/join/ABC-DEF-GHI');
    expect(joinLink('ABC-DEF-GHI', undefined, 'http://localhost:8080')).toBe('http://localhost:8080/join/ABC-DEF-GHI');
  });
});
