import { describe, expect, it } from 'vitest';
import { MediaSession, type MediaMode } from '../src/sdk/mediaSession';
import { SignalType, type SignalMessage } from '../src/sdk/messages';
import { FakePeerConnection, fakeStream, fakeTrack } from './fakePeerConnection';

interface Sent { type: number; payload: Record<string, unknown>; to: number | undefined }

function setup(mode: MediaMode, selfUserId = 1, owners: Record<string, number> = {}, serverOfferGraceMs = 60_000) {
  const sent: Sent[] = [];
  const pcs: FakePeerConnection[] = [];
  const errors: unknown[] = [];
  const session = new MediaSession({
    mode,
    selfUserId,
    iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
    ownerOfStream: (streamId) => owners[streamId],
    serverOfferGraceMs,
    signaling: { send: (type, payload, to) => { sent.push({ type, payload: payload as Record<string, unknown>, to }); return true; } },
    createPeerConnection: (configuration) => {
      const pc = new FakePeerConnection(configuration);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
  });
  session.on('error', (e) => errors.push(e.error));
  return { session, sent, pcs, errors };
}

function signal(type: number, from: number, payload: unknown): SignalMessage {
  return { id: 'm', type: type as SignalMessage['type'], from_user_id: from, meeting_id: 100, payload, timestamp: '' };
}

/** Lets queued microtasks and awaited promises run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const camera = () => fakeStream('local', [fakeTrack('audio'), fakeTrack('video')]);

describe('MediaSession in SFU mode', () => {
  it('publishes on send-only transceivers and offers to the server without to_user_id', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(camera());
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.configuration).toMatchObject({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    expect(pcs[0]!.calls.slice(0, 2)).toEqual(['addTransceiver:audio:sendonly', 'addTransceiver:video:sendonly']);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: SignalType.Offer, to: undefined, payload: { type: 'offer' } });
  });

  it('applies the server answer, then answers the server offer that adds remote tracks', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(camera());
    await settle();
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'sfu-answer' }));
    expect(pcs[0]!.signalingState).toBe('stable');
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'sfu-offer-2' }));
    expect(sent[1]).toMatchObject({ type: SignalType.Answer, to: undefined, payload: { type: 'answer' } });
    expect(pcs[0]!.signalingState).toBe('stable');
  });

  it('waits for the server offer when there is nothing to publish', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(null);
    await settle();
    expect(sent).toEqual([]);
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'sfu-offer' }));
    expect(pcs).toHaveLength(1);
    expect(sent.map((s) => s.type)).toEqual([SignalType.Answer]);
  });

  it('keeps candidates that arrive before the description and adds them after it', async () => {
    const { session, pcs, errors } = setup('sfu');
    session.start(null);
    await session.handleSignal(signal(SignalType.IceCandidate, 0, { candidate: 'candidate:1 1 udp 1 127.0.0.1 7880 typ host', sdpMid: '0', sdpMLineIndex: 0 }));
    expect(pcs[0]!.addedCandidates).toEqual([]);
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'sfu-offer' }));
    expect(pcs[0]!.addedCandidates).toEqual([{ candidate: 'candidate:1 1 udp 1 127.0.0.1 7880 typ host', sdpMid: '0', sdpMLineIndex: 0 }]);
    expect(errors).toEqual([]);
  });

  it('rolls back its own offer when the server offers at the same time, and ignores the stale answer', async () => {
    const { session, sent, pcs, errors } = setup('sfu');
    session.start(camera());
    await settle();
    expect(pcs[0]!.signalingState).toBe('have-local-offer');
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'sfu-offer' }));
    expect(pcs[0]!.calls).toContain('rollback');
    expect(sent[1]).toMatchObject({ type: SignalType.Answer });
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'answer-to-rolled-back' }));
    expect(pcs[0]!.calls).not.toContain('setRemoteDescription:answer:answer-to-rolled-back');
    expect(errors).toEqual([]);
  });

  it('joining a room with others, answers the server offer first and then offers all its tracks at once', async () => {
    const { session, sent, pcs, errors } = setup('sfu');
    session.start(camera(), true);
    await settle();
    expect(sent).toEqual([]); // No offer of ours that the server's offer could collide with.
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'room-media' }));
    await settle();
    expect(sent.map((s) => s.payload['type'])).toEqual(['answer', 'offer']);
    expect(pcs[0]!.calls).not.toContain('rollback');
    expect(pcs[0]!.calls.filter((c) => c.startsWith('addTransceiver'))).toEqual(['addTransceiver:audio:sendonly', 'addTransceiver:video:sendonly']);
    expect(pcs[0]!.calls.indexOf('setLocalDescription:answer')).toBeLessThan(pcs[0]!.calls.indexOf('addTransceiver:audio:sendonly'));
    expect(errors).toEqual([]);
  });

  it('offers its tracks after the grace period when the server has nothing to offer', async () => {
    const { session, sent } = setup('sfu', 1, {}, 20);
    session.start(camera(), true);
    await settle();
    expect(sent).toEqual([]);
    await new Promise((done) => setTimeout(done, 40));
    await settle();
    expect(sent.map((s) => s.payload['type'])).toEqual(['offer']);
  });

  it('keeps a device switched during the wait for the server offer for the first offer', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(fakeStream('local', [fakeTrack('audio')]), true);
    await session.replaceTrack('video', fakeTrack('video', 'camera-2'));
    await settle();
    expect(sent).toEqual([]);
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'room-media' }));
    await settle();
    expect(pcs[0]!.calls.filter((c) => c.startsWith('addTransceiver'))).toEqual(['addTransceiver:audio:sendonly', 'addTransceiver:video:sendonly']);
    expect(sent.filter((s) => s.type === SignalType.Offer)).toHaveLength(1);
  });

  it('applies an answer and the offer right behind it in order, without taking them for a collision', async () => {
    const { session, sent, pcs, errors } = setup('sfu');
    session.start(camera());
    await settle();
    // The server answers and offers at once (SyncRoom after our offer): neither is awaited before the next.
    const answer = session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'sfu-answer' }));
    const offer = session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'sfu-offer' }));
    await Promise.all([answer, offer]);
    expect(pcs[0]!.calls).toContain('setRemoteDescription:answer:sfu-answer');
    expect(pcs[0]!.calls).not.toContain('rollback');
    expect(sent[1]).toMatchObject({ type: SignalType.Answer, payload: { type: 'answer' } });
    expect(errors).toEqual([]);
  });

  it('sends its ICE candidates to the server', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(null);
    pcs[0]!.gather('candidate:2 1 udp 2130706431 127.0.0.1 50000 typ host');
    expect(sent[0]).toMatchObject({ type: SignalType.IceCandidate, to: undefined, payload: { candidate: 'candidate:2 1 udp 2130706431 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  });

  it('names the owner of each remote stream and reports their audio levels', async () => {
    const { session, pcs } = setup('sfu', 1, { peer_bob: 2, peer_cat: 3 });
    const streams: [number | undefined, string][] = [];
    session.on('remote-stream', (e) => streams.push([e.userId, e.stream.id]));
    session.start(null);
    const bobAudio = fakeTrack('audio', 'bob-audio');
    const catAudio = fakeTrack('audio', 'cat-audio');
    pcs[0]!.deliverTrack(bobAudio, fakeStream('peer_bob', [bobAudio]), 0.4);
    pcs[0]!.deliverTrack(catAudio, fakeStream('peer_cat', [catAudio]), 0.01);
    const stranger = fakeTrack('audio', 'x');
    pcs[0]!.deliverTrack(stranger, fakeStream('unknown', [stranger]), 0.9);
    expect(streams).toEqual([[2, 'peer_bob'], [3, 'peer_cat'], [undefined, 'unknown']]);
    expect([...session.audioLevels()]).toEqual([[2, 0.4], [3, 0.01]]);
  });

  it('starts over on a new server: the old link closes, its streams end and the current tracks are offered anew', async () => {
    const { session, sent, pcs } = setup('sfu', 1, { peer_bob: 2 });
    const ended: [number | undefined, string][] = [];
    session.on('remote-stream-ended', (e) => ended.push([e.userId, e.stream.id]));
    session.start(camera());
    await settle();
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'old-sfu-answer' }));
    const bobVideo = fakeTrack('video', 'bob-video');
    pcs[0]!.deliverTrack(bobVideo, fakeStream('peer_bob', [bobVideo]));
    await session.replaceTrack('audio', null); // The microphone is off when the server goes away.

    session.restart(false);
    await settle();

    expect(pcs).toHaveLength(2);
    expect(pcs[0]!.closed).toBe(true);
    expect(ended).toEqual([[2, 'peer_bob']]);
    expect(pcs[1]!.calls).toEqual(['addTransceiver:video:sendonly', 'setLocalDescription:offer']);
    const offers = sent.filter((m) => m.type === SignalType.Offer);
    expect(offers).toHaveLength(2);
    // The new server's answer lands on the new link.
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'new-sfu-answer' }));
    expect(pcs[1]!.signalingState).toBe('stable');
  });

  it('waits for the new server\'s offer before publishing when others are already there', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(camera());
    await settle();
    session.restart(true);
    await settle();
    expect(sent.filter((m) => m.type === SignalType.Offer)).toHaveLength(1);
    await session.handleSignal(signal(SignalType.Offer, 0, { type: 'offer', sdp: 'new-sfu-offer' }));
    await settle();
    expect(pcs[1]!.calls.filter((c) => c.startsWith('addTransceiver'))).toEqual(['addTransceiver:audio:sendonly', 'addTransceiver:video:sendonly']);
    expect(sent.filter((m) => m.type === SignalType.Offer)).toHaveLength(2);
  });

  it('ignores peer-to-peer messages from other users', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(null);
    await session.handleSignal(signal(SignalType.Offer, 5, { type: 'offer', sdp: 'p2p' }));
    expect(pcs[0]!.calls).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('switches devices by replacing the track without renegotiating', async () => {
    const { session, sent, pcs } = setup('sfu');
    session.start(camera());
    await settle();
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'a' }));
    const screen = fakeTrack('video', 'screen');
    await session.replaceTrack('video', screen);
    await settle();
    expect(pcs[0]!.transceivers[1]!.sender.replaced).toEqual([screen]);
    expect(sent.filter((s) => s.type === SignalType.Offer)).toHaveLength(1);
  });

  it('adds a sender and renegotiates when a kind is first published', async () => {
    const { session, sent } = setup('sfu');
    session.start(fakeStream('local', [fakeTrack('audio')]));
    await settle();
    await session.handleSignal(signal(SignalType.Answer, 0, { type: 'answer', sdp: 'a' }));
    await session.replaceTrack('video', fakeTrack('video', 'late-camera'));
    await settle();
    expect(sent.filter((s) => s.type === SignalType.Offer)).toHaveLength(2);
  });
});

describe('MediaSession in mesh mode', () => {
  it('offers to a participant already in the room with to_user_id set', async () => {
    const { session, sent, pcs } = setup('mesh', 1);
    session.start(camera());
    expect(pcs).toHaveLength(0);
    session.connectTo(2);
    await settle();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.calls.slice(0, 2)).toEqual(['addTrack:audio:stable', 'addTrack:video:stable']);
    expect(sent[0]).toMatchObject({ type: SignalType.Offer, to: 2 });
  });

  it('answers a newcomer with its own tracks on the transceivers of their offer', async () => {
    const { session, sent, pcs } = setup('mesh', 1);
    session.start(camera());
    await session.handleSignal(signal(SignalType.Offer, 3, { type: 'offer', sdp: 'from-3' }));
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.calls).toContain('addTrack:audio:reused:have-remote-offer');
    expect(pcs[0]!.calls).toContain('addTrack:video:reused:have-remote-offer');
    expect(sent[0]).toMatchObject({ type: SignalType.Answer, to: 3 });
  });

  it('the impolite side answers an offer that arrives right behind the answer to its own', async () => {
    const { session, sent, pcs } = setup('mesh', 1);
    session.start(camera());
    session.connectTo(2);
    await settle();
    expect(sent[0]).toMatchObject({ type: SignalType.Offer, to: 2 });
    const answer = session.handleSignal(signal(SignalType.Answer, 2, { type: 'answer', sdp: 'answer-from-2' }));
    const offer = session.handleSignal(signal(SignalType.Offer, 2, { type: 'offer', sdp: 'offer-from-2' }));
    await Promise.all([answer, offer]);
    expect(pcs[0]!.calls).toContain('setRemoteDescription:offer:offer-from-2');
    expect(sent[1]).toMatchObject({ type: SignalType.Answer, to: 2 });
  });

  it('receives only when it has no devices', async () => {
    const { session, pcs } = setup('mesh', 1);
    session.start(null);
    session.connectTo(2);
    expect(pcs[0]!.calls).toEqual(['addTransceiver:audio:recvonly', 'addTransceiver:video:recvonly']);
  });

  it('closes the connection of a participant who left and ignores their late messages', async () => {
    const { session, pcs, sent } = setup('mesh', 1);
    session.start(camera());
    session.connectTo(2);
    await settle();
    session.disconnectFrom(2);
    expect(pcs[0]!.closed).toBe(true);
    await session.handleSignal(signal(SignalType.Answer, 2, { type: 'answer', sdp: 'late' }));
    expect(pcs).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it('restarts ICE on a failed link after the signaling socket comes back', async () => {
    const { session, pcs, sent } = setup('mesh', 1);
    session.start(camera());
    session.connectTo(2);
    await settle();
    await session.handleSignal(signal(SignalType.Answer, 2, { type: 'answer', sdp: 'a' }));
    pcs[0]!.connectionState = 'failed';
    session.resume();
    await settle();
    expect(pcs[0]!.iceRestarts).toBe(1);
    expect(sent.filter((s) => s.type === SignalType.Offer)).toHaveLength(2);
  });
});
