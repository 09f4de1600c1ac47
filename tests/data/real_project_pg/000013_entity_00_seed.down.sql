DELETE FROM entity_00 WHERE name LIKE 'seed %; row';
