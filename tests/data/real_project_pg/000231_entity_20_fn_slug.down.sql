DROP FUNCTION entity_20_token(int);
DROP FUNCTION entity_20_slug(text);
