DELETE FROM entity_09 WHERE name LIKE 'seed %; row';
