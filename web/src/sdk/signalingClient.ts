import { defaultBackoff, reconnectDelay, type BackoffPolicy } from './backoff';
import { Emitter } from './emitter';
import {
  buildMessage, parseMessage, SignalType,
  type ChatPayload, type ErrorPayload, type IceCandidatePayload, type MediaControlPayload, type PresencePayload,
  type RoomInfoPayload, type ScreenSharePayload, type SdpPayload, type SignalIdentity, type SignalMessage,
} from './messages';

/** The part of the browser's WebSocket this client uses, so tests can give a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => WebSocketLike;

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why the client stopped for good. */
export type CloseReason = 'left' | 'kicked' | 'meeting-ended' | 'rejected' | 'gave-up';

export interface SignalingEvents {
  state: ConnectionState;
  /** Every parsed message, before the typed events. */
  message: SignalMessage;
  'room-info': SignalMessage<RoomInfoPayload>;
  offer: SignalMessage<SdpPayload>;
  answer: SignalMessage<SdpPayload>;
  'ice-candidate': SignalMessage<IceCandidatePayload>;
  'user-joined': SignalMessage<PresencePayload>;
  'user-left': SignalMessage<PresencePayload>;
  chat: SignalMessage<ChatPayload>;
  'screen-share': SignalMessage<ScreenSharePayload>;
  'media-control': SignalMessage<MediaControlPayload>;
  error: SignalMessage<ErrorPayload>;
  /** The socket came back after a drop and the room was joined again (fetch what was missed). */
  resumed: { attempts: number };
  /** The client stopped and will not reconnect. */
  closed: { reason: CloseReason; message?: string };
}

export interface SignalingOptions {
  /** `websocket_url` from the join answer (ws:// or wss://, or a path on this origin). */
  url: string;
  /** Session token from the join answer, or the JWT; asked again before each reconnect. */
  token: () => string | Promise<string>;
  userId: number;
  meetingId: number;
  /** Kept across reconnects so that the server resumes the session (within 15 s). */
  peerId: string;
  socketFactory?: SocketFactory;
  backoff?: BackoffPolicy;
  /** 30 s: the spec's ping period. */
  pingIntervalMs?: number;
  /** 60 s: silence after which the connection counts as dead. */
  silenceTimeoutMs?: number;
}

const openState = 1;
/** Messages worth delivering late: chat and state notices. Offers, answers, candidates and pings are not. */
const queueableTypes = new Set<number>([SignalType.Chat, SignalType.MediaControl, SignalType.ScreenShare]);
const maxQueued = 50;
/** Cluster notices (docs/protocol/signaling.md): the node drains (70001) or the room moved to another node (70002). */
const moveCodes = new Set([70001, 70002]);
/** After a move notice the next attempt comes within this spread, not after the 3 s of a lost connection. */
const moveSpreadMs = 500;
/** Error codes after which reconnecting cannot help. */
const fatalErrorCodes = new Set([10004, 10005, 20001, 20002, 20006]);

/**
 * The signaling socket of communication-design.zh.md §WebSocket信令通信: joins the room on open, pings
 * every 30 s, treats 60 s of silence as a dead link, reconnects after 3 s with the same peer_id, and
 * stops for good when the user leaves, is kicked, the meeting ends or the server rejects the session.
 */
export class SignalingClient extends Emitter<SignalingEvents> {
  private readonly options: Required<Omit<SignalingOptions, 'socketFactory' | 'backoff'>> & { backoff: BackoffPolicy };
  private readonly socketFactory: SocketFactory;
  private socket: WebSocketLike | null = null;
  private currentState: ConnectionState = 'idle';
  private sessionId: string | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private lastReceivedAt = 0;
  private attempts = 0;
  private wasOpen = false;
  private stopped = false;
  private moveRequested = false;
  private queue: SignalMessage[] = [];

