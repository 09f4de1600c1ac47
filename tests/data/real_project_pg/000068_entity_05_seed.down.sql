DELETE FROM entity_05 WHERE name LIKE 'seed %; row';
