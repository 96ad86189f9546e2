import { RestClient, StorageTokenStore, MemoryTokenStore, type JoinResult, type Meeting } from '../sdk';
import { h, replaceChildren } from './dom';
import { renderAuth } from './authView';
import { renderMeetings } from './meetingsView';
import { renderJoin } from './joinView';
import { renderRoom } from './room/roomView';
import type { MediaChoice } from './devices';

/** A successful join handed from the pre-join page to the room. */
export interface PendingJoin {
  meeting: Meeting;
  join: JoinResult;
  media: MediaChoice;
}

/** What every view gets: the SDK, navigation and the page-wide message areas. */
export interface AppContext {
  rest: RestClient;
  navigate(path: string, replace?: boolean): void;
  /** Shows an error in the alert banner (role=alert); null hides it. */
  showError(message: string | null): void;
  /** Shows a polite status line (connection state, "Copied"); null hides it. */
  showStatus(message: string | null): void;
  /** Shows a notice on the next page (after leaving a meeting, for instance). */
  setNotice(message: string): void;
  pendingJoin: PendingJoin | null;
  /** Called by the current view to release what it holds (sockets, cameras) before another replaces it. */
  onLeave(cleanup: () => void): void;
}

/** Keeps ?media=mesh|sfu for this tab, since navigating to the room drops the query. */
function rememberMediaMode(): void {
  const asked = new URLSearchParams(location.search).get('media');
  try {
    if (asked === 'mesh' || asked === 'sfu') sessionStorage.setItem('wecompany.media', asked);
  } catch {
    // Storage refused (private mode): the room falls back to the default mode.
  }
}

function storage(): StorageTokenStore | MemoryTokenStore {
  try {
    localStorage.setItem('wecompany.probe', '1');
    localStorage.removeItem('wecompany.probe');
    return new StorageTokenStore(localStorage);
  } catch {
    return new MemoryTokenStore();
  }
}

export function startApp(root: HTMLElement): void {
  rememberMediaMode();
  const banner = document.getElementById('banner') as HTMLElement;
  const status = document.getElementById('status') as HTMLElement;
  const userName = document.getElementById('user-name') as HTMLElement;
  const signOut = document.getElementById('sign-out') as HTMLButtonElement;
  let cleanup: (() => void) | null = null;
  let notice: string | null = null;

  const rest = new RestClient({
    store: storage(),
    onSignedOut: () => {
      notice = 'Your session has expired. Please sign in again.';
      context.navigate(`/login?next=${encodeURIComponent(location.pathname)}`, true);
    },
  });

  const context: AppContext = {
    rest,
    pendingJoin: null,
    navigate(path, replace = false) {
      if (replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
      route();
    },
    showError(message) {
      banner.hidden = message === null;
      replaceChildren(banner, message ?? '');
    },
    showStatus(message) {
      status.hidden = message === null;
      replaceChildren(status, message ?? '');
    },
    setNotice(message) {
      notice = message;
    },
    onLeave(fn) {
      cleanup = fn;
    },
  };

  signOut.addEventListener('click', () => {
    // Leave a meeting (which needs the token) before the token is revoked.
    const release = cleanup;
    cleanup = null;
    release?.();
    void rest.logout().then(() => context.navigate('/login'));
  });

  // Same-origin links navigate inside the app instead of reloading the page.
  document.addEventListener('click', (event) => {
    const anchor = (event.target as Element | null)?.closest?.('a[data-route]');
    if (anchor === null || anchor === undefined || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    context.navigate(anchor.getAttribute('href') ?? '/');
  });
  window.addEventListener('popstate', () => route());

  function route(): void {
    const release = cleanup;
    cleanup = null;
    release?.();
    context.showError(null);
    context.showStatus(null);
    if (notice !== null) {
      context.showError(notice);
      notice = null;
    }
    const session = rest.session;
    userName.textContent = session === null ? '' : session.username;
    signOut.hidden = session === null;

    const path = location.pathname;
    const view = h('div', { class: 'view' });
    replaceChildren(root, view);
    const joinMatch = /^\/join\/([^/]+)\/?$/.exec(path);
    const meetingMatch = /^\/meeting\/(\d+)\/?$/.exec(path);
    const roomMatch = /^\/room\/(\d+)\/?$/.exec(path);

    if (path === '/login' || path === '/register') {
      if (session !== null) {
        context.navigate(new URLSearchParams(location.search).get('next') ?? '/', true);
        return;
      }
      renderAuth(view, context, path === '/register' ? 'register' : 'login');
    } else if (session === null) {
      // Every other page needs an account: sign in first, then come back here.
      context.navigate(`/login?next=${encodeURIComponent(path)}`, true);
      return;
    } else if (joinMatch?.[1] !== undefined) {
      renderJoin(view, context, { code: decodeURIComponent(joinMatch[1]) });
    } else if (meetingMatch?.[1] !== undefined) {
      renderJoin(view, context, { meetingId: Number(meetingMatch[1]) });
    } else if (roomMatch?.[1] !== undefined) {
      const pending = context.pendingJoin;
      context.pendingJoin = null;
      if (pending === null || pending.join.meeting_id !== Number(roomMatch[1])) {
        // A reload inside a meeting: go through the pre-join page again (devices, password).
        context.navigate(`/meeting/${roomMatch[1]}`, true);
        return;
      }
      renderRoom(view, context, pending);
    } else {
      renderMeetings(view, context);
    }
    const heading = view.querySelector('h1');
    if (heading !== null) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }

  route();
}
