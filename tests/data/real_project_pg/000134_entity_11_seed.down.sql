DELETE FROM entity_11 WHERE name LIKE 'seed %; row';
