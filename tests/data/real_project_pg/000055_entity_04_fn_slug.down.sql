DROP FUNCTION entity_04_token(int);
DROP FUNCTION entity_04_slug(text);
