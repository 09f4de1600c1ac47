DROP FUNCTION entity_17_token(int);
DROP FUNCTION entity_17_slug(text);
