DROP FUNCTION entity_06_token(int);
DROP FUNCTION entity_06_slug(text);
