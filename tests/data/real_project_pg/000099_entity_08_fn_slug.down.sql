DROP FUNCTION entity_08_token(int);
DROP FUNCTION entity_08_slug(text);
