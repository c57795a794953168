-- One subject's requests in queue order (`GET /v1/requests?subject=`):
-- equality on the subject, then the due date and id the listing sorts and
-- pages by, so the rows read are that subject's, with no sort.
CREATE INDEX requests_by_subject_due
    ON requests (tenant_id, subject_id, effective_due_at, request_id);
