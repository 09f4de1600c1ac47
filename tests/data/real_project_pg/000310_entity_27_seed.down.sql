DELETE FROM entity_27 WHERE name LIKE 'seed %; row';
