DELETE FROM entity_24 WHERE name LIKE 'seed %; row';
