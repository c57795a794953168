-- An erasure deletes the subject's unsubscribe links; this index finds
-- them without reading every link of the tenant.
CREATE INDEX unsubscribe_links_by_subject ON unsubscribe_links (tenant_id, subject_id);
