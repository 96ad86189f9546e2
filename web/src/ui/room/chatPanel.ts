import type { ChatPayload, ChatRecord } from '../../sdk';
import { h } from '../dom';

interface Line {
  element: HTMLElement;
  status: HTMLElement;
  content: string;
  pending: boolean;
}

/**
 * The chat log. History (REST) and live messages (signaling) are merged by `seq`, so a message fetched
 * after a reconnect and the same message arriving live appear once. The user's own messages show at once
 * as "sending" and are confirmed when the server's copy (with its seq) comes back.
 */
export class ChatPanel {
  readonly log = h('ol', { id: 'chat-log', testid: 'chat-log', class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Chat messages' });
  private readonly seen = new Set<number>();
  private readonly pending: Line[] = [];
  private highestSeq = 0;

  constructor(private readonly selfUserId: number, private readonly nameOf: (userId: number) => string | undefined) {}

  /** The highest seq shown: ask the history for what came after it. */
  get lastSeq(): number {
    return this.highestSeq;
  }

  addHistory(records: ChatRecord[]): void {
    for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
      this.addConfirmed(record.seq, record.user_id, record.username, record.content, record.to_user_id ?? undefined, record.created_at);
    }
  }

  receive(payload: ChatPayload, fromUserId: number, toUserId: number | undefined, timestamp: string): void {
    const userId = payload.user_id ?? fromUserId;
    const to = payload.to_user_id ?? toUserId;
    if (userId === this.selfUserId) {
      const index = this.pending.findIndex((line) => line.content === payload.content);
      if (index >= 0) {
        const [line] = this.pending.splice(index, 1);
        if (line !== undefined) this.confirm(line, payload.seq);
        return;
      }
    }
    if (payload.seq !== undefined) this.addConfirmed(payload.seq, userId, payload.username, payload.content, to, timestamp);
    else this.append(userId, payload.username, payload.content, to, timestamp, false);
  }

  /** Shows the user's own message before the server confirms it; `queued` when the socket is down. */
  addOwn(username: string, content: string, toUserId: number | undefined, queued: boolean): void {
    const line = this.append(this.selfUserId, username, content, toUserId, new Date().toISOString(), true);
    line.status.textContent = queued ? 'will send when reconnected' : 'sending…';
    this.pending.push(line);
  }

  private addConfirmed(seq: number, userId: number, username: string, content: string, to: number | undefined, timestamp: string): void {
    if (this.seen.has(seq)) return;
    this.seen.add(seq);
    this.highestSeq = Math.max(this.highestSeq, seq);
    const line = this.append(userId, username, content, to, timestamp, false);
    line.element.dataset['seq'] = String(seq);
  }

  private confirm(line: Line, seq: number | undefined): void {
    line.pending = false;
    line.element.classList.remove('pending');
    line.status.textContent = '';
    if (seq !== undefined) {
      this.seen.add(seq);
      this.highestSeq = Math.max(this.highestSeq, seq);
      line.element.dataset['seq'] = String(seq);
    }
  }

  private append(userId: number, username: string, content: string, to: number | undefined, timestamp: string, pending: boolean): Line {
    const time = new Date(timestamp);
    const status = h('span', { class: 'delivery' });
    const privateNote = to !== undefined && to !== 0
      ? h('span', { class: 'private' }, userId === this.selfUserId ? ` (private to ${this.nameOf(to) ?? `user ${to}`})` : ' (private)')
      : null;
    const element = h('li', { class: pending ? 'chat-line pending' : 'chat-line', testid: 'chat-message', 'data-user-id': userId },
      h('span', { class: 'who' }, userId === this.selfUserId ? 'You' : username), privateNote,
      Number.isNaN(time.getTime()) ? null : h('time', { datetime: time.toISOString() }, time.toLocaleTimeString(undefined, { timeStyle: 'short' })),
      h('p', { class: 'text' }, content),
      status,
    );
    this.log.append(element);
    element.scrollIntoView?.({ block: 'nearest' });
    return { element, status, content, pending };
  }
}
