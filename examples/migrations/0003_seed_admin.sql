-- +up
INSERT INTO users (email, name) VALUES ('admin@example.com', 'O''Brien; the admin');

-- +down
DELETE FROM users WHERE email = 'admin@example.com';
