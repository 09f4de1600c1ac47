INSERT INTO fw_items (id, label) VALUES (1, 'one');
