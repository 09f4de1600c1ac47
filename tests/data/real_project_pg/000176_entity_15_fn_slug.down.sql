DROP FUNCTION entity_15_token(int);
DROP FUNCTION entity_15_slug(text);
