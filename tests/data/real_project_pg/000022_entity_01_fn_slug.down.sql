DROP FUNCTION entity_01_token(int);
DROP FUNCTION entity_01_slug(text);
