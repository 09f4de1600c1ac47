DROP FUNCTION entity_02_token(int);
DROP FUNCTION entity_02_slug(text);
