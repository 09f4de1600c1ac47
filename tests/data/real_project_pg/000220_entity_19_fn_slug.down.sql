DROP FUNCTION entity_19_token(int);
DROP FUNCTION entity_19_slug(text);
