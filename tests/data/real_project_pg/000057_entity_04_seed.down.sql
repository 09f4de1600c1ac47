DELETE FROM entity_04 WHERE name LIKE 'seed %; row';
