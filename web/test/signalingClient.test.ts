import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reconnectDelay } from '../src/sdk/backoff';
import { SignalType } from '../src/sdk/messages';
import { absoluteWebSocketUrl, SignalingClient, type CloseReason, type ConnectionState } from '../src/sdk/signalingClient';
import { FakeSocket } from './fakeSocket';

function setup(maxAttempts = 20) {
  const sockets: FakeSocket[] = [];
  const client = new SignalingClient({
    url: 'ws://localhost:8080/ws/signaling',
    token: () => 'session-token',
    userId: 1,
    meetingId: 100,
    peerId: 'peer_xyz789',
    socketFactory: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoff: { initialMs: 3_000, maxMs: 30_000, maxAttempts },
  });
  const states: ConnectionState[] = [];
  client.on('state', (s) => states.push(s));
  const closed: CloseReason[] = [];
  client.on('closed', (e) => closed.push(e.reason));
  return { client, sockets, states, closed, last: () => sockets[sockets.length - 1]! };
}

const roomInfo = {
  id: 'msg_002', type: 14, from_user_id: 0, meeting_id: 100, session_id: 'session_abc123', peer_id: 'peer_xyz789',
  payload: { meeting_id: 100, participant_count: 2, session_id: 'session_abc123', peer_id: 'peer_xyz789', participants: [] },
  timestamp: '2025-10-01T10:00:01Z',
};

describe('SignalingClient', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects with the query of the spec and joins the room on open', async () => {
    const { client, last } = setup();
    await client.connect();
    const socket = last();
    const url = new URL(socket.url);
    expect(url.pathname).toBe('/ws/signaling');
    expect(Object.fromEntries(url.searchParams)).toEqual({ token: 'session-token', meeting_id: '100', user_id: '1', peer_id: 'peer_xyz789' });
    socket.serverOpens();
    expect(socket.sent[0]).toMatchObject({ type: SignalType.JoinRoom, from_user_id: 1, meeting_id: 100, peer_id: 'peer_xyz789', payload: { meeting_id: 100, user_id: 1, peer_id: 'peer_xyz789' } });
    expect(typeof socket.sent[0]?.['id']).toBe('string');
    expect(Number.isNaN(Date.parse(socket.sent[0]?.['timestamp'] as string))).toBe(false);
  });

  it('takes the session id from room-info and stamps it on later messages', async () => {
    const { client, last } = setup();
    await client.connect();
    last().serverOpens();
    const infos: unknown[] = [];
    client.on('room-info', (m) => infos.push(m.payload.participant_count));
    last().serverSends(roomInfo);
    client.send(SignalType.Chat, { content: 'hello', user_id: 1, username: 'ann', meeting_id: 100 });
    expect(infos).toEqual([2]);
    expect(last().sent[1]).toMatchObject({ type: SignalType.Chat, session_id: 'session_abc123', payload: { content: 'hello' } });
    expect(last().sent[1]).not.toHaveProperty('to_user_id');
  });

  it('pings every 30 seconds while the server answers', async () => {
    const { client, last } = setup();
    await client.connect();
    const socket = last();
    socket.serverOpens();
    vi.advanceTimersByTime(30_000);
    socket.serverSends({ id: 'p', type: 12, from_user_id: 0, meeting_id: 100, payload: {}, timestamp: '' });
    vi.advanceTimersByTime(30_000);
    socket.serverSends({ id: 'p', type: 12, from_user_id: 0, meeting_id: 100, payload: {}, timestamp: '' });
    vi.advanceTimersByTime(30_000);
    expect(socket.sentTypes()).toEqual([SignalType.JoinRoom, SignalType.Ping, SignalType.Ping, SignalType.Ping]);
    expect(client.state).toBe('open');
  });

  it('drops a silent connection after 60 seconds and reconnects 3 seconds later with the same peer id', async () => {
    const { client, sockets, states } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    vi.advanceTimersByTime(60_000);
    expect(sockets[0]!.closedWith).toBe(4000);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(2_999);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    expect(new URL(sockets[1]!.url).searchParams.get('peer_id')).toBe('peer_xyz789');
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
  });

  it('drops the socket at once when the browser goes offline and reconnects 3 seconds later', async () => {
    const { client, sockets } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    client.networkLost();
    expect(sockets[0]!.closedWith).toBe(4001);
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sockets).toHaveLength(2);
    expect(new URL(sockets[1]!.url).searchParams.get('peer_id')).toBe('peer_xyz789');
  });

  it('rejoins after a drop, announces the resume and sends chat queued meanwhile', async () => {
    const { client, sockets } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    sockets[0]!.serverSends(roomInfo);
    const resumed: number[] = [];
    client.on('resumed', (e) => resumed.push(e.attempts));
    sockets[0]!.serverDrops();
    expect(client.send(SignalType.Chat, { content: 'while away', user_id: 1, username: 'ann', meeting_id: 100 })).toBe(false);
    expect(client.send(SignalType.Ping, {})).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    sockets[1]!.serverOpens();
    expect(sockets[1]!.sentTypes()).toEqual([SignalType.JoinRoom, SignalType.Chat]);
    expect(sockets[1]!.sent[1]).toMatchObject({ payload: { content: 'while away' }, session_id: 'session_abc123' });
    expect(resumed).toEqual([1]);
    expect(client.state).toBe('open');
  });

  it('comes back within half a second when a draining node or a moved room tells it to reconnect', async () => {
    for (const code of [70001, 70002]) {
      const { client, sockets } = setup();
      await client.connect();
      sockets[0]!.serverOpens();
      sockets[0]!.serverSends(roomInfo);
      sockets[0]!.serverSends({ id: 'msg_9', type: 13, from_user_id: 0, meeting_id: 100, payload: { code, message: 'reconnect' }, timestamp: '2025-10-01T10:00:02Z' });
      sockets[0]!.serverDrops(1012);
      expect(client.state).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(500);
      expect(sockets).toHaveLength(2);
      // A later plain drop waits the usual 3 s again.
      sockets[1]!.serverOpens();
      sockets[1]!.serverDrops();
      await vi.advanceTimersByTimeAsync(2_000);
      expect(sockets).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(sockets).toHaveLength(3);
      client.leave();
    }
  });

  it('backs off while the server stays away and gives up after the last attempt', async () => {
    const { client, sockets, closed } = setup(3);
    await client.connect();
    sockets[0]!.serverOpens();
    sockets[0]!.serverDrops();
    await vi.advanceTimersByTimeAsync(3_000);
    sockets[1]!.serverDrops();
    await vi.advanceTimersByTimeAsync(3_000);
    sockets[2]!.serverDrops();
    await vi.advanceTimersByTimeAsync(7_200);
    expect(sockets).toHaveLength(4);
    sockets[3]!.serverDrops();
    expect(closed).toEqual(['gave-up']);
    expect(client.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(4);
  });

  it('sends leave-room and never reconnects after leaving', async () => {
    const { client, sockets, closed } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    client.leave();
    expect(sockets[0]!.sentTypes()).toEqual([SignalType.JoinRoom, SignalType.LeaveRoom]);
    expect(sockets[0]!.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sockets).toHaveLength(1);
    expect(closed).toEqual(['left']);
  });

  it('stops for good when this user is kicked', async () => {
    const { client, sockets, closed } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    sockets[0]!.serverSends({ id: 'k', type: 10, from_user_id: 0, meeting_id: 100, payload: { action: 'kicked', user_id: 1 }, timestamp: '' });
    sockets[0]!.serverDrops(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(closed).toEqual(['kicked']);
    expect(sockets).toHaveLength(1);
  });

  it('keeps going when another user is kicked', async () => {
    const { client, sockets, closed } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    const notices: unknown[] = [];
    client.on('media-control', (m) => notices.push(m.payload.user_id));
    sockets[0]!.serverSends({ id: 'k', type: 10, from_user_id: 0, meeting_id: 100, payload: { action: 'kicked', user_id: 2 }, timestamp: '' });
    expect(notices).toEqual([2]);
    expect(closed).toEqual([]);
    expect(client.state).toBe('open');
  });

  it('stops with the server message on a fatal error and keeps going on others', async () => {
    const { client, sockets } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    const errors: number[] = [];
    client.on('error', (m) => errors.push(m.payload.code));
    let closedMessage: string | undefined;
    client.on('closed', (e) => { closedMessage = e.message; });
    sockets[0]!.serverSends({ id: 'e1', type: 13, from_user_id: 0, meeting_id: 100, payload: { code: 400, message: 'bad sdp', ref_id: 'msg_1' }, timestamp: '' });
    expect(client.state).toBe('open');
    sockets[0]!.serverSends({ id: 'e2', type: 13, from_user_id: 0, meeting_id: 100, payload: { code: 20002, message: 'Meeting has ended' }, timestamp: '' });
    expect(errors).toEqual([400, 20002]);
    expect(client.state).toBe('closed');
    expect(closedMessage).toBe('Meeting has ended');
  });

  it('ignores frames that are not envelopes', async () => {
    const { client, sockets } = setup();
    await client.connect();
    sockets[0]!.serverOpens();
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 99 }) });
    expect(messages).toEqual([]);
    expect(client.state).toBe('open');
  });
});

