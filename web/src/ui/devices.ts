import { describeDeviceError } from './errors';

/** What the user chose on the pre-join page. */
export interface MediaChoice {
  /** The camera and microphone tracks (either may be missing: refused, absent, or audience). */
  stream: MediaStream | null;
  micOn: boolean;
  cameraOn: boolean;
  audioDeviceId: string | undefined;
  videoDeviceId: string | undefined;
}

export interface AcquireResult {
  stream: MediaStream | null;
  /** Sentences to show for each device that could not be used. */
  problems: string[];
}

const videoConstraints: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const audioConstraints: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export function audioConstraint(deviceId: string | undefined): MediaTrackConstraints {
  return deviceId === undefined || deviceId === '' ? audioConstraints : { ...audioConstraints, deviceId: { exact: deviceId } };
}

export function videoConstraint(deviceId: string | undefined): MediaTrackConstraints {
  return deviceId === undefined || deviceId === '' ? videoConstraints : { ...videoConstraints, deviceId: { exact: deviceId } };
}

/**
 * Asks for camera and microphone together (one permission prompt), then one at a time when that fails,
 * so that a refused or missing camera still leaves the microphone, and the other way round.
 */
export async function acquireMedia(audioDeviceId?: string, videoDeviceId?: string): Promise<AcquireResult> {
  const media = navigator.mediaDevices;
  if (media === undefined || typeof media.getUserMedia !== 'function') {
    return { stream: null, problems: ['This browser cannot use a camera or microphone here (a secure https:// page is needed).'] };
  }
  try {
    return { stream: await media.getUserMedia({ audio: audioConstraint(audioDeviceId), video: videoConstraint(videoDeviceId) }), problems: [] };
  } catch {
    // Fall through to asking for each device alone, to learn which one failed.
  }
  const tracks: MediaStreamTrack[] = [];
  const problems: string[] = [];
  for (const kind of ['audio', 'video'] as const) {
    try {
      const constraints = kind === 'audio' ? { audio: audioConstraint(audioDeviceId) } : { video: videoConstraint(videoDeviceId) };
      tracks.push(...(await media.getUserMedia(constraints)).getTracks());
    } catch (error) {
      problems.push(describeDeviceError(error, kind === 'audio' ? 'microphone' : 'camera'));
    }
  }
  return { stream: tracks.length === 0 ? null : new MediaStream(tracks), problems };
}

/** Opens one device alone (for switching devices in the room). */
export async function openTrack(kind: 'audio' | 'video', deviceId: string | undefined): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: audioConstraint(deviceId) } : { video: videoConstraint(deviceId) });
  const track = stream.getTracks()[0];
  if (track === undefined) throw new Error(`No ${kind} track`);
  return track;
}

/** Fills a <select> with the devices of one kind, keeping `selected` when it is still there. */
export async function fillDeviceSelect(select: HTMLSelectElement, kind: 'audioinput' | 'videoinput', selected: string | undefined): Promise<void> {
  let devices: MediaDeviceInfo[] = [];
  try {
    devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
  } catch {
    devices = [];
  }
  const ofKind = devices.filter((d) => d.kind === kind);
  select.replaceChildren();
  if (ofKind.length === 0) {
    select.append(new Option(kind === 'audioinput' ? 'No microphone' : 'No camera', ''));
    select.disabled = true;
    return;
  }
  select.disabled = false;
  ofKind.forEach((device, index) => {
    const label = device.label !== '' ? device.label : `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${index + 1}`;
    select.append(new Option(label, device.deviceId, false, device.deviceId === selected));
  });
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
