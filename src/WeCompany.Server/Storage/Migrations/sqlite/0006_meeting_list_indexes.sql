-- The meetings list is a union of what a user may see, each part read from its own index newest start first and
-- cut after the page: public meetings from (is_public, start_time, id), the user's own from (host_id, start_time, id).
-- The participant and invitation parts use the user_id indexes of 0002.
CREATE INDEX ix_meetings_public_list ON meetings (is_public, start_time DESC, id DESC);
CREATE INDEX ix_meetings_host_list ON meetings (host_id, start_time DESC, id DESC);
