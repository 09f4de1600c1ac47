INSERT INTO gm_users (id, name) VALUES (1, 'a;b'), (2, 'it''s');
