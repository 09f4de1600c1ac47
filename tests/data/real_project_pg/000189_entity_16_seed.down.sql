DELETE FROM entity_16 WHERE name LIKE 'seed %; row';
