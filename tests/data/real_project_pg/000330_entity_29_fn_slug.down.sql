DROP FUNCTION entity_29_token(int);
DROP FUNCTION entity_29_slug(text);
