DROP FUNCTION entity_14_token(int);
DROP FUNCTION entity_14_slug(text);
