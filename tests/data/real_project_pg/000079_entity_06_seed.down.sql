DELETE FROM entity_06 WHERE name LIKE 'seed %; row';
