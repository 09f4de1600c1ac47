DROP FUNCTION entity_13_token(int);
DROP FUNCTION entity_13_slug(text);
