-- A retention sweep deletes banner choices past the banner's keep period,
-- oldest first; this index finds them without reading every choice of the
-- tenant. Kept in step with the other backend's 0017.
CREATE INDEX visitor_choices_by_age ON visitor_choices (tenant_id, at_us, choice_id);
