-- ferry:no-transaction
-- +up
CREATE INDEX CONCURRENTLY cc_items_label ON cc_items (label);
-- +down
DROP INDEX CONCURRENTLY cc_items_label;
