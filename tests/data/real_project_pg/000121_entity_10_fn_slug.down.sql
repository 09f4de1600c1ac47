DROP FUNCTION entity_10_token(int);
DROP FUNCTION entity_10_slug(text);
