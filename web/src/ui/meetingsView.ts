import { joinLink, normalizeMeetingCode, type CreatedMeeting, type MeetingStatus, type MeetingSummary } from '../sdk';
import type { AppContext } from './app';
import { copyText, field, formatDateTime, h, replaceChildren } from './dom';
import { describeError } from './errors';

const tabs: { status: MeetingStatus; label: string }[] = [
  { status: 'scheduled', label: 'Upcoming' },
  { status: 'active', label: 'Active' },
  { status: 'ended', label: 'Past' },
];
const pageSize = 20;

/** The home page: join by code, the meeting lists and the schedule form. */
export function renderMeetings(view: HTMLElement, context: AppContext): void {
  view.append(h('h1', {}, 'Meetings'));
  view.append(joinByCodeForm(context));
  view.append(meetingList(context));
  view.append(scheduleForm(context));
}

function joinByCodeForm(context: AppContext): HTMLElement {
  const code = h('input', { id: 'join-code', testid: 'join-code', placeholder: 'ABC-DEF-GHI', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h('form', { id: 'join-code-form', testid: 'join-code-form', class: 'card inline' },
    field('Meeting code or link', code),
    h('button', { type: 'submit', id: 'join-code-submit', testid: 'join-code-submit', class: 'primary' }, 'Join'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const normalized = normalizeMeetingCode(code.value);
    if (normalized === null) {
      context.showError('A meeting code has nine letters or digits, like ABC-DEF-GHI.');
      code.focus();
      return;
    }
    context.navigate(`/join/${normalized}`);
  });
  return h('section', { 'aria-labelledby': 'join-heading' }, h('h2', { id: 'join-heading' }, 'Join a meeting'), form);
}

function meetingList(context: AppContext): HTMLElement {
  let status: MeetingStatus = 'scheduled';
  let page = 1;
  const tabButtons = tabs.map((tab) => h('button', {
    type: 'button', class: 'tab', id: `tab-${tab.status}`, testid: `tab-${tab.status}`, 'aria-pressed': String(tab.status === status),
    onclick: () => { status = tab.status; page = 1; void load(); },
  }, tab.label));
  const body = h('div', { id: 'meeting-list', testid: 'meeting-list', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', id: 'page-prev', testid: 'page-prev', onclick: () => { page--; void load(); } }, 'Previous');
  const next = h('button', { type: 'button', id: 'page-next', testid: 'page-next', onclick: () => { page++; void load(); } }, 'Next');
  const pageLabel = h('span', { id: 'page-label' });

  async function load(): Promise<void> {
    tabButtons.forEach((button, i) => button.setAttribute('aria-pressed', String(tabs[i]?.status === status)));
    replaceChildren(body, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const result = await context.rest.listMeetings(status, page, pageSize);
      const totalPages = result.total_pages ?? Math.max(1, Math.ceil(result.total / (result.page_size || pageSize)));
      prev.disabled = page <= 1;
      next.disabled = page >= totalPages;
      pageLabel.textContent = `Page ${page} of ${totalPages}`;
      if (result.meetings.length === 0) {
        replaceChildren(body, h('p', { class: 'muted', testid: 'meeting-list-empty' }, 'No meetings here.'));
        return;
      }
      replaceChildren(body, meetingTable(context, result.meetings));
    } catch (error) {
      replaceChildren(body, h('p', { class: 'error' }, describeError(error)));
    }
  }
  void load();

  return h('section', { 'aria-labelledby': 'list-heading' },
    h('h2', { id: 'list-heading' }, 'Your meetings'),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Which meetings' }, ...tabButtons),
    body,
    h('div', { class: 'pager' }, prev, pageLabel, next),
  );
}

function meetingTable(context: AppContext, meetings: MeetingSummary[]): HTMLTableElement {
  const rows = meetings.map((meeting) => {
    const actions = h('div', { class: 'actions' });
    if (meeting.status !== 'ended') {
      const target = meeting.meeting_code !== undefined ? `/join/${meeting.meeting_code}` : `/meeting/${meeting.meeting_id}`;
      actions.append(h('a', { href: target, 'data-route': true, class: 'button', testid: 'meeting-join' }, 'Join'));
    }
    if (meeting.meeting_code !== undefined) actions.append(copyLinkButton(context, meeting.meeting_code, meeting.join_url));
    return h('tr', { 'data-meeting-id': meeting.meeting_id, testid: 'meeting-row' },
      h('th', { scope: 'row' }, meeting.title),
      h('td', {}, meeting.host_name),
      h('td', {}, formatDateTime(meeting.start_time)),
      h('td', {}, meeting.meeting_code ?? ''),
      h('td', {}, String(meeting.participant_count)),
      h('td', {}, actions),
    );
  });
  return h('table', { class: 'meetings' },
    h('thead', {}, h('tr', {}, ...['Title', 'Host', 'Starts', 'Code', 'People', ''].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, ...rows),
  );
}

function copyLinkButton(context: AppContext, code: string, joinUrl: string | undefined): HTMLButtonElement {
  const link = joinLink(code, joinUrl, location.origin);
  return h('button', {
    type: 'button', class: 'copy-link', testid: 'copy-link', 'data-link': link,
    onclick: () => {
      void copyText(link).then((ok) => context.showStatus(ok ? 'Join link copied.' : `Copy this link: ${link}`));
    },
  }, 'Copy link');
}

/** datetime-local gives local wall time without a zone; the API wants UTC ISO 8601. */
function localInputToUtcIso(value: string): string {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function defaultStartValue(): string {
  const start = new Date(Date.now() + 15 * 60_000);
  start.setSeconds(0, 0);
  const local = new Date(start.getTime() - start.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function scheduleForm(context: AppContext): HTMLElement {
  const title = h('input', { id: 'schedule-title', testid: 'schedule-title', required: true, maxlength: 200 });
  const description = h('textarea', { id: 'schedule-description', testid: 'schedule-description', rows: 2, maxlength: 2000 });
  const start = h('input', { id: 'schedule-start', testid: 'schedule-start', type: 'datetime-local', required: true, value: defaultStartValue() });
  const duration = h('input', { id: 'schedule-duration', testid: 'schedule-duration', type: 'number', min: 5, max: 1440, step: 5, value: '60', required: true });
  const maxParticipants = h('input', { id: 'schedule-max', testid: 'schedule-max', type: 'number', min: 2, max: 1000, value: '10', required: true });
  const isPublic = h('input', { id: 'schedule-public', testid: 'schedule-public', type: 'checkbox' });
  const recording = h('input', { id: 'schedule-recording', testid: 'schedule-recording', type: 'checkbox' });
  const ai = h('input', { id: 'schedule-ai', testid: 'schedule-ai', type: 'checkbox' });
  const shareGrant = h('input', { id: 'schedule-share-grant', testid: 'schedule-share-grant', type: 'checkbox' });
  const requirePassword = h('input', { id: 'schedule-require-password', testid: 'schedule-require-password', type: 'checkbox' });
  const password = h('input', { id: 'schedule-password', testid: 'schedule-password', type: 'password', autocomplete: 'new-password', minlength: 4, maxlength: 64 });
  const passwordField = field('Meeting password', password);
  passwordField.hidden = true;
  requirePassword.addEventListener('change', () => {
    passwordField.hidden = !requirePassword.checked;
    password.required = requirePassword.checked;
  });
  const submit = h('button', { type: 'submit', id: 'schedule-submit', testid: 'schedule-submit', class: 'primary' }, 'Schedule');
  const result = h('div', { id: 'schedule-result', testid: 'schedule-result', 'aria-live': 'polite' });

  const form = h('form', { id: 'schedule-form', testid: 'schedule-form', class: 'card grid-form' },
    field('Title', title), field('Description', description), field('Starts', start),
    field('Duration (minutes)', duration), field('Maximum participants', maxParticipants),
    field('Public (anyone with the code can find it)', isPublic), field('Record the meeting', recording),
    field('AI analysis (transcript, summary)', ai), field('Screen sharing needs the host\'s permission', shareGrant),
    field('Require a password', requirePassword), passwordField,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    context.showError(null);
    submit.disabled = true;
    const settings = {
      enable_recording: recording.checked,
      enable_ai_analysis: ai.checked,
      screen_share_requires_grant: shareGrant.checked,
      require_password: requirePassword.checked,
      ...(requirePassword.checked ? { password: password.value } : {}),
    };
    context.rest.createMeeting({
      title: title.value.trim(),
      description: description.value.trim(),
      start_time: localInputToUtcIso(start.value),
      duration: Number(duration.value),
      max_participants: Number(maxParticipants.value),
      is_public: isPublic.checked,
      settings,
    }).then((created) => {
      submit.disabled = false;
      form.reset();
      start.value = defaultStartValue();
      passwordField.hidden = true;
      replaceChildren(result, createdCard(context, created));
    }, (error: unknown) => {
      submit.disabled = false;
      context.showError(describeError(error));
    });
  });
  return h('section', { 'aria-labelledby': 'schedule-heading' }, h('h2', { id: 'schedule-heading' }, 'Schedule a meeting'), form, result);
}

function createdCard(context: AppContext, created: CreatedMeeting): HTMLElement {
  const link = joinLink(created.meeting_code, created.join_url, location.origin);
  const linkInput = h('input', { id: 'created-link', testid: 'created-link', readonly: true, value: link });
  return h('div', { class: 'card success' },
    h('p', {}, 'Scheduled ', h('strong', {}, created.title), '. Meeting code: ', h('strong', { testid: 'created-code' }, created.meeting_code)),
    field('Join link', linkInput),
    h('div', { class: 'row' },
      h('button', {
        type: 'button', id: 'created-copy', testid: 'created-copy',
        onclick: () => { void copyText(link, linkInput).then((ok) => context.showStatus(ok ? 'Join link copied.' : 'Press Ctrl+C to copy the selected link.')); },
      }, 'Copy link'),
      h('a', { href: `/join/${created.meeting_code}`, 'data-route': true, class: 'button primary', id: 'created-start', testid: 'created-start' }, 'Start now'),
    ),
  );
}
