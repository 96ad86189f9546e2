import {
  ApiError, MediaSession, newPeerId, SignalingClient, SignalType,
  type CloseReason, type MediaControlPayload, type MediaMode, type Role, type SignalMessage,
} from '../../sdk';
import type { AppContext, PendingJoin } from '../app';
import { fillDeviceSelect } from '../devices';
import { field, h } from '../dom';
import { describeError } from '../errors';
import { ChatPanel } from './chatPanel';
import { LocalMedia } from './localMedia';
import { ParticipantsPanel } from './participantsPanel';
import { canModerate, displayName, Roster, type Member } from './roster';
import { VideoGrid } from './videoGrid';

const endMessages: Record<Exclude<CloseReason, 'left'>, string> = {
  kicked: 'You were removed from the meeting by the host.',
  'meeting-ended': 'The host ended the meeting.',
  rejected: 'The server closed the meeting connection.',
  'gave-up': 'Lost the connection to the meeting. Check your network and join again.',
};

/**
 * Media through the server's SFU by default (one connection per page, whatever the meeting's size). Opening any
 * page with ?media=mesh (or ?media=sfu) picks the mode for this tab: mesh connects the pages to each other
 * directly, one connection per other participant (docs/web-sdk.md).
 */
function mediaMode(): MediaMode {
  const key = 'wecompany.media';
  const asked = new URLSearchParams(location.search).get('media');
  try {
    if (asked === 'mesh' || asked === 'sfu') sessionStorage.setItem(key, asked);
    return sessionStorage.getItem(key) === 'mesh' ? 'mesh' : 'sfu';
  } catch {
    return asked === 'mesh' ? 'mesh' : 'sfu';
  }
}

/** The same peer id for this tab and meeting, so that a quick reload can resume the server session. */
function peerIdFor(meetingId: number): string {
  const key = `wecompany.peer.${meetingId}`;
  try {
    const existing = sessionStorage.getItem(key);
    if (existing !== null) return existing;
    const created = newPeerId();
    sessionStorage.setItem(key, created);
    return created;
  } catch {
    return newPeerId();
  }
}

