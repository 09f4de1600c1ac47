DROP FUNCTION entity_09_token(int);
DROP FUNCTION entity_09_slug(text);
