// A small model of RTCPeerConnection's signaling state machine (W3C webrtc-pc §4.3.1), enough to drive
// MediaSession's negotiation logic in Node. It records what was called so tests can assert on it.

interface FakeTrack { kind: string; id: string }
interface FakeSender { track: FakeTrack | null; replaced: (FakeTrack | null)[]; replaceTrack(track: FakeTrack | null): Promise<void> }
interface FakeTransceiver { kind: string; direction: string; sender: FakeSender; fromRemote: boolean; usedBySender: boolean }

export function fakeTrack(kind: 'audio' | 'video', id = `${kind}-1`): MediaStreamTrack {
  return { kind, id, enabled: true, stop() {} } as unknown as MediaStreamTrack;
}

export function fakeStream(id: string, tracks: MediaStreamTrack[]): MediaStream {
  const list = [...tracks];
  return {
    id,
    getTracks: () => [...list],
    getAudioTracks: () => list.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => list.filter((t) => t.kind === 'video'),
    addTrack: (t: MediaStreamTrack) => { list.push(t); },
    removeTrack: (t: MediaStreamTrack) => { list.splice(list.indexOf(t), 1); },
    onremovetrack: null,
  } as unknown as MediaStream;
}

let sdpCounter = 0;

export class FakePeerConnection {
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  onicecandidate: ((event: { candidate: RTCIceCandidate | null }) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  ontrack: ((event: RTCTrackEvent) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  readonly transceivers: FakeTransceiver[] = [];
  readonly addedCandidates: RTCIceCandidateInit[] = [];
  readonly calls: string[] = [];
  iceRestarts = 0;
  closed = false;
  private negotiationQueued = false;

  constructor(readonly configuration: RTCConfiguration) {}

  addTransceiver(trackOrKind: MediaStreamTrack | string, init: { direction?: string } = {}): { sender: FakeSender } {
    const track = typeof trackOrKind === 'string' ? null : (trackOrKind as unknown as FakeTrack);
    const kind = typeof trackOrKind === 'string' ? trackOrKind : track!.kind;
    const transceiver: FakeTransceiver = { kind, direction: init.direction ?? 'sendrecv', sender: this.sender(track), fromRemote: false, usedBySender: track !== null };
    this.transceivers.push(transceiver);
    this.calls.push(`addTransceiver:${kind}:${transceiver.direction}`);
    this.queueNegotiation();
    return transceiver;
  }

  addTrack(track: MediaStreamTrack): FakeSender {
    const fake = track as unknown as FakeTrack;
    // webrtc-pc §5.1 addTrack: reuse a transceiver the remote offer created whose sender was never used.
    const reusable = this.transceivers.find((t) => t.kind === fake.kind && t.fromRemote && !t.usedBySender);
    this.calls.push(`addTrack:${fake.kind}${reusable !== undefined ? ':reused' : ''}:${this.signalingState}`);
    if (reusable !== undefined) {
      reusable.usedBySender = true;
      reusable.sender.track = fake;
      reusable.direction = 'sendrecv';
      return reusable.sender;
    }
    const transceiver: FakeTransceiver = { kind: fake.kind, direction: 'sendrecv', sender: this.sender(fake), fromRemote: false, usedBySender: true };
    this.transceivers.push(transceiver);
    this.queueNegotiation();
    return transceiver.sender;
  }

  async setLocalDescription(): Promise<void> {
    await Promise.resolve();
    if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') {
      this.localDescription = { type: 'offer', sdp: `offer-${++sdpCounter}` };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `answer-${++sdpCounter}` };
      this.signalingState = 'stable';
    }
    this.calls.push(`setLocalDescription:${this.localDescription?.type}`);
  }

  async setRemoteDescription(description: { type: RTCSdpType; sdp: string }): Promise<void> {
    await Promise.resolve();
    if (description.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.calls.push('rollback');
        this.localDescription = null;
      }
      this.signalingState = 'have-remote-offer';
      for (const kind of ['audio', 'video']) {
        if (!this.transceivers.some((t) => t.kind === kind)) {
          this.transceivers.push({ kind, direction: 'recvonly', sender: this.sender(null), fromRemote: true, usedBySender: false });
        }
      }
    } else {
      if (this.signalingState !== 'have-local-offer') throw new DOMException('no local offer', 'InvalidStateError');
      this.signalingState = 'stable';
    }
    this.remoteDescription = description;
    this.calls.push(`setRemoteDescription:${description.type}:${description.sdp}`);
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.remoteDescription === null) throw new DOMException('no remote description', 'InvalidStateError');
    this.addedCandidates.push(candidate);
  }

  restartIce(): void {
    this.iceRestarts++;
  }

  /** Receivers the test put there (remote tracks with their current audio level). */
  receivers: RTCRtpReceiver[] = [];

  getReceivers(): RTCRtpReceiver[] {
    return this.receivers;
  }

  /** Test side: a remote track arrived, with the audio level its synchronization source reports. */
  deliverTrack(track: MediaStreamTrack, stream: MediaStream, audioLevel = 0): void {
    this.receivers.push({ track, getSynchronizationSources: () => [{ audioLevel, source: 1, timestamp: 0, rtpTimestamp: 0 }] } as unknown as RTCRtpReceiver);
    this.ontrack?.({ track, streams: [stream] } as unknown as RTCTrackEvent);
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }

  /** Test side: the browser gathered a candidate. */
  gather(candidate: string): void {
    this.onicecandidate?.({ candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } as RTCIceCandidate });
  }

  private sender(track: FakeTrack | null): FakeSender {
    const sender: FakeSender = {
      track,
      replaced: [],
      replaceTrack: async (next) => {
        sender.replaced.push(next);
        sender.track = next;
      },
    };
    return sender;
  }

  private queueNegotiation(): void {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    queueMicrotask(() => {
      this.negotiationQueued = false;
      if (this.signalingState === 'stable' && !this.closed) this.onnegotiationneeded?.();
    });
  }
}
