DROP FUNCTION entity_11_token(int);
DROP FUNCTION entity_11_slug(text);