  constructor(options: SignalingOptions) {
    super();
    this.options = {
      url: options.url,
      token: options.token,
      userId: options.userId,
      meetingId: options.meetingId,
      peerId: options.peerId,
      backoff: options.backoff ?? defaultBackoff,
      pingIntervalMs: options.pingIntervalMs ?? 30_000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 60_000,
    };
    this.socketFactory = options.socketFactory ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get identity(): SignalIdentity {
    const identity: SignalIdentity = { userId: this.options.userId, meetingId: this.options.meetingId, peerId: this.options.peerId };
    if (this.sessionId !== undefined) identity.sessionId = this.sessionId;
    return identity;
  }

  /** Opens the socket; the room is joined as soon as it opens. */
  connect(): Promise<void> {
    if (this.currentState !== 'idle') return Promise.resolve();
    return this.open();
  }

  /**
   * Sends a message. Returns false when it could not go now: chat and media-control messages are then
   * queued and sent after the reconnect; anything else is dropped.
   */
  send<P>(type: SignalType, payload: P, toUserId?: number): boolean {
    const message = buildMessage(this.identity, type, payload, toUserId);
    if (this.socket !== null && this.socket.readyState === openState && this.currentState === 'open') {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    if (!this.stopped && queueableTypes.has(type) && this.queue.length < maxQueued) this.queue.push(message);
    return false;
  }

  /** Leaves the room (leave-room, 5) and closes for good. */
  leave(): void {
    if (this.stopped) return;
    this.send(SignalType.LeaveRoom, { meeting_id: this.options.meetingId, user_id: this.options.userId, peer_id: this.options.peerId });
    this.stop('left');
  }

  /** Stops without sending leave-room (the page is going away, or the server ended things). */
  stop(reason: CloseReason, message?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.queue = [];
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      this.detach(socket);
      socket.close(1000, reason);
    }
    this.setState('closed');
    const event: SignalingEvents['closed'] = { reason };
    if (message !== undefined) event.message = message;
    this.emit('closed', event);
  }

  /**
   * The browser reports the network gone (window 'offline'): drop the socket now and follow the reconnect
   * schedule. TCP can keep a dead socket "open" until the 60 s heartbeat notices, far past the server's
   * 15 s resume window.
   */
  networkLost(): void {
    const socket = this.socket;
    if (this.stopped || socket === null) return;
    this.detach(socket);
    this.socket = null;
    socket.close(4001, 'network lost');
    this.onClose(socket, true);
  }

  private async open(): Promise<void> {
    this.setState(this.wasOpen || this.attempts > 0 ? 'reconnecting' : 'connecting');
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const socket = this.socketFactory(this.buildUrl(token));
    this.socket = socket;
    socket.onopen = () => this.onOpen(socket);
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = () => this.onClose(socket);
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
  }

  private buildUrl(token: string): string {
    const query = new URLSearchParams({
      token,
      meeting_id: String(this.options.meetingId),
      user_id: String(this.options.userId),
      peer_id: this.options.peerId,
    });
    const separator = this.options.url.includes('?') ? '&' : '?';
    return `${absoluteWebSocketUrl(this.options.url)}${separator}${query.toString()}`;
  }

  private onOpen(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    const resumed = this.wasOpen || this.attempts > 0;
    const attempts = this.attempts;
    this.attempts = 0;
    this.wasOpen = true;
    this.lastReceivedAt = Date.now();
    this.setState('open');
    this.send(SignalType.JoinRoom, { meeting_id: this.options.meetingId, user_id: this.options.userId, peer_id: this.options.peerId });
    const pending = this.queue;
    this.queue = [];
    for (const message of pending) socket.send(JSON.stringify({ ...message, session_id: this.sessionId ?? message.session_id }));
    this.heartbeat = setInterval(() => this.tick(), this.options.pingIntervalMs);
    if (resumed) this.emit('resumed', { attempts });
  }

  private tick(): void {
    const socket = this.socket;
    if (socket === null) return;
    if (Date.now() - this.lastReceivedAt >= this.options.silenceTimeoutMs) {
      // 心跳机制: nothing heard for 60 s, the link is dead even if the socket has not noticed.
      this.detach(socket);
      this.socket = null;
      socket.close(4000, 'heartbeat timeout');
      this.onClose(socket, true);
      return;
    }
    this.send(SignalType.Ping, {});
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    this.lastReceivedAt = Date.now();
    const message = parseMessage(data);
    if (message === null) return;
    this.emit('message', message);
    switch (message.type) {
      case SignalType.RoomInfo: {
        const info = message as SignalMessage<RoomInfoPayload>;
        this.sessionId = info.payload.session_id ?? message.session_id ?? this.sessionId;
        this.emit('room-info', info);
        break;
      }
      case SignalType.Offer: this.emit('offer', message as SignalMessage<SdpPayload>); break;
      case SignalType.Answer: this.emit('answer', message as SignalMessage<SdpPayload>); break;
      case SignalType.IceCandidate: this.emit('ice-candidate', message as SignalMessage<IceCandidatePayload>); break;
      case SignalType.UserJoined: this.emit('user-joined', message as SignalMessage<PresencePayload>); break;
      case SignalType.UserLeft: this.emit('user-left', message as SignalMessage<PresencePayload>); break;
      case SignalType.Chat: this.emit('chat', message as SignalMessage<ChatPayload>); break;
      case SignalType.ScreenShare: this.emit('screen-share', message as SignalMessage<ScreenSharePayload>); break;
      case SignalType.MediaControl: this.onMediaControl(message as SignalMessage<MediaControlPayload>); break;
      case SignalType.Error: this.onError(message as SignalMessage<ErrorPayload>); break;
      default: break; // Pong: already counted as a sign of life.
    }
  }

  private onMediaControl(message: SignalMessage<MediaControlPayload>): void {
    this.emit('media-control', message);
    const { action, user_id: userId } = message.payload;
    if (action === 'kicked' && (userId === this.options.userId || userId === undefined)) this.stop('kicked');
    else if (action === 'meeting_ended') this.stop('meeting-ended');
  }

  private onError(message: SignalMessage<ErrorPayload>): void {
    this.emit('error', message);
    const code = message.payload.code;
    // The server asked us to go elsewhere and closes the socket next: come back at once (spread over
    // moveSpreadMs, so a room's clients do not arrive all in the same millisecond).
    if (moveCodes.has(code)) this.moveRequested = true;
    if (!fatalErrorCodes.has(code)) return;
    const reason: CloseReason = code === 20006 ? 'kicked' : code === 20002 ? 'meeting-ended' : 'rejected';
    this.stop(reason, message.payload.message);
  }

  private onClose(socket: WebSocketLike, alreadyDetached = false): void {
    if (!alreadyDetached && socket !== this.socket) return;
    this.detach(socket);
    this.socket = null;
    this.clearTimers();
    if (this.stopped) return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.attempts++;
    if (this.attempts > this.options.backoff.maxAttempts) {
      this.stop('gave-up');
      return;
    }
    this.setState('reconnecting');
    const delay = this.moveRequested ? Math.random() * moveSpreadMs : reconnectDelay(this.attempts, this.options.backoff);
    this.moveRequested = false;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.open();
    }, delay);
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  private clearTimers(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.heartbeat = undefined;
    this.reconnectTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}

/** Resolves a path such as /ws/signaling against the page's origin, with ws: or wss: to match http(s):. */
export function absoluteWebSocketUrl(url: string, location: { protocol: string; host: string } | undefined = globalThis.location): string {
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  if (location === undefined) return url;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${url.startsWith('/') ? '' : '/'}${url}`;
}
