-- When each day roll-up was last recomputed, by the writer's clock. A reader that keeps minute rows in memory
-- re-reads only the days written since it last looked (with a margin for clock skew between probers), instead of
-- 90 days of minute rows on every refresh. NULL on rows written before this column existed.
ALTER TABLE probe_day ADD COLUMN written_at TIMESTAMP;
