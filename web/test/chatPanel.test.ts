// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ChatPanel } from '../src/ui/room/chatPanel';

const names: Record<number, string> = { 2: 'Bob' };
function panel(): ChatPanel {
  return new ChatPanel(1, (id) => names[id]);
}
function lines(chat: ChatPanel): string[] {
  return [...chat.log.querySelectorAll('[data-testid=chat-message]')].map((li) => `${li.querySelector('.who')?.textContent}: ${li.querySelector('.text')?.textContent}`);
}

describe('ChatPanel', () => {
  it('shows history in seq order and remembers the highest seq', () => {
    const chat = panel();
    chat.addHistory([
      { seq: 2, user_id: 2, username: 'bob', content: 'second', created_at: '2025-10-01T10:00:02Z' },
      { seq: 1, user_id: 2, username: 'bob', content: 'first', created_at: '2025-10-01T10:00:01Z' },
    ]);
    expect(lines(chat)).toEqual(['bob: first', 'bob: second']);
    expect(chat.lastSeq).toBe(2);
  });

  it('shows a message once when it arrives live and again in the history fetched after a reconnect', () => {
    const chat = panel();
    chat.receive({ content: 'hello', user_id: 2, username: 'bob', meeting_id: 100, seq: 5 }, 2, undefined, '2025-10-01T10:00:05Z');
    chat.addHistory([{ seq: 5, user_id: 2, username: 'bob', content: 'hello', created_at: '2025-10-01T10:00:05Z' }]);
    expect(lines(chat)).toEqual(['bob: hello']);
  });

  it('confirms the sender\'s own line when the server echoes it with a seq', () => {
    const chat = panel();
    chat.addOwn('ann', 'hi all', undefined, false);
    const line = chat.log.querySelector('[data-testid=chat-message]')!;
    expect(line.classList.contains('pending')).toBe(true);
    expect(line.textContent).toContain('sending');
    chat.receive({ content: 'hi all', user_id: 1, username: 'ann', meeting_id: 100, seq: 9 }, 1, undefined, '');
    expect(lines(chat)).toEqual(['You: hi all']);
    expect(line.classList.contains('pending')).toBe(false);
    expect(line.getAttribute('data-seq')).toBe('9');
    expect(chat.lastSeq).toBe(9);
  });

  it('says when a message waits for the reconnect', () => {
    const chat = panel();
    chat.addOwn('ann', 'are you there?', undefined, true);
    expect(chat.log.textContent).toContain('will send when reconnected');
  });

  it('marks private messages and names the recipient of the user\'s own', () => {
    const chat = panel();
    chat.receive({ content: 'psst', user_id: 2, username: 'bob', meeting_id: 100, seq: 1 }, 2, 1, '');
    chat.addOwn('ann', 'reply', 2, false);
    expect(chat.log.querySelectorAll('.private')[0]?.textContent).toBe(' (private)');
    expect(chat.log.querySelectorAll('.private')[1]?.textContent).toBe(' (private to Bob)');
  });

  it('shows markup as text', () => {
    const chat = panel();
    chat.receive({ content: '<img src=x onerror=alert(1)>', user_id: 2, username: '<b>bob</b>', meeting_id: 100, seq: 1 }, 2, undefined, '');
    expect(chat.log.querySelector('img')).toBeNull();
    expect(chat.log.querySelector('b')).toBeNull();
    expect(lines(chat)).toEqual(['<b>bob</b>: <img src=x onerror=alert(1)>']);
  });
});
