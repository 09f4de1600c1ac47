CREATE INDEX gm_users_name ON gm_users (name);
