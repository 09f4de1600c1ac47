DELETE FROM entity_14 WHERE name LIKE 'seed %; row';
