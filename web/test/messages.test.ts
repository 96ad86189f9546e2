import { describe, expect, it } from 'vitest';
import { buildMessage, newPeerId, parseMessage, SignalType } from '../src/sdk/messages';

describe('buildMessage', () => {
  const identity = { userId: 1, meetingId: 100, peerId: 'peer_xyz789', sessionId: 'session_abc123' };

  it('fills the envelope of the spec', () => {
    const now = new Date('2025-10-01T10:00:02Z');
    const message = buildMessage(identity, SignalType.Offer, { sdp: 'v=0', type: 'offer' }, 2, now);
    expect(message).toMatchObject({
      type: 1, from_user_id: 1, to_user_id: 2, meeting_id: 100, session_id: 'session_abc123', peer_id: 'peer_xyz789',
      payload: { sdp: 'v=0', type: 'offer' }, timestamp: '2025-10-01T10:00:02.000Z',
    });
    expect(message.id).toMatch(/^msg_/);
  });

  it('leaves to_user_id out for the SFU and broadcasts, and gives every message its own id', () => {
    const a = buildMessage(identity, SignalType.IceCandidate, { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 });
    const b = buildMessage(identity, SignalType.IceCandidate, { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 });
    expect(a).not.toHaveProperty('to_user_id');
    expect(a.id).not.toBe(b.id);
  });

  it('omits session_id before the room was joined', () => {
    const message = buildMessage({ userId: 1, meetingId: 100, peerId: 'p' }, SignalType.JoinRoom, {});
    expect(message).not.toHaveProperty('session_id');
  });
});

describe('parseMessage', () => {
  it('reads a room-info message', () => {
    const message = parseMessage(JSON.stringify({ id: 'm', type: 14, from_user_id: 0, meeting_id: 100, payload: { participants: [] }, timestamp: '' }));
    expect(message?.type).toBe(SignalType.RoomInfo);
  });

  it('defaults a missing payload and sender so handlers need no guards', () => {
    const message = parseMessage(JSON.stringify({ type: 12 }));
    expect(message).toMatchObject({ type: 12, from_user_id: 0, payload: {} });
  });

  it('rejects unknown types and non-JSON', () => {
    expect(parseMessage(JSON.stringify({ type: 15, payload: {} }))).toBeNull();
    expect(parseMessage('{')).toBeNull();
    expect(parseMessage('"text"')).toBeNull();
  });
});

describe('newPeerId', () => {
  it('makes a peer_ id of 12 base-36 characters', () => {
    expect(newPeerId()).toMatch(/^peer_[0-9a-z]{12}$/);
  });
});
