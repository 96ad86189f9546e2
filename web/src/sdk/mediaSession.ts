import { Emitter } from './emitter';
import { SignalType, type IceCandidatePayload, type SdpPayload, type SignalMessage } from './messages';
import { PeerLink } from './peerLink';
import type { IceServer } from './types';

/** 'sfu': one connection to the server's SFU. 'mesh': one connection per remote participant. */
export type MediaMode = 'sfu' | 'mesh';

/** What MediaSession needs from the signaling client (SignalingClient satisfies it). */
export interface SignalingPort {
  send<P>(type: SignalType, payload: P, toUserId?: number): boolean;
}

export interface MediaSessionEvents {
  /** A remote stream appeared (or gained a track). `userId` is undefined when the owner is unknown. */
  'remote-stream': { userId: number | undefined; stream: MediaStream };
  /** A remote stream lost its last track (the SFU renegotiated it away). */
  'remote-stream-ended': { userId: number | undefined; stream: MediaStream };
  /** Connection state of the link to `userId` (0 = the SFU). */
  'connection-state': { userId: number; state: RTCPeerConnectionState };
  error: { userId: number; error: unknown };
}

export interface MediaSessionOptions {
  mode: MediaMode;
  selfUserId: number;
  iceServers: IceServer[];
  signaling: SignalingPort;
  /** Maps an SFU stream id (the msid the server chose) to the publishing user; mesh does not need it. */
  ownerOfStream?: (streamId: string) => number | undefined;
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  /**
   * SFU: how long a joiner who found others in the room waits for the server's offer of their media before it
   * offers its own tracks anyway (the others may all be receive-only). 1 s: the server offers right after
   * room-info, within milliseconds.
   */
  serverOfferGraceMs?: number;
}

const sfuUserId = 0;

/**
 * The media side of a meeting (communication-design.zh.md §WebRTC媒体通信). In SFU mode there is one
 * RTCPeerConnection to the server: this client offers its own tracks (to_user_id absent), answers the
 * server's offers that add remote tracks, and renegotiates when its tracks change. In mesh mode there is
 * one connection per remote user; the newcomer offers to everyone already present, the others answer.
 */
export class MediaSession extends Emitter<MediaSessionEvents> {
  private readonly links = new Map<number, PeerLink>();
  private readonly senders = new Map<number, Map<'audio' | 'video', RTCRtpSender>>();
  private readonly localTracks = new Map<'audio' | 'video', MediaStreamTrack>();
  private localStream: MediaStream | null = null;
  /** SFU: local tracks wait for the server's first offer to be answered (see start()). */
  private publishDeferred = false;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Remote track id → publishing user, learnt in ontrack (SFU streams carry no user otherwise). */
  private readonly trackOwners = new Map<string, number | undefined>();
  /** SFU: remote streams on the server link and their owners, ended by hand when the link is replaced. */
  private readonly remoteStreams = new Map<MediaStream, number | undefined>();
  private readonly create: (configuration: RTCConfiguration) => RTCPeerConnection;
  private closed = false;

  constructor(private readonly options: MediaSessionOptions) {
    super();
    this.create = options.createPeerConnection ?? ((configuration) => new RTCPeerConnection(configuration));
  }

  get mode(): MediaMode {
    return this.options.mode;
  }

  /**
   * Starts publishing `stream` (null for receive-only: audience, or devices refused). In SFU mode this opens
   * the connection to the server at once; in mesh mode connections open as participants are added.
   *
   * SFU, `othersPresent`: the server offers a joiner the room's tracks right after room-info. Offering our own
   * tracks at the same moment would collide with it; the server keeps its offer (it is the impolite side) and
   * this page would roll back its very first offer; in the end-to-end run a page that rolled back the offer that
   * created its ICE transport (1 ms after making it) stayed in connectionState 'new' and never connected.
   * So the first offer waits until the server's offer is answered, or `serverOfferGraceMs` if none comes.
   */
  start(stream: MediaStream | null, othersPresent = false): void {
    this.localStream = stream;
    for (const track of stream?.getTracks() ?? []) this.localTracks.set(track.kind as 'audio' | 'video', track);
    this.openServerLink(othersPresent);
  }

