DROP FUNCTION entity_24_token(int);
DROP FUNCTION entity_24_slug(text);
