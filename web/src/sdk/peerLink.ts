import type { IceCandidatePayload, SdpPayload } from './messages';

/** Sends what one RTCPeerConnection produces: the offer/answer and the ICE candidates. */
export interface PeerSignaler {
  sendDescription(description: SdpPayload): void;
  sendCandidate(candidate: IceCandidatePayload): void;
}

/**
 * One RTCPeerConnection with the "perfect negotiation" pattern of W3C webrtc-pc §10.7 (Example 17):
 * either side may offer at any time; on a collision the polite side rolls back its own offer and answers,
 * the impolite side ignores the incoming offer. Against the SFU this browser is always the polite side.
 * Candidates that arrive before the remote description are kept until it is set (webrtc-pc §4.4.1.6
 * rejects addIceCandidate while remoteDescription is null). Remote descriptions and candidates are applied one
 * at a time in arrival order: the collision test reads signalingState, which is only meaningful once the previous
 * remote description has been applied (an answer followed at once by a new offer is not a collision).
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private closed = false;
  /** The remote descriptions and candidates still to apply, chained in arrival order. */
  private inbound: Promise<void> = Promise.resolve();

  constructor(
    pc: RTCPeerConnection,
    private readonly signaler: PeerSignaler,
    private readonly polite: boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    this.pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      if (candidate === null || candidate.candidate === '') return;
      signaler.sendCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
    };
    pc.onnegotiationneeded = () => {
      void this.offer(false);
    };
  }

  /** Creates and sends an offer now (with an ICE restart when the transport needs a new path). */
  async offer(iceRestart: boolean): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      if (iceRestart) this.pc.restartIce();
      // setLocalDescription() without an argument creates the right description for the current state.
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      if (local !== null && local.type === 'offer') this.signaler.sendDescription({ type: 'offer', sdp: local.sdp });
    } catch (error) {
      this.onError(error);
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * Applies a remote offer or answer after those received before it; answers an offer. Resolves true when the
   * description was applied (and an offer answered), false when it was ignored or failed.
   */
  receiveDescription(description: SdpPayload, beforeAnswer?: () => void): Promise<boolean> {
    return this.inOrder(() => this.applyDescription(description, beforeAnswer), false);
  }

  /** Adds a remote candidate after the descriptions received before it. */
  receiveCandidate(candidate: IceCandidatePayload): Promise<void> {
    return this.inOrder(() => this.applyCandidate(candidate), undefined);
  }

  private inOrder<T>(step: () => Promise<T>, whenClosed: T): Promise<T> {
    const run = this.inbound.then(() => (this.closed ? whenClosed : step()));
    this.inbound = run.then(() => undefined, () => undefined);
    return run;
  }

  private async applyDescription(description: SdpPayload, beforeAnswer?: () => void): Promise<boolean> {
    try {
      if (description.type === 'answer' && this.pc.signalingState !== 'have-local-offer') {
        // The answer to an offer we rolled back during a collision: nothing to apply it to.
        return false;
      }
      const collision = description.type === 'offer' && (this.makingOffer || this.pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return false;
      await this.pc.setRemoteDescription({ type: description.type, sdp: description.sdp });
      await this.flushCandidates();
      if (description.type === 'offer') {
        beforeAnswer?.();
        await this.pc.setLocalDescription();
        const local = this.pc.localDescription;
        if (local !== null) this.signaler.sendDescription({ type: 'answer', sdp: local.sdp });
      }
      return true;
    } catch (error) {
      this.onError(error);
      return false;
    }
  }

  private async applyCandidate(candidate: IceCandidatePayload): Promise<void> {
    const init: RTCIceCandidateInit = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
    if (this.pc.remoteDescription === null) {
      this.pendingCandidates.push(init);
      return;
    }
    try {
      await this.pc.addIceCandidate(init);
    } catch (error) {
      if (!this.ignoreOffer) this.onError(error);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.onicecandidate = null;
    this.pc.onnegotiationneeded = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