describe('reconnectDelay', () => {
  it('waits 3 s twice (inside the 15 s resume window), then doubles up to the cap', () => {
    const noJitter = () => 0.5;
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelay(n, { initialMs: 3_000, maxMs: 30_000, maxAttempts: 10 }, noJitter));
    expect(delays).toEqual([3_000, 3_000, 6_000, 12_000, 24_000, 30_000, 30_000]);
  });

  it('spreads later attempts by at most 20%', () => {
    const policy = { initialMs: 3_000, maxMs: 30_000, maxAttempts: 10 };
    expect(reconnectDelay(3, policy, () => 0)).toBe(4_800);
    expect(reconnectDelay(3, policy, () => 0.999999)).toBe(7_200);
  });
});

describe('absoluteWebSocketUrl', () => {
  it('keeps ws urls, converts http urls and resolves paths against the page', () => {
    expect(absoluteWebSocketUrl('wss://api.meeting.com/ws/signaling')).toBe('wss://api.meeting.com/ws/signaling');
    expect(absoluteWebSocketUrl('https://api.meeting.com/ws/signaling')).toBe('wss://api.meeting.com/ws/signaling');
    expect(absoluteWebSocketUrl('/ws/signaling', { protocol: 'https:', host: 'meet.example:8443' })).toBe('wss://meet.example:8443/ws/signaling');
    expect(absoluteWebSocketUrl('/ws/signaling', { protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws/signaling');
  });
});
