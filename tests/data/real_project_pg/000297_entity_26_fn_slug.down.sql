DROP FUNCTION entity_26_token(int);
DROP FUNCTION entity_26_slug(text);
