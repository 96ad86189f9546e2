/** Meeting codes look like ABC-DEF-GHI (communication-design.zh.md §2.1 创建会议). */
const codePattern = /^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$/;

/**
 * Normalises what a user typed or pasted: a code in any case, with spaces or without dashes, or a whole
 * join link. Returns null when it is not a meeting code.
 */
export function normalizeMeetingCode(input: string): string | null {
  let text = input.trim();
  const fromLink = /\/join\/([^/?#\s]+)/i.exec(text);
  if (fromLink?.[1] !== undefined) text = decodeURIComponent(fromLink[1]);
  const compact = text.toUpperCase().replace(/[\s-]/g, '');
  if (!/^[A-Z0-9]{9}$/.test(compact)) return null;
  const code = `${compact.slice(0, 3)}-${compact.slice(3, 6)}-${compact.slice(6, 9)}`;
  return codePattern.test(code) ? code : null;
}

/** The link to share for a meeting: the server's join_url when it gave one, else /join/CODE on this origin. */
export function joinLink(code: string, joinUrl: string | undefined, origin: string): string {
  if (joinUrl !== undefined && joinUrl !== '') return joinUrl;
  return `${origin}/join/${code}`;
}
