DELETE FROM entity_15 WHERE name LIKE 'seed %; row';
