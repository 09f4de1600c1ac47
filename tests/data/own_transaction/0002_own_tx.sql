-- +up
-- this file manages its own transaction
BEGIN;
CREATE TABLE ot_b (x INTEGER);
INSERT INTO ot_b VALUES (1);
COMMIT;
-- +down
BEGIN;
DROP TABLE ot_b;
COMMIT;
