DROP FUNCTION entity_22_token(int);
DROP FUNCTION entity_22_slug(text);
