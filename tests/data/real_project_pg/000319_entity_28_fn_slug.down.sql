DROP FUNCTION entity_28_token(int);
DROP FUNCTION entity_28_slug(text);
