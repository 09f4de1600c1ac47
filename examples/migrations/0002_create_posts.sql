-- Posts, with a trigger keeping a per-user count (the splitter keeps the
-- trigger body, semicolons and all, in one statement).
-- +up
CREATE TABLE posts (
  id      INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  title   TEXT NOT NULL,
  body    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX posts_user_id ON posts (user_id);
ALTER TABLE users ADD COLUMN post_count INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER posts_count AFTER INSERT ON posts BEGIN
  UPDATE users SET post_count = post_count + 1 WHERE id = new.user_id;
  SELECT CASE WHEN new.title = '' THEN RAISE(ABORT, 'empty title; rejected') END;
END;

-- +down
DROP TRIGGER posts_count;
DROP TABLE posts;
ALTER TABLE users DROP COLUMN post_count;
