DELETE FROM entity_08 WHERE name LIKE 'seed %; row';
