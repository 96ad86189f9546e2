// Where the signed-in session lives. The browser keeps it in localStorage so that it survives a reload;
// tests use the in-memory store.

/** The signed-in user and their tokens. */
export interface StoredSession {
  user_id: number;
  username: string;
  email: string;
  token: string;
  refresh_token: string;
  /** Epoch milliseconds at which the access token expires. */
  expires_at: number;
}

/** Reads and writes the session; `save(null)` signs out. */
export interface TokenStore {
  load(): StoredSession | null;
  save(session: StoredSession | null): void;
}

/** Keeps the session in memory only (tests, private windows). */
export class MemoryTokenStore implements TokenStore {
  private session: StoredSession | null;

  constructor(initial: StoredSession | null = null) {
    this.session = initial;
  }

  load(): StoredSession | null {
    return this.session;
  }

  save(session: StoredSession | null): void {
    this.session = session;
  }
}

const storageKey = 'wecompany.session';

/** Keeps the session in a Storage (localStorage by default) under one key. */
export class StorageTokenStore implements TokenStore {
  constructor(private readonly storage: Storage, private readonly key: string = storageKey) {}

  load(): StoredSession | null {
    const raw = this.storage.getItem(this.key);
    if (raw === null) return null;
    try {
      const value = JSON.parse(raw) as Partial<StoredSession>;
      if (typeof value.token !== 'string' || typeof value.refresh_token !== 'string' || typeof value.user_id !== 'number') {
        return null;
      }
      return value as StoredSession;
    } catch {
      return null;
    }
  }

  save(session: StoredSession | null): void {
    if (session === null) this.storage.removeItem(this.key);
    else this.storage.setItem(this.key, JSON.stringify(session));
  }
}
