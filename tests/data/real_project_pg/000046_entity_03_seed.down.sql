DELETE FROM entity_03 WHERE name LIKE 'seed %; row';
