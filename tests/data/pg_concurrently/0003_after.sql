-- +up
CREATE TABLE cc_after (x int);
-- +down
DROP TABLE cc_after;
