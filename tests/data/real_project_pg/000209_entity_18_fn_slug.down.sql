DROP FUNCTION entity_18_token(int);
DROP FUNCTION entity_18_slug(text);