  /**
   * SFU: the server started a new session for this tab (room-info with resumed false after a reconnect: the
   * server restarted, or the meeting moved to another node of a cluster). Its SFU knows nothing of the old
   * connection, and a new SFU has its own ICE credentials and DTLS certificate, which an existing connection
   * cannot switch to. So the old connection goes (its remote streams end) and a new one publishes the current
   * local tracks. Mesh links run browser to browser and outlive the server: nothing to do.
   */
  restart(othersPresent: boolean): void {
    if (this.closed || this.options.mode !== 'sfu') return;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.publishDeferred = false;
    const link = this.links.get(sfuUserId);
    if (link !== undefined) {
      this.closeLink(sfuUserId, link);
      for (const [stream, owner] of [...this.remoteStreams]) {
        this.remoteStreams.delete(stream);
        this.emit('remote-stream-ended', { userId: owner, stream });
      }
      this.trackOwners.clear();
    }
    this.openServerLink(othersPresent);
  }

  private openServerLink(othersPresent: boolean): void {
    if (this.options.mode !== 'sfu') return;
    const link = this.ensureLink(sfuUserId);
    if (this.localTracks.size === 0) return; // Nothing to publish: wait for the server's offers.
    if (othersPresent && link.pc.remoteDescription === null) {
      this.publishDeferred = true;
      this.graceTimer = setTimeout(() => this.publishNow(), this.options.serverOfferGraceMs ?? 1_000);
      return;
    }
    this.publishNow();
  }

  /** SFU: puts every local track on the server link (one offer for all of them). */
  private publishNow(): void {
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.publishDeferred = false;
    const link = this.links.get(sfuUserId);
    if (this.closed || link === undefined) return;
    this.publishMissing(sfuUserId, link);
  }

  /** Mesh: opens a connection to a participant who was already in the room and offers to them. */
  connectTo(userId: number): void {
    if (this.options.mode !== 'mesh' || userId === this.options.selfUserId || this.links.has(userId)) return;
    const link = this.ensureLink(userId);
    if (this.localTracks.size === 0) {
      // Receive-only still needs m-lines to receive into.
      link.pc.addTransceiver('audio', { direction: 'recvonly' });
      link.pc.addTransceiver('video', { direction: 'recvonly' });
      return;
    }
    for (const [kind, track] of this.localTracks) this.publish(userId, link, kind, track);
  }

  /** Mesh: closes the connection to a participant who left. */
  disconnectFrom(userId: number): void {
    const link = this.links.get(userId);
    if (link === undefined) return;
    this.closeLink(userId, link);
  }

  /** Routes a signaling offer, answer or ICE candidate to the right connection. */
  async handleSignal(message: SignalMessage): Promise<void> {
    if (this.closed) return;
    const remote = this.options.mode === 'sfu' ? sfuUserId : message.from_user_id;
    if (this.options.mode === 'sfu' && message.from_user_id !== sfuUserId) return; // Mesh traffic in an SFU room.
    if (this.options.mode === 'mesh' && remote === sfuUserId) return;
    if (message.type === SignalType.IceCandidate) {
      const link = this.links.get(remote);
      await link?.receiveCandidate(message.payload as IceCandidatePayload);
      return;
    }
    if (message.type !== SignalType.Offer && message.type !== SignalType.Answer) return;
    const description = message.payload as SdpPayload;
    const type = description.type ?? (message.type === SignalType.Offer ? 'offer' : 'answer');
    const link = this.links.get(remote) ?? (type === 'offer' ? this.ensureLink(remote) : undefined);
    if (link === undefined) return;
    const applied = await link.receiveDescription({ type, sdp: description.sdp }, () => {
      // Mesh answerer: put our tracks on the transceivers the offer created before answering.
      if (this.options.mode === 'mesh') this.publishMissing(remote, link);
    });
    // SFU: the server's offer is answered and the link is stable: now our own offer cannot collide with it.
    if (applied && type === 'offer' && this.publishDeferred) this.publishNow();
  }

