-- +up
CREATE TABLE ot_a (x INTEGER);
-- +down
DROP TABLE ot_a;
