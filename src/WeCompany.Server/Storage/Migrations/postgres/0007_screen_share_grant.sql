-- A meeting can require the host's (or a co-host's) grant before a participant shares a screen.
ALTER TABLE meetings ADD COLUMN screen_share_requires_grant BOOLEAN NOT NULL DEFAULT FALSE;
