import type { MediaSession } from '../../sdk';
import { openTrack, stopStream, type MediaChoice } from '../devices';
import { describeDeviceError } from '../errors';

/** What LocalMedia tells the room: state changes to broadcast, and problems to show. */
export interface LocalMediaEvents {
  micChanged(on: boolean): void;
  cameraChanged(on: boolean): void;
  shareChanged(sharing: boolean): void;
  problem(message: string): void;
  /** The self-view changed track (camera switched, share started or stopped). */
  previewChanged(): void;
}

/**
 * This user's camera, microphone and screen. Muting disables the track (the spec's toggleAudio /
 * toggleVideo) so nothing is renegotiated; screen sharing swaps the video sender's track and back (屏幕共享),
 * keeping the camera open so that stopping the share is instant.
 */
export class LocalMedia {
  /** The self-view stream: the camera, or the screen while sharing. */
  readonly preview = new MediaStream();
  private mic: MediaStreamTrack | null;
  private camera: MediaStreamTrack | null;
  private screen: MediaStreamTrack | null = null;
  private micEnabled: boolean;
  private cameraEnabled: boolean;
  private session: MediaSession | null = null;
  audioDeviceId: string | undefined;
  videoDeviceId: string | undefined;

  constructor(choice: MediaChoice, private readonly events: LocalMediaEvents) {
    this.mic = choice.stream?.getAudioTracks()[0] ?? null;
    this.camera = choice.stream?.getVideoTracks()[0] ?? null;
    this.micEnabled = choice.micOn && this.mic !== null;
    this.cameraEnabled = choice.cameraOn && this.camera !== null;
    this.audioDeviceId = choice.audioDeviceId;
    this.videoDeviceId = choice.videoDeviceId;
    if (this.mic !== null) this.mic.enabled = this.micEnabled;
    if (this.camera !== null) {
      this.camera.enabled = this.cameraEnabled;
      this.preview.addTrack(this.camera);
    }
  }

  get micOn(): boolean { return this.micEnabled; }
  get cameraOn(): boolean { return this.cameraEnabled; }
  get sharing(): boolean { return this.screen !== null; }

  /** The tracks to publish when the media session starts (null when there is nothing). */
  publishStream(): MediaStream | null {
    const tracks = [this.mic, this.camera].filter((t): t is MediaStreamTrack => t !== null);
    return tracks.length === 0 ? null : new MediaStream(tracks);
  }

  attach(session: MediaSession): void {
    this.session = session;
  }

  async setMic(on: boolean): Promise<void> {
    if (on && this.mic === null) {
      try {
        this.mic = await openTrack('audio', this.audioDeviceId);
        await this.session?.replaceTrack('audio', this.mic);
      } catch (error) {
        this.events.problem(describeDeviceError(error, 'microphone'));
        return;
      }
    }
    if (this.mic === null) return;
    this.mic.enabled = on;
    this.micEnabled = on;
    this.events.micChanged(on);
  }

  async setCamera(on: boolean): Promise<void> {
    if (on && this.camera === null) {
      try {
        this.camera = await openTrack('video', this.videoDeviceId);
        if (!this.sharing) {
          await this.session?.replaceTrack('video', this.camera);
          this.showInPreview(this.camera);
        }
      } catch (error) {
        this.events.problem(describeDeviceError(error, 'camera'));
        return;
      }
    }
    if (this.camera === null) return;
    this.camera.enabled = on;
    this.cameraEnabled = on;
    this.events.cameraChanged(on);
  }

  async startShare(): Promise<void> {
    if (this.screen !== null) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      // Closing the browser's picker is a choice, not a problem worth a message.
      if (!(error instanceof DOMException && error.name === 'NotAllowedError')) this.events.problem(describeDeviceError(error, 'screen'));
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (track === undefined) return;
    this.screen = track;
    track.addEventListener('ended', () => void this.stopShare());
    await this.session?.replaceTrack('video', track);
    this.showInPreview(track);
    this.events.shareChanged(true);
  }

  async stopShare(): Promise<void> {
    const screen = this.screen;
    if (screen === null) return;
    this.screen = null;
    screen.stop();
    await this.session?.replaceTrack('video', this.camera);
    this.showInPreview(this.camera);
    this.events.shareChanged(false);
  }

  /** Switches to another microphone or camera, keeping its on/off state. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    let track: MediaStreamTrack;
    try {
      track = await openTrack(kind, deviceId);
    } catch (error) {
      this.events.problem(describeDeviceError(error, kind === 'audio' ? 'microphone' : 'camera'));
      return;
    }
    if (kind === 'audio') {
      this.audioDeviceId = deviceId;
      track.enabled = this.micEnabled;
      const old = this.mic;
      this.mic = track;
      await this.session?.replaceTrack('audio', track);
      old?.stop();
    } else {
      this.videoDeviceId = deviceId;
      track.enabled = this.cameraEnabled;
      const old = this.camera;
      this.camera = track;
      if (!this.sharing) {
        await this.session?.replaceTrack('video', track);
        this.showInPreview(track);
      }
      old?.stop();
    }
  }

  stop(): void {
    for (const track of [this.mic, this.camera, this.screen]) track?.stop();
    stopStream(this.preview);
  }

  private showInPreview(track: MediaStreamTrack | null): void {
    for (const old of this.preview.getVideoTracks()) this.preview.removeTrack(old);
    if (track !== null) this.preview.addTrack(track);
    this.events.previewChanged();
  }
}