  /**
   * Sends `track` instead of the current one of its kind (device change, screen share), or stops sending
   * that kind with null. Adds a sender, and so renegotiates, only when the kind was never sent.
   */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    if (track === null) this.localTracks.delete(kind);
    else this.localTracks.set(kind, track);
    if (track !== null && this.localStream !== null && !this.localStream.getTracks().includes(track)) {
      for (const old of this.localStream.getTracks().filter((t) => t.kind === kind)) this.localStream.removeTrack(old);
      this.localStream.addTrack(track);
    }
    for (const [userId, link] of this.links) {
      const sender = this.senders.get(userId)?.get(kind);
      if (sender !== undefined) await sender.replaceTrack(track);
      else if (track !== null && !(userId === sfuUserId && this.publishDeferred)) this.publish(userId, link, kind, track);
    }
  }

  /**
   * The current audio level (0..1) of each remote user's microphone, from the receivers' synchronization
   * sources (webrtc-pc §5.3.2 RTCRtpContributingSource.audioLevel): cheap enough to poll a few times a
   * second to find who is speaking, without getStats().
   */
  audioLevels(): Map<number, number> {
    const levels = new Map<number, number>();
    for (const [linkUser, link] of this.links) {
      for (const receiver of link.pc.getReceivers()) {
        if (receiver.track.kind !== 'audio' || typeof receiver.getSynchronizationSources !== 'function') continue;
        const owner = linkUser !== sfuUserId ? linkUser : this.trackOwners.get(receiver.track.id);
        if (owner === undefined) continue;
        for (const source of receiver.getSynchronizationSources()) {
          levels.set(owner, Math.max(levels.get(owner) ?? 0, source.audioLevel ?? 0));
        }
      }
    }
    return levels;
  }

  /** After the signaling socket came back: restart ICE on links that lost their path. */
  resume(): void {
    for (const link of this.links.values()) {
      const state = link.pc.connectionState;
      if (state === 'failed' || state === 'disconnected') void link.offer(true);
    }
  }

  /** Closes every connection; local tracks are the caller's to stop. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    for (const [userId, link] of [...this.links]) this.closeLink(userId, link);
    this.clear();
  }

  private ensureLink(userId: number): PeerLink {
    const existing = this.links.get(userId);
    if (existing !== undefined) return existing;
    const pc = this.create({
      iceServers: this.options.iceServers as RTCIceServer[],
      iceTransportPolicy: 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    const to = userId === sfuUserId ? undefined : userId;
    const signaling = this.options.signaling;
    const link = new PeerLink(pc, {
      sendDescription: (description) => {
        signaling.send(description.type === 'offer' ? SignalType.Offer : SignalType.Answer, description, to);
      },
      sendCandidate: (candidate) => {
        signaling.send(SignalType.IceCandidate, candidate, to);
      },
    }, userId === sfuUserId || this.options.selfUserId > userId, (error) => this.emit('error', { userId, error }));
    pc.ontrack = (event) => this.onTrack(userId, event);
    pc.onconnectionstatechange = () => this.emit('connection-state', { userId, state: pc.connectionState });
    this.links.set(userId, link);
    this.senders.set(userId, new Map());
    return link;
  }

  private publish(userId: number, link: PeerLink, kind: 'audio' | 'video', track: MediaStreamTrack): void {
    const streams = this.localStream === null ? [] : [this.localStream];
    const sender = this.options.mode === 'sfu'
      // The SFU sends remote media on transceivers of its own offers, so ours only send.
      ? link.pc.addTransceiver(track, { direction: 'sendonly', streams }).sender
      : link.pc.addTrack(track, ...streams);
    this.senders.get(userId)?.set(kind, sender);
  }

  private publishMissing(userId: number, link: PeerLink): void {
    const senders = this.senders.get(userId);
    for (const [kind, track] of this.localTracks) {
      if (senders?.has(kind) !== true) this.publish(userId, link, kind, track);
    }
  }

  private onTrack(userId: number, event: RTCTrackEvent): void {
    const stream = event.streams[0] ?? new MediaStream([event.track]);
    const owner = userId !== sfuUserId ? userId : this.options.ownerOfStream?.(stream.id);
    this.trackOwners.set(event.track.id, owner);
    if (userId === sfuUserId) this.remoteStreams.set(stream, owner);
    this.emit('remote-stream', { userId: owner, stream });
    stream.onremovetrack = () => {
      if (stream.getTracks().length > 0 || (userId === sfuUserId && !this.remoteStreams.delete(stream))) return;
      this.emit('remote-stream-ended', { userId: owner, stream });
    };
  }

  private closeLink(userId: number, link: PeerLink): void {
    link.close();
    this.links.delete(userId);
    this.senders.delete(userId);
  }
}
