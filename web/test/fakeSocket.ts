import type { WebSocketLike } from '../src/sdk/signalingClient';

/** An in-memory WebSocket: the test opens, feeds and closes it as the server would. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // ---- driven by the test, as the server side

  serverOpens(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  serverSends(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  serverDrops(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  sentTypes(): unknown[] {
    return this.sent.map((m) => m['type']);
  }
}
