import { ApiError, BusinessCode, normalizeMeetingCode, type Meeting } from '../sdk';
import type { AppContext } from './app';
import { acquireMedia, fillDeviceSelect, stopStream } from './devices';
import { field, formatDateTime, h, replaceChildren } from './dom';
import { describeError } from './errors';

/**
 * The pre-join page for /join/ABC-DEF-GHI and /meeting/{id}: shows the meeting, a camera preview with
 * device choice, asks for the password when the meeting has one, and joins.
 */
export function renderJoin(view: HTMLElement, context: AppContext, target: { code: string } | { meetingId: number }): void {
  const heading = h('h1', {}, 'Join meeting');
  const body = h('div', { class: 'join' }, h('p', { class: 'muted' }, 'Looking up the meeting…'));
  view.append(heading, body);

  let preview: MediaStream | null = null;
  let handedOver = false;
  context.onLeave(() => {
    if (!handedOver) stopStream(preview);
  });

  const lookup = (): Promise<Meeting> => {
    if ('code' in target) {
      const code = normalizeMeetingCode(target.code);
      if (code === null) return Promise.reject(new ApiError(404, 'Not a meeting code', BusinessCode.MeetingNotFound));
      return context.rest.getMeetingByCode(code);
    }
    return context.rest.getMeeting(target.meetingId);
  };

  lookup().then((meeting) => {
    heading.textContent = `Join “${meeting.title}”`;
    if (meeting.status === 'ended') {
      replaceChildren(body, h('p', { class: 'error', testid: 'meeting-ended' }, 'This meeting has ended.'), backLink());
      return;
    }
    showForm(meeting);
  }, (error: unknown) => {
    replaceChildren(body, h('p', { class: 'error', testid: 'join-lookup-error' }, describeError(error)), backLink());
  });

  function showForm(meeting: Meeting): void {
    const video = h('video', { id: 'preview-video', testid: 'preview-video', autoplay: true, muted: true, playsinline: true, 'aria-label': 'Your camera preview' });
    const micSelect = h('select', { id: 'preview-mic', testid: 'preview-mic' });
    const cameraSelect = h('select', { id: 'preview-camera', testid: 'preview-camera' });
    const micOn = h('input', { id: 'preview-mic-on', testid: 'preview-mic-on', type: 'checkbox', checked: true });
    const cameraOn = h('input', { id: 'preview-camera-on', testid: 'preview-camera-on', type: 'checkbox', checked: true });
    const problems = h('ul', { class: 'problems', testid: 'device-problems', 'aria-live': 'polite' });
    const password = h('input', { id: 'join-password', testid: 'join-password', type: 'password', autocomplete: 'off' });
    let needsPassword = meeting.settings?.require_password === true;
    password.required = needsPassword;
    const passwordField = field('Meeting password', password);
    passwordField.hidden = !needsPassword;
    const submit = h('button', { type: 'submit', id: 'join-submit', testid: 'join-submit', class: 'primary' }, 'Join now');

    const form = h('form', { id: 'join-form', testid: 'join-form', class: 'card' },
      h('dl', { class: 'facts' },
        h('dt', {}, 'Host'), h('dd', {}, meeting.host_name ?? ''),
        h('dt', {}, 'Starts'), h('dd', {}, formatDateTime(meeting.start_time)),
        meeting.meeting_code !== undefined ? h('dt', {}, 'Code') : null,
        meeting.meeting_code !== undefined ? h('dd', {}, meeting.meeting_code) : null,
      ),
      h('div', { class: 'preview' }, video),
      problems,
      field('Microphone', micSelect), field('Camera', cameraSelect),
      field('Microphone on when I join', micOn), field('Camera on when I join', cameraOn),
      passwordField,
      submit,
    );
    replaceChildren(body, form);

    async function openPreview(): Promise<void> {
      stopStream(preview);
      const result = await acquireMedia(micSelect.value || undefined, cameraSelect.value || undefined);
      preview = result.stream;
      video.srcObject = preview;
      replaceChildren(problems, ...result.problems.map((p) => h('li', {}, p)));
      const audio = preview?.getAudioTracks()[0]?.getSettings().deviceId;
      const camera = preview?.getVideoTracks()[0]?.getSettings().deviceId;
      // Labels are only visible once permission was given, so fill the lists after asking.
      await fillDeviceSelect(micSelect, 'audioinput', audio);
      await fillDeviceSelect(cameraSelect, 'videoinput', camera);
      micOn.disabled = preview?.getAudioTracks().length === 0 || preview === null;
      cameraOn.disabled = preview?.getVideoTracks().length === 0 || preview === null;
      if (micOn.disabled) micOn.checked = false;
      if (cameraOn.disabled) cameraOn.checked = false;
    }
    micSelect.addEventListener('change', () => void openPreview());
    cameraSelect.addEventListener('change', () => void openPreview());
    cameraOn.addEventListener('change', () => {
      for (const track of preview?.getVideoTracks() ?? []) track.enabled = cameraOn.checked;
    });
    // The handler goes on before the (slow) camera start, so an early click never submits the form natively.
    const previewReady = openPreview().catch(() => undefined);
    if (needsPassword) password.focus();

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      context.showError(null);
      submit.disabled = true;
      previewReady.then(() => context.rest.joinMeeting(meeting.meeting_id, needsPassword ? password.value : undefined)).then((join) => {
        let stream = preview;
        if (join.role === 'audience') {
          // Audience members only watch and chat (权限控制): release the devices.
          stopStream(stream);
          stream = null;
        }
        handedOver = true;
        context.pendingJoin = {
          meeting,
          join,
          media: {
            stream,
            micOn: micOn.checked && !micOn.disabled,
            cameraOn: cameraOn.checked && !cameraOn.disabled,
            audioDeviceId: micSelect.value || undefined,
            videoDeviceId: cameraSelect.value || undefined,
          },
        };
        context.navigate(`/room/${join.meeting_id}`);
      }, (error: unknown) => {
        submit.disabled = false;
        context.showError(describeError(error));
        if (error instanceof ApiError && error.businessCode === BusinessCode.WrongPassword) {
          // The lookup may not say that a password is needed; the join answer does.
          needsPassword = true;
          password.required = true;
          passwordField.hidden = false;
          password.value = '';
          password.focus();
        }
      });
    });
  }
}

function backLink(): HTMLElement {
  return h('p', {}, h('a', { href: '/', 'data-route': true, id: 'back-home', testid: 'back-home' }, 'Back to meetings'));
}
