-- Consents by the text they were given on, so an erasure can tell, without
-- scanning the tenant's consents, whether any other person was shown a text
-- (a text only the erased person was shown goes with them: it may carry
-- their name).
-- Kept in step with ../postgres/0013_consent_text_index.sql.

CREATE INDEX consents_by_text ON consents (tenant_id, text_hash);