/** The meeting room: videos, controls, participants and chat, wired to the SDK. */
export function renderRoom(view: HTMLElement, context: AppContext, pending: PendingJoin): void {
  const { meeting, join } = pending;
  const session = context.rest.session;
  if (session === null) return;
  const meetingId = join.meeting_id;
  const selfUserId = session.user_id;
  let selfRole: Role = join.role;
  let ended = false;

  const roster = new Roster(session.user_id, session.username, join.role, join.participant_id);
  const grid = new VideoGrid();
  const chat = new ChatPanel(session.user_id, (userId) => { const m = roster.get(userId); return m === undefined ? undefined : displayName(m); });

  const signaling = new SignalingClient({
    url: join.websocket_url,
    token: () => join.session_token ?? context.rest.session?.token ?? '',
    userId: session.user_id,
    meetingId,
    peerId: peerIdFor(meetingId),
  });
  const media = new MediaSession({
    mode: mediaMode(),
    selfUserId: session.user_id,
    iceServers: join.ice_servers ?? [],
    signaling,
    ownerOfStream: (streamId) => roster.ownerOfStream(streamId),
  });

  // ---- local media and its controls
  const micButton = h('button', { type: 'button', id: 'toggle-mic', testid: 'toggle-mic' });
  const cameraButton = h('button', { type: 'button', id: 'toggle-camera', testid: 'toggle-camera' });
  const shareButton = h('button', { type: 'button', id: 'toggle-screen', testid: 'toggle-screen' });
  const leaveButton = h('button', { type: 'button', id: 'leave', testid: 'leave', class: 'danger' }, 'Leave');
  const endButton = h('button', { type: 'button', id: 'end-meeting', testid: 'end-meeting', class: 'danger', hidden: true }, 'End meeting for all');
  const micSelect = h('select', { id: 'mic-select', testid: 'mic-select' });
  const cameraSelect = h('select', { id: 'camera-select', testid: 'camera-select' });

  const local = new LocalMedia(pending.media, {
    micChanged: (on) => {
      signaling.send(SignalType.MediaControl, { action: on ? 'unmute' : 'mute', media_type: 'audio', user_id: session.user_id, peer_id: signaling.identity.peerId });
      renderControls();
    },
    cameraChanged: (on) => {
      signaling.send(SignalType.MediaControl, { action: on ? 'video_on' : 'video_off', media_type: 'video', user_id: session.user_id, peer_id: signaling.identity.peerId });
      renderControls();
    },
    shareChanged: (sharing) => {
      signaling.send(SignalType.ScreenShare, { action: sharing ? 'start' : 'stop', user_id: session.user_id });
      roster.setSharing(session.user_id, sharing);
      renderControls();
    },
    problem: (message) => context.showError(message),
    previewChanged: () => grid.setStream(`u:${session.user_id}`, new MediaStream(local.preview.getTracks())),
  });
  local.attach(media);

  function renderControls(): void {
    const audience = selfRole === 'audience';
    micButton.hidden = audience;
    cameraButton.hidden = audience;
    shareButton.hidden = audience;
    micButton.textContent = local.micOn ? 'Mute' : 'Unmute';
    micButton.dataset['on'] = String(local.micOn);
    micButton.setAttribute('aria-label', local.micOn ? 'Mute microphone' : 'Unmute microphone');
    cameraButton.textContent = local.cameraOn ? 'Stop video' : 'Start video';
    cameraButton.dataset['on'] = String(local.cameraOn);
    shareButton.textContent = local.sharing ? 'Stop sharing' : 'Share screen';
    shareButton.dataset['on'] = String(local.sharing);
    shareButton.hidden = audience || typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
    endButton.hidden = selfRole !== 'host';
    roster.setSelfMedia(!local.micOn, !local.cameraOn);
  }

  micButton.addEventListener('click', () => void local.setMic(!local.micOn));
  cameraButton.addEventListener('click', () => void local.setCamera(!local.cameraOn));
  shareButton.addEventListener('click', () => void (local.sharing ? local.stopShare() : local.startShare()));
  micSelect.addEventListener('change', () => void local.switchDevice('audio', micSelect.value));
  cameraSelect.addEventListener('change', () => void local.switchDevice('video', cameraSelect.value));
  leaveButton.addEventListener('click', () => void leave(null));
  endButton.addEventListener('click', () => {
    if (!window.confirm('End the meeting for everyone?')) return;
    context.rest.endMeeting(meetingId).then(() => void leave('You ended the meeting.'), (error: unknown) => context.showError(describeError(error)));
  });

  // ---- participants and moderation
  const participants = new ParticipantsPanel({
    mute: (member) => moderate(context.rest.mute(meetingId, member.participantId ?? 0), `${displayName(member)} was muted.`),
    kick: (member) => {
      if (window.confirm(`Remove ${displayName(member)} from the meeting?`)) {
        moderate(context.rest.kick(meetingId, member.participantId ?? 0), `${displayName(member)} was removed.`);
      }
    },
    setRole: (member, role) => moderate(context.rest.setRole(meetingId, member.participantId ?? 0, role), `${displayName(member)} is now ${role}.`),
    muteAll: () => moderate(context.rest.muteAll(meetingId), 'Everyone else was muted.'),
  });

  function moderate(action: Promise<void>, done: string): void {
    action.then(() => {
      context.showStatus(done);
      refreshParticipants();
    }, (error: unknown) => context.showError(describeError(error)));
  }

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Debounced: a burst of joins or mutes costs one request. */
  function refreshParticipants(): void {
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      context.rest.listParticipants(meetingId).then((list) => roster.applyParticipants(list), () => undefined);
    }, 300);
  }

  // Streams whose owner the roster could not name yet; placed when the roster learns more.
  const unplaced = new Map<string, MediaStream>();
  roster.on('changed', () => {
    const self = roster.self;
    if (self.role !== undefined && self.role !== selfRole) {
      selfRole = self.role;
      context.showStatus(`Your role is now ${selfRole}.`);
      if (selfRole === 'audience') {
        // The audience only watches and chats (权限控制): stop sending anything.
        void local.stopShare().then(() => local.setMic(false)).then(() => local.setCamera(false));
      }
      renderControls();
    }
    for (const [streamId, stream] of [...unplaced]) {
      const owner = roster.ownerOfStream(streamId);
      if (owner === undefined) continue;
      unplaced.delete(streamId);
      grid.removeStream(`s:${streamId}`, stream);
      grid.setStream(`u:${owner}`, stream);
    }
    grid.update(roster.list());
    participants.render(roster.list(), selfRole);
    renderRecipients();
  });

  media.on('remote-stream', ({ userId, stream }) => {
    if (userId === undefined) {
      unplaced.set(stream.id, stream);
      grid.setStream(`s:${stream.id}`, stream);
    } else {
      grid.setStream(`u:${userId}`, stream);
    }
    grid.update(roster.list());
  });
  media.on('remote-stream-ended', ({ userId, stream }) => {
    unplaced.delete(stream.id);
    grid.removeStream(userId === undefined ? `s:${stream.id}` : `u:${userId}`, stream);
    grid.update(roster.list());
  });
  media.on('connection-state', ({ state }) => {
    if (state === 'failed') {
      context.showStatus('Media connection lost, reconnecting…');
      media.resume();
    } else if (state === 'connected' && signaling.state === 'open') {
      context.showStatus(null);
    }
  });
  media.on('error', ({ error }) => console.error('media', error));

  // ---- chat
  const chatInput = h('textarea', { id: 'chat-input', testid: 'chat-input', rows: 2, maxlength: 2000, required: true });
  const chatTo = h('select', { id: 'chat-to', testid: 'chat-to' });
  function renderRecipients(): void {
    const current = chatTo.value;
    chatTo.replaceChildren(h('option', { value: '' }, 'Everyone'),
      ...roster.others().map((m: Member) => h('option', { value: String(m.userId), selected: String(m.userId) === current }, displayName(m))));
  }
  const chatForm = h('form', { id: 'chat-form', testid: 'chat-form', class: 'chat-form' },
    field('To', chatTo), field('Message', chatInput),
    h('button', { type: 'submit', id: 'chat-send', testid: 'chat-send' }, 'Send'));
  chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = chatInput.value.trim();
    if (content === '') return;
    const to = chatTo.value === '' ? undefined : Number(chatTo.value);
    const payload = { content, user_id: session.user_id, username: session.username, meeting_id: meetingId, ...(to === undefined ? {} : { to_user_id: to }) };
    const sent = signaling.send(SignalType.Chat, payload, to);
    chat.addOwn(session.username, content, to, !sent);
    chatInput.value = '';
    chatInput.focus();
  });
  chatInput.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter makes a new line, as in every chat.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      chatForm.requestSubmit();
    }
  });

  async function loadChat(): Promise<void> {
    try {
      chat.addHistory(await context.rest.chatHistory(meetingId, chat.lastSeq, 200));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) context.showError(describeError(error));
    }
  }

  // ---- signaling
  let started = false;
  signaling.on('state', (state) => {
    if (state === 'reconnecting') context.showStatus('Connection lost, reconnecting…');
    else if (state === 'connecting') context.showStatus('Connecting…');
    else if (state === 'open') context.showStatus(null);
  });
  signaling.on('room-info', (message) => {
    roster.applyRoomInfo(message.payload.participants ?? []);
    if (!started) {
      started = true;
      // Others in the room: the SFU is about to offer us their media; our own offer follows our answer.
      media.start(local.publishStream(), roster.others().length > 0);
    } else if (message.payload.resumed === true) {
      media.resume();
    } else {
      // A new session after a reconnect: the server restarted or the meeting moved to another node.
      media.restart(roster.others().length > 0);
    }
    if (media.mode === 'mesh') for (const member of roster.others()) media.connectTo(member.userId);
    refreshParticipants();
  });
  const forward = (message: SignalMessage): void => void media.handleSignal(message);
  signaling.on('offer', forward);
  signaling.on('answer', forward);
  signaling.on('ice-candidate', forward);
  signaling.on('user-joined', (message) => {
    roster.applyJoined(message.payload);
    refreshParticipants();
  });
  signaling.on('user-left', (message) => {
    const userId = message.payload.user_id ?? message.from_user_id;
    roster.applyLeft(userId);
    media.disconnectFrom(userId);
    refreshParticipants();
  });
  signaling.on('chat', (message) => chat.receive(message.payload, message.from_user_id, message.to_user_id, message.timestamp));
  signaling.on('screen-share', (message) => roster.setSharing(message.payload.user_id ?? message.from_user_id, message.payload.action === 'start'));
  signaling.on('media-control', (message) => onMediaControl(message.payload, message.from_user_id));
  signaling.on('error', (message) => context.showError(message.payload.message));
  signaling.on('resumed', () => {
    // The media side waits for room-info: it says whether the server kept this session.
    void loadChat();
    refreshParticipants();
  });
  signaling.on('closed', ({ reason, message }) => {
    if (reason === 'left') return;
    void leave(message !== undefined && reason === 'rejected' ? message : endMessages[reason]);
  });

  function onMediaControl(payload: MediaControlPayload, from: number): void {
    const self = selfUserId;
    switch (payload.action) {
      case 'active_speaker':
        serverSpeakerAt = Date.now();
        grid.setActiveSpeaker(payload.user_id);
        return;
      case 'kicked':
      case 'meeting_ended':
        return; // SignalingClient stops and 'closed' ends the room.
      case 'mute_all':
        if (from !== self && !canModerate(selfRole) && local.micOn) {
          void local.setMic(false);
          context.showStatus('The host muted everyone.');
        }
        return;
      default:
        break;
    }
    if (payload.user_id === self) {
      // Someone else (the host, or the server on their behalf) changed our state.
      if (from !== self && payload.action === 'mute' && local.micOn) {
        void local.setMic(false);
        context.showStatus('The host muted your microphone.');
      } else if (from !== self && payload.action === 'video_off' && local.cameraOn) {
        void local.setCamera(false);
        context.showStatus('The host turned off your camera.');
      }
      return;
    }
    if (!roster.applyMediaControl(payload)) refreshParticipants(); // A role change or another notice.
  }

  // ---- active speaker: the server's notice wins; without one for 3 s, the loudest receiver above a floor.
  let serverSpeakerAt = 0;
  let localSpeaker: number | undefined;
  const speakerTimer = setInterval(() => {
    if (Date.now() - serverSpeakerAt < 3_000) return;
    let loudest: number | undefined;
    let loudestLevel = 0.05; // Below this it is background noise, not speech.
    for (const [userId, level] of media.audioLevels()) {
      if (level > loudestLevel) {
        loudest = userId;
        loudestLevel = level;
      }
    }
    // Keep the last speaker highlighted through pauses, as meeting apps do.
    if (loudest !== undefined && loudest !== localSpeaker) {
      localSpeaker = loudest;
      grid.setActiveSpeaker(loudest);
    }
  }, 500);

  // ---- leaving
  let leaving = false;
  async function leave(notice: string | null): Promise<void> {
    if (leaving) return;
    leaving = true;
    ended = true;
    teardown();
    try {
      await context.rest.leaveMeeting(meetingId);
    } catch {
      // The server also notices the socket closing; leaving locally must not wait on it.
    }
    if (notice !== null) context.setNotice(notice);
    context.navigate('/');
  }

  function teardown(): void {
    window.removeEventListener('pagehide', onPageHide);
    window.removeEventListener('offline', onOffline);
    clearInterval(speakerTimer);
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    signaling.leave();
    media.close();
    local.stop();
  }
  const onPageHide = (): void => signaling.leave();
  window.addEventListener('pagehide', onPageHide);
  const onOffline = (): void => signaling.networkLost();
  window.addEventListener('offline', onOffline);
  context.onLeave(() => {
    if (!ended) {
      ended = true;
      teardown();
      void context.rest.leaveMeeting(meetingId).catch(() => undefined);
    }
  });

  // ---- layout
  view.classList.add('room-view');
  view.append(
    h('h1', { class: 'room-title' }, meeting.title),
    h('div', { class: 'room' },
      h('div', { class: 'stage' },
        grid.element,
        h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Meeting controls', id: 'room-toolbar', testid: 'room-toolbar' },
          micButton, cameraButton, shareButton,
          h('details', { id: 'device-settings', testid: 'device-settings', class: 'devices' },
            h('summary', {}, 'Devices'), field('Microphone', micSelect), field('Camera', cameraSelect)),
          leaveButton, endButton),
      ),
      h('aside', { class: 'side' },
        h('section', { 'aria-labelledby': 'people-heading', class: 'people' },
          h('h2', { id: 'people-heading' }, 'People (', participants.count, ')'),
          participants.muteAllButton, participants.list),
        h('section', { 'aria-labelledby': 'chat-heading', class: 'chat' },
          h('h2', { id: 'chat-heading' }, 'Chat'), chat.log, chatForm),
      ),
    ),
  );

  renderControls();
  grid.setStream(`u:${session.user_id}`, new MediaStream(local.preview.getTracks()));
  grid.update(roster.list());
  participants.render(roster.list(), selfRole);
  renderRecipients();
  void fillDeviceSelect(micSelect, 'audioinput', local.audioDeviceId);
  void fillDeviceSelect(cameraSelect, 'videoinput', local.videoDeviceId);
  void loadChat();
  void signaling.connect();
}
