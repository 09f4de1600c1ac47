DROP FUNCTION entity_25_token(int);
DROP FUNCTION entity_25_slug(text);
