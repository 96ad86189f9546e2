import type { IceServer } from './types';

/** The 14 message types of communication-design.zh.md §WebSocket信令通信 (消息类型). */
export const SignalType = {
  Offer: 1,
  Answer: 2,
  IceCandidate: 3,
  JoinRoom: 4,
  LeaveRoom: 5,
  UserJoined: 6,
  UserLeft: 7,
  Chat: 8,
  ScreenShare: 9,
  MediaControl: 10,
  Ping: 11,
  Pong: 12,
  Error: 13,
  RoomInfo: 14,
} as const;
export type SignalType = (typeof SignalType)[keyof typeof SignalType];

/** The envelope every signaling message uses (消息格式). */
export interface SignalMessage<P = unknown> {
  id: string;
  type: SignalType;
  from_user_id: number;
  to_user_id?: number;
  meeting_id: number;
  session_id?: string;
  peer_id?: string;
  payload: P;
  timestamp: string;
}

export interface SdpPayload {
  sdp: string;
  type: 'offer' | 'answer';
}

export interface IceCandidatePayload {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export interface RoomParticipant {
  user_id: number;
  username: string;
  session_id?: string;
  peer_id?: string;
  joined_at?: string;
  last_active_at?: string;
  is_self?: boolean;
}

export interface RoomInfoPayload {
  meeting_id: number;
  participant_count: number;
  session_id: string;
  peer_id: string;
  ice_servers?: IceServer[];
  participants: RoomParticipant[];
  /** True when a reconnect took over this tab's session; false when the server started a new one for it. */
  resumed?: boolean;
}

/** user-joined (6) and user-left (7). */
export interface PresencePayload {
  user_id: number;
  username?: string;
  peer_id?: string;
  session_id?: string;
}

export interface ChatPayload {
  content: string;
  user_id: number;
  username: string;
  meeting_id: number;
  /** Assigned by the server; absent on what a client sends. */
  seq?: number;
  to_user_id?: number;
}

export interface ScreenSharePayload {
  action: 'start' | 'stop';
  user_id: number;
}

export type MediaAction =
  | 'mute' | 'unmute' | 'video_on' | 'video_off' | 'active_speaker' | 'kicked' | 'meeting_ended'
  | (string & {});

export interface MediaControlPayload {
  action: MediaAction;
  media_type?: 'audio' | 'video';
  user_id: number;
  peer_id?: string;
  role?: string;
}

export interface ErrorPayload {
  code: number;
  message: string;
  ref_id?: string;
}

/** Who the socket belongs to; the server overwrites these with the authenticated identity anyway. */
export interface SignalIdentity {
  userId: number;
  meetingId: number;
  peerId: string;
  sessionId?: string;
}

let counter = 0;

/** A message id unique within this page: time plus a counter plus randomness. */
export function newMessageId(random: () => number = Math.random): string {
  counter = (counter + 1) % 1_000_000;
  return `msg_${Date.now().toString(36)}_${counter}_${Math.floor(random() * 1e9).toString(36)}`;
}

/** A WebRTC peer id for this tab; kept across reconnects so the server can resume the session. */
export function newPeerId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += Math.floor(random() * 36).toString(36);
  return `peer_${id}`;
}

/** Builds a complete envelope; `toUserId` undefined leaves `to_user_id` out (broadcast or SFU). */
export function buildMessage<P>(
  identity: SignalIdentity,
  type: SignalType,
  payload: P,
  toUserId?: number,
  now: Date = new Date(),
): SignalMessage<P> {
  const message: SignalMessage<P> = {
    id: newMessageId(),
    type,
    from_user_id: identity.userId,
    meeting_id: identity.meetingId,
    peer_id: identity.peerId,
    payload,
    timestamp: now.toISOString(),
  };
  if (identity.sessionId !== undefined) message.session_id = identity.sessionId;
  if (toUserId !== undefined) message.to_user_id = toUserId;
  return message;
}

const knownTypes = new Set<number>(Object.values(SignalType));

/** Parses one text frame; null when it is not an envelope this client understands. */
export function parseMessage(text: string): SignalMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record['type'] !== 'number' || !knownTypes.has(record['type'])) return null;
  const message = record as unknown as SignalMessage;
  if (typeof record['from_user_id'] !== 'number') message.from_user_id = 0;
  if (typeof record['payload'] !== 'object' || record['payload'] === null) message.payload = {};
  return message;
}
