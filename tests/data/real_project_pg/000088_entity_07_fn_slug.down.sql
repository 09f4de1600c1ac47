DROP FUNCTION entity_07_token(int);
DROP FUNCTION entity_07_slug(text);
